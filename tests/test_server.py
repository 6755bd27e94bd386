"""The extension's backend over real HTTP on 127.0.0.1: storing, answering, coalescing builds, surviving failures."""

from __future__ import annotations

import concurrent.futures
import html
import json
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import SITE_URL, make_project
from generator.cli import _parser
from generator.server import make_server

TOKEN = "test-token-123"


def papers_page(day: str, papers: list[tuple[str, str, str]]) -> bytes:
    items = [{"paper": {"id": arxiv_id, "title": title, "summary": summary, "upvotes": 3}} for arxiv_id, title, summary in papers]
    props = html.escape(json.dumps({"dateString": day, "dailyPapers": items}), quote=True)
    return f'<!doctype html><html><body><main><div data-target="DailyPapers" data-props="{props}"></div></main></body></html>'.encode()


class Backend:
    def __init__(self, project: Path, *extra: str, monkeypatch, **server_options):
        monkeypatch.setenv("PAPER_DIGEST_TOKEN", TOKEN)
        args = _parser().parse_args(
            ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml"),
             "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, "--port", "0", "--quiet", *extra]
        )
        self.server, self.app = make_server(args, log=lambda *a: None, **server_options)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def post(self, body: bytes, content_type: str = "text/html; charset=utf-8", token: str | None = TOKEN,
             page_url: str = "https://huggingface.co/papers?date=2025-03-13"):
        headers = {"Content-Type": content_type, "X-Page-Url": page_url}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{self.url}/api/dumps", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def get(self, path: str):
        with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as response:
            return response.status, response.read()

    def close(self):
        self.app.builder.stop()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "p")


@pytest.fixture
def backend(project, monkeypatch):
    backend = Backend(project, "--no-mkdocs", monkeypatch=monkeypatch)
    yield backend
    backend.close()


def dump_files(project: Path) -> list[str]:
    # not the manifest, the id map, nor a temporary file of their atomic writes (a build may be writing ids.json)
    return sorted(p.name for p in (project / "dumps").iterdir()
                  if p.name not in ("manifest.yml", "ids.json") and not p.name.startswith("."))


def test_post_answers_for_good_repeat_bad_token_oversize_wrong_type_and_empty(project, backend):
    before = dump_files(project)
    page = papers_page("2025-03-13", [("2503.11111", "A Brand New Retrieval Paper", "We retrieve new things.")])

    status, body = backend.post(page)
    assert status == 201, body
    assert body["status"] == "stored" and body["papers"] == 1 and body["new"] == 1
    assert body["dump"].startswith("2025-03-13-") and body["dump"].endswith(".html")
    assert (project / "dumps" / body["dump"]).read_bytes() == page
    manifest = (project / "dumps" / "manifest.yml").read_text()
    assert f"  {body['dump']}:" in manifest and "url: https://huggingface.co/papers?date=2025-03-13" in manifest
    assert "# What is known about each bundled dump" in manifest  # comments survive

    again_status, again = backend.post(page)
    assert (again_status, again["status"], again["dump"]) == (200, "already stored", body["dump"])
    assert len(dump_files(project)) == len(before) + 1

    assert backend.post(page, token="wrong")[0] == 401
    assert backend.post(page, token=None)[0] == 401
    assert backend.post(b"x" * (11 * 1024 * 1024))[0] == 413
    assert backend.post(b"%PDF-1.4", content_type="application/pdf")[0] == 415
    status, body = backend.post(b"<html><body><p>nothing</p></body></html>")
    assert status == 422 and "HTML page with no papers" in body["error"]
    assert len(dump_files(project)) == len(before) + 1


def published_ids(project) -> set[str]:
    """The papers the last build published (api/papers.json in the generated sources: these builds skip MkDocs)."""
    path = project / "site_src" / "api" / "papers.json"
    return {r["id"] for r in json.loads(path.read_text(encoding="utf-8"))} if path.exists() else set()


def test_stored_dump_is_built_and_status_tells(project, backend):
    page = papers_page("2025-03-13", [("2503.22222", "Speech Synthesis For Everyone", "A text-to-speech model.")])
    assert backend.post(page)[0] == 201
    assert backend.app.builder.wait_idle(120)
    status = json.loads(backend.get("/api/status")[1])
    assert status["last_build"]["ok"] is True and status["builds"] == 1
    assert "speech-synthesis-for-everyone" in published_ids(project)


