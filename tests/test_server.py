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
    def __init__(self, project: Path, *extra: str, monkeypatch):
        monkeypatch.setenv("PAPER_DIGEST_TOKEN", TOKEN)
        args = _parser().parse_args(
            ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml"),
             "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, "--port", "0", "--quiet", *extra]
        )
        self.server, self.app = make_server(args, log=lambda *a: None)
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
    return sorted(p.name for p in (project / "dumps").iterdir() if p.name not in ("manifest.yml", "ids.json"))


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


def test_stored_dump_is_built_and_status_tells(project, backend):
    page = papers_page("2025-03-13", [("2503.22222", "Speech Synthesis For Everyone", "A text-to-speech model.")])
    assert backend.post(page)[0] == 201
    assert backend.app.builder.wait_idle(120)
    status = json.loads(backend.get("/api/status")[1])
    assert status["last_build"]["ok"] is True and status["builds"] == 1
    assert (project / "site_src" / "papers" / "speech-synthesis-for-everyone.md").is_file()


def test_twenty_concurrent_posts_store_twenty_dumps_with_at_most_two_builds(project, backend, monkeypatch):
    import generator.server as server_module

    # Hold the first build until every post is stored, however fast builds are: the other posts must coalesce.
    all_stored = threading.Event()
    real_build = server_module.build
    monkeypatch.setattr(server_module, "build", lambda *a, **k: all_stored.wait(60) and real_build(*a, **k))
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
    assert len(list((project / "site_src" / "papers").glob("concurrent-paper-number-*.md"))) == 20


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


def test_refuses_non_loopback_without_a_configured_token(tmp_path, monkeypatch):
    monkeypatch.delenv("PAPER_DIGEST_TOKEN", raising=False)
    project = make_project(tmp_path / "p")
    args = _parser().parse_args(["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"),
                                 "--host", "0.0.0.0", "--port", "0", "--token-file", str(tmp_path / "new-token")])
    from generator.server import ServeError

    with pytest.raises(ServeError, match="non-loopback"):
        make_server(args)
    token_file = tmp_path / "new-token"
    assert token_file.exists() and oct(token_file.stat().st_mode & 0o777) == "0o600"


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