def test_twenty_concurrent_posts_store_twenty_dumps_with_at_most_two_builds(project, backend, monkeypatch):
    import generator.preview as preview_module

    # Hold the first build until every post is stored, however fast builds are: the other posts must coalesce.
    all_stored = threading.Event()
    real_build = preview_module.build
    monkeypatch.setattr(preview_module, "build", lambda *a, **k: all_stored.wait(60) and real_build(*a, **k))
    before = len(dump_files(project))
    pages = [papers_page(f"2025-04-{day:02d}", [(f"2504.{day:05d}", f"Concurrent Paper Number {day}", f"Abstract {day}.")]) for day in range(1, 21)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(backend.post, pages))
    all_stored.set()
    assert [status for status, _ in results] == [201] * 20
    assert backend.app.builder.wait_idle(300)
    stored = dump_files(project)
    assert len(stored) == before + 20
    for (status, body), page in zip(results, pages):
        assert (project / "dumps" / body["dump"]).read_bytes() == page
    manifest = (project / "dumps" / "manifest.yml").read_text()
    assert all(f"  {body['dump']}:" in manifest for _, body in results)
    assert backend.app.builder.status()["builds"] <= 2
    assert len({pid for pid in published_ids(project) if pid.startswith("concurrent-paper-number-")}) == 20


def test_failed_build_keeps_the_previous_site_and_the_dump(project, monkeypatch):
    backend = Backend(project, monkeypatch=monkeypatch)
    try:
        backend.app.builder.request()
        assert backend.app.builder.wait_idle(300)
        assert backend.app.builder.status()["last_build"]["ok"]
        assert backend.get("/")[0] == 200
        home_before = (project / "site" / "index.html").read_bytes()

        (project / "topics.yml").write_text("topics:\n  - slug: Not A Slug\n    name: x\n    include: [x]\n")
        page = papers_page("2025-03-14", [("2503.33333", "A Paper Nobody Will See Yet", "Abstract.")])
        status, body = backend.post(page)
        assert status == 201
        assert backend.app.builder.wait_idle(300)
        last = backend.app.builder.status()["last_build"]
        assert last["ok"] is False and "topics.yml" in last["error"]
        assert (project / "dumps" / body["dump"]).is_file()
        assert (project / "site" / "index.html").read_bytes() == home_before
        assert backend.get("/")[0] == 200
    finally:
        backend.close()


def test_git_commit_commits_the_dump_and_manifest(project, monkeypatch):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], cwd=project, check=True)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "t")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "t@t")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "t")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "t@t")
    backend = Backend(project, "--no-mkdocs", "--git-commit", monkeypatch=monkeypatch)
    try:
        status, body = backend.post(papers_page("2025-03-15", [("2503.44444", "Committed Paper", "Abstract.")]))
        assert status == 201
        log = subprocess.run(["git", "log", "--name-only", "--format=%s", "-1"], cwd=project, capture_output=True, text=True).stdout
        assert f"Add dump {body['dump']}" in log and "dumps/manifest.yml" in log
    finally:
        backend.close()


def test_refuses_non_loopback_without_a_configured_token_and_its_refusal_configures_none(tmp_path, monkeypatch):
    """The refused run must not make the token file a second run would then take as configured."""
    monkeypatch.delenv("PAPER_DIGEST_TOKEN", raising=False)
    project = make_project(tmp_path / "p")
    token_file = tmp_path / "new-token"

    def serve_args(host):
        return _parser().parse_args(["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"),
                                     "--host", host, "--port", "0", "--token-file", str(token_file), "--no-initial-build"])

    from generator.server import ServeError

    for _ in range(2):
        with pytest.raises(ServeError, match="non-loopback"):
            make_server(serve_args("0.0.0.0"))
        assert not token_file.exists()

    server, app = make_server(serve_args("127.0.0.1"), log=lambda *a: None)  # loopback: a token is made for it
    app.builder.stop()
    server.server_close()
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert token_file.read_text().strip() == app.token


def test_cors_admits_only_configured_origins(project, monkeypatch):
    backend = Backend(project, "--no-mkdocs", "--allow-origin", "chrome-extension://abcdef", monkeypatch=monkeypatch)
    try:
        def preflight(origin):
            request = urllib.request.Request(f"{backend.url}/api/dumps", method="OPTIONS", headers={"Origin": origin})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.headers.get("Access-Control-Allow-Origin")
            except urllib.error.HTTPError as error:
                return error.code, error.headers.get("Access-Control-Allow-Origin")

        assert preflight("chrome-extension://abcdef") == (204, "chrome-extension://abcdef")
        assert preflight("https://evil.example")[0] == 403
        request = urllib.request.Request(f"{backend.url}/api/dumps", data=b"x", method="POST",
                                         headers={"Origin": "https://evil.example", "Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code == 403
    finally:
        backend.close()


# ---- hardening: lengths, timeouts, bursts, full disks, poison dumps ------------------------------------------------

import os  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from conftest import ROOT  # noqa: E402


def raw_request(url: str, head: bytes, body: bytes = b"", timeout: float = 30) -> bytes:
    """Send bytes as they are (no client library fixing the headers up) and read the whole answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as conn:
        conn.sendall(head + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def post_head(length: str, token: str = TOKEN, extra: str = "") -> bytes:
    return (f"POST /api/dumps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


@pytest.mark.parametrize("length", ["-1", "abc", "+5", "1_0", " ", "0x10", "99999999999999999999999"])
def test_an_invalid_content_length_is_400_and_nothing_is_stored(project, backend, length):
    before = dump_files(project)
    body = b"Mar 14, 2025\nA Paper Smuggled Past The Cap\nIts abstract.\n" * 3
    answer = raw_request(backend.url, post_head(length), body)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"400", answer[:300]
    assert b"invalid Content-Length" in rest.split(b"\r\n\r\n", 1)[1]
    assert dump_files(project) == before


def test_two_different_content_lengths_are_400(project, backend):
    answer = raw_request(backend.url, post_head("10", extra="Content-Length: 20\r\n"), b"x" * 20)
    assert answer.split()[1] == b"400"


def test_a_stalled_client_is_cut_off_and_others_are_served_meanwhile(project, monkeypatch):
    backend = Backend(project, "--no-mkdocs", monkeypatch=monkeypatch, timeout=1.0, workers=2)
    try:
        stalled_head = socket.create_connection(("127.0.0.1", backend.server.server_address[1]))
        stalled_head.sendall(b"POST /api/dumps HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        stalled_body = socket.create_connection(("127.0.0.1", backend.server.server_address[1]))
        stalled_body.sendall(post_head("1000") + b"only part of it")  # body never finished
        started = time.monotonic()
        assert backend.get("/api/status")[0] == 200  # served while both workers may be held
        stalled_head.settimeout(10)
        stalled_body.settimeout(10)
        assert stalled_head.recv(65536) == b""  # closed without an answer: no request was read
        answer = b""
        while chunk := stalled_body.recv(65536):  # the head and the body may come in separate segments
            answer += chunk
        assert answer.split()[1] == b"408" and b"did not arrive within 1 s" in answer
        assert time.monotonic() - started < 8
        page = papers_page("2025-03-16", [("2503.66666", "Served After The Stalls", "Abstract.")])
        assert backend.post(page)[0] == 201
    finally:
        stalled_head.close()
        stalled_body.close()
        backend.close()


def test_a_client_dripping_its_headers_is_cut_off_at_the_deadline(project, monkeypatch):
    """A byte every 0.2 s never trips the per-read timeout; the headers must still be in within the timeout."""
    backend = Backend(project, "--no-mkdocs", monkeypatch=monkeypatch, timeout=1.0, workers=2)
    try:
        drip = socket.create_connection(("127.0.0.1", backend.server.server_address[1]))
        started = time.monotonic()
        cut = False
        for byte in b"POST /api/dumps HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 100:
            try:
                drip.sendall(bytes([byte]))
            except OSError:
                cut = True
                break
            time.sleep(0.2)
            if time.monotonic() - started > 6:
                break
        drip.settimeout(5)
        try:
            cut = cut or drip.recv(65536) == b""
        except OSError:
            cut = True
        assert cut and time.monotonic() - started < 6
        assert backend.get("/api/status")[0] == 200
    finally:
        drip.close()
        backend.close()


def test_a_burst_of_a_hundred_uploads_on_four_workers_stores_every_one(project, monkeypatch):
    backend = Backend(project, "--no-mkdocs", monkeypatch=monkeypatch, workers=4)
    try:
        before = len(dump_files(project))
        pages = [papers_page("2025-05-01", [(f"2505.{n:05d}", f"Burst Paper Number {n}", f"Abstract {n}.")]) for n in range(100)]
        start = threading.Barrier(100)

        def post(page):
            start.wait()
            return backend.post(page)

        with concurrent.futures.ThreadPoolExecutor(max_workers=100) as pool:
            results = list(pool.map(post, pages))
        assert [status for status, _ in results] == [201] * 100
        assert len(dump_files(project)) == before + 100
        manifest = (project / "dumps" / "manifest.yml").read_text()
        assert all(f"  {body['dump']}:" in manifest for _, body in results)
    finally:
        backend.close()


DISK_LIMITED_SERVE = """
import resource, signal, sys
from generator import cli
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.exit(cli.main(["serve", *sys.argv[2:]]))
"""


def test_a_dump_the_disk_cannot_take_gets_507_with_json_and_leaves_nothing_behind(project):
    """A real failed write: the server runs with a file size limit, so writing a large dump fails with EFBIG."""
    process = subprocess.Popen(
        [sys.executable, "-c", DISK_LIMITED_SERVE, str(1 << 20), "--dumps", str(project / "dumps"), "--site-dir",
         str(project / "site"), "--port", "0", "--no-initial-build", "--no-mkdocs"],
        cwd=project, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT), "PAPER_DIGEST_TOKEN": TOKEN})
    try:
        line = process.stderr.readline()
        url = line.split(" on ", 1)[1].split("/ ", 1)[0]
        client = type("Client", (), {"url": url, "post": Backend.post})()
        before = dump_files(project)
        big = "Mar 14, 2025\n" + "".join(f"A Large Dump Paper Number {n}\n{'An abstract sentence. ' * 40}\n" for n in range(2000))
        status, body = client.post(big.encode(), content_type="text/plain")
        assert status == 507, body
        assert body["error"].startswith("could not store the dump: File too large")
        assert dump_files(project) == before
        assert not [p for p in (project / "dumps").iterdir() if p.name.startswith(".")]  # no temporary left
        small = papers_page("2025-03-17", [("2503.77777", "Small Enough To Store", "Abstract.")])
        assert client.post(small)[0] == 201
    finally:
        process.terminate()
        process.wait(30)


POISON = {
    "undecodable bytes": (b"Mar 14, 2025\nA Title About Things\nAn abstract.\n\xff\xfe broken\nMore.\n", "text/plain", "undecodable bytes"),
    "a title with no abstract": (b"Mar 14, 2025\nA Title About Things\nAn abstract.\nA Lonely Title\n", "text/plain", "title with no abstract"),
    "authors as a number": (b'[{"paper":{"title":"T","summary":"S.","authors":5}}]', "application/json", "authors is a number"),
    "a 5000-digit number": (b'[{"paper":{"title":"T","summary":"S.","upvotes":' + b"9" * 5000 + b"}}]", "application/json", "not readable JSON"),
    "invalid JSON": (b'[{"paper": ', "application/json", "not valid JSON"),
    "an HTML page with no papers": (b"<html><body><p>nothing</p></body></html>", "text/html", "HTML page with no papers"),
}


def test_poison_uploads_get_422_with_the_cause_and_the_next_good_upload_still_publishes(project, monkeypatch):
    backend = Backend(project, monkeypatch=monkeypatch)
    try:
        before = dump_files(project)
        for name, (data, content_type, cause) in POISON.items():
            status, body = backend.post(data, content_type=content_type)
            assert status == 422, (name, body)
            assert cause in body["error"] and any(cause in line for line in body["problems"]), (name, body)
            assert "Traceback" not in json.dumps(body)
        assert dump_files(project) == before
        page = papers_page("2025-03-18", [("2503.88888", "Published After The Poison", "We keep publishing.")])
        assert backend.post(page)[0] == 201
        assert backend.app.builder.wait_idle(300)
        assert backend.app.builder.status()["last_build"]["ok"] is True
        assert backend.get("/papers/published-after-the-poison/")[0] == 200
    finally:
        backend.close()


# The issue's poison dumps that `check` once called clean: the server refuses them with the build's validator.
@pytest.mark.parametrize("data,content_type", [
    pytest.param(json.dumps([{"paper": {"title": "T", "summary": "S.", "projectPage": "https://x.example/\ud800"}}]).encode(),
                 "application/json", id="lone surrogate in a link"),
    pytest.param(b"Mar 14, 2025\nA Title\n" + b"&" * 2_100_000 + b"\n", "text/plain",
                 id="2.1 million ampersands"),
])
def test_the_issues_poison_dumps_get_422(project, backend, data, content_type):
    status, body = backend.post(data, content_type=content_type)
    assert status == 422, body


def test_a_build_of_serve_waits_for_another_build_of_the_same_site_folder(project, monkeypatch):
    """A `make site` running while the preview builds: the preview's build waits for its lock, then builds."""
    from generator import store

    backend = Backend(project, "--no-mkdocs", monkeypatch=monkeypatch)
    try:
        with store.site_lock(project / "site"):  # what another build holds while it writes the site
            page = papers_page("2025-03-19", [("2503.99999", "Built Once The Lock Is Free", "Abstract.")])
            assert backend.post(page)[0] == 201
            assert not backend.app.builder.wait_idle(1.5)  # still waiting for the lock
            assert "built-once-the-lock-is-free" not in published_ids(project)
        assert backend.app.builder.wait_idle(120)
        assert backend.app.builder.status()["last_build"]["ok"] is True
        assert "built-once-the-lock-is-free" in published_ids(project)
    finally:
        backend.close()
