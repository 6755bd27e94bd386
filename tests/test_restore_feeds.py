"""Tests for .ci/restore_feeds.py against real HTTP servers on 127.0.0.1.

The deploy workflow runs that script before `make site` so the shrink guard can
compare the new feeds with the ones already published.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / ".ci" / "restore_feeds.py"

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{title}</title><link>http://example.org/</link>
<description>d</description><item><title>one</title></item><item><title>two</title></item></channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title><id>urn:x</id>
<updated>2025-03-11T00:00:00Z</updated><entry><title>one</title><id>urn:1</id>
<updated>2025-03-11T00:00:00Z</updated></entry></feed>
"""


class _Server:
    """A static file server on 127.0.0.1 in a thread, recording request paths."""

    def __init__(self, root: Path, status_overrides: dict[str, int] | None = None):
        self.root = root
        self.requests: list[str] = []
        overrides = status_overrides or {}
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server naming)
                requests.append(self.path)
                code = overrides.get(self.path)
                if code is not None:
                    self.send_error(code)
                    return
                super().do_GET()

            def log_message(self, *args):  # keep pytest output clean
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _run(site_url: str, site_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--site-url", site_url, "--site-dir", str(site_dir),
         "--timeout", "10", "--retries", "0"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )


def _opml(outlines: list[str]) -> str:
    body = "\n".join(f'    <outline type="rss" text="t" xmlUrl="{u}"/>' for u in outlines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head><title>Topics</title></head>\n'
        f"<body>\n{body}\n</body></opml>\n"
    )


def _files(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def live(tmp_path):
    """A published site under /repo/ with an OPML, feeds and their .atom twins."""
    root = tmp_path / "www"
    feeds = root / "repo" / "feeds"
    (feeds / "topics").mkdir(parents=True)
    (root / "repo" / "other").mkdir(parents=True)
    (root / "repo" / "secret.xml").write_text(RSS.format(title="secret"))
    (root / "repo" / "other" / "x.xml").write_text(RSS.format(title="other"))
    for name in ("all", "llm", "vision"):
        rel = f"topics/{name}" if name != "all" else name
        (feeds / f"{rel}.xml").write_text(RSS.format(title=name))
        (feeds / f"{rel}.atom").write_text(ATOM.format(title=name))
    return root


def test_restores_opml_listed_feeds_and_atom_twins(live, tmp_path):
    foreign_root = tmp_path / "foreign"
    (foreign_root / "repo" / "feeds").mkdir(parents=True)
    (foreign_root / "repo" / "feeds" / "evil.xml").write_text(RSS.format(title="evil"))
    with _Server(live) as srv, _Server(foreign_root) as foreign:
        base = f"{srv.origin}/repo"
        (live / "repo" / "feeds" / "topics.opml").write_text(_opml([
            f"{base}/feeds/topics/llm.xml",
            "topics/vision.xml",                      # relative to the OPML
            f"{foreign.origin}/repo/feeds/evil.xml",  # another host: never fetched
            f"http://localhost:{srv.port}/repo/feeds/topics/llm.xml",  # other host name
            f"{base}/other/x.xml",                    # same host, outside feeds/
            f"{base}/feeds/../secret.xml",            # climbs out of feeds/
            "file:///etc/passwd",
        ]))
        site = tmp_path / "site"
        proc = _run(base + "/", site)

    assert proc.returncode == 0, proc.stderr
    got = _files(site / "feeds")
    assert sorted(got) == [
        "all.atom", "all.xml", "topics.opml",
        "topics/llm.atom", "topics/llm.xml", "topics/vision.atom", "topics/vision.xml",
    ]
    for rel, body in got.items():
        assert body == (live / "repo" / "feeds" / rel).read_bytes(), rel
    assert foreign.requests == []
    assert not any("secret" in p or "other" in p for p in srv.requests), srv.requests
    assert "ignored 5 xmlUrl(s)" in proc.stdout
    assert not [p for p in (site / "feeds").rglob("*.tmp")]


def test_missing_opml_is_first_deploy(tmp_path):
    empty = tmp_path / "www"
    empty.mkdir()
    with _Server(empty) as srv:
        site = tmp_path / "site"
        proc = _run(f"{srv.origin}/repo", site)
    assert proc.returncode == 0, proc.stderr
    assert "404" in proc.stdout and "nothing to restore" in proc.stdout
    assert _files(site) == {}
    assert srv.requests == ["/repo/feeds/topics.opml"]


def test_server_error_on_opml_warns_and_writes_nothing(live, tmp_path):
    (live / "repo" / "feeds" / "topics.opml").write_text(_opml(["topics/llm.xml"]))
    with _Server(live, status_overrides={"/repo/feeds/topics.opml": 500}) as srv:
        site = tmp_path / "site"
        proc = _run(f"{srv.origin}/repo", site)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1 and "warning" in lines[0] and "500" in lines[0]
    assert _files(site) == {}


def test_unreachable_site_warns_and_exits_zero(tmp_path):
    with _Server(tmp_path) as srv:
        port = srv.port
    # The server is closed now: connection refused.
    proc = _run(f"http://127.0.0.1:{port}/repo", tmp_path / "site")
    assert proc.returncode == 0, proc.stderr
    assert "warning" in proc.stdout
    assert _files(tmp_path / "site") == {}


def test_non_xml_bodies_are_not_written(live, tmp_path):
    feeds = live / "repo" / "feeds"
    (feeds / "topics.opml").write_text(_opml(["topics/llm.xml", "topics/vision.xml"]))
    (feeds / "all.xml").write_text("<html><body>Site under maintenance")  # not well-formed
    (feeds / "topics" / "llm.xml").write_text("just some text, no XML at all\n")
    (feeds / "topics" / "vision.atom").write_text('<?xml version="1.0"?><html><p>oops</p></html>')  # wrong root
    site = tmp_path / "site"
    previous = RSS.format(title="kept from an earlier run")
    (site / "feeds").mkdir(parents=True)
    (site / "feeds" / "all.xml").write_text(previous)
    with _Server(live) as srv:
        proc = _run(f"{srv.origin}/repo", site)
    assert proc.returncode == 0, proc.stderr
    got = _files(site / "feeds")
    assert sorted(got) == ["all.atom", "all.xml", "topics.opml", "topics/llm.atom", "topics/vision.xml"]
    assert got["all.xml"].decode() == previous  # the garbage did not replace it
    assert proc.stdout.count("not an RSS/Atom document") == 3


def test_opml_that_is_not_opml_writes_nothing(tmp_path):
    root = tmp_path / "www"
    (root / "repo" / "feeds").mkdir(parents=True)
    (root / "repo" / "feeds" / "topics.opml").write_text("<!doctype html><title>404</title>")
    (root / "repo" / "feeds" / "all.xml").write_text(RSS.format(title="all"))
    with _Server(root) as srv:
        site = tmp_path / "site"
        proc = _run(f"{srv.origin}/repo", site)
    assert proc.returncode == 0, proc.stderr
    assert "not an OPML document" in proc.stdout
    assert _files(site) == {}


def test_redirect_to_another_host_is_refused(tmp_path):
    target_root = tmp_path / "target"
    (target_root / "repo" / "feeds").mkdir(parents=True)
    (target_root / "repo" / "feeds" / "topics.opml").write_text(_opml([]))
    with _Server(target_root) as target:
        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(302)
                self.send_header("Location", f"{target.origin}{self.path}")
                self.end_headers()

            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            site = tmp_path / "site"
            proc = _run(f"http://localhost:{httpd.server_address[1]}/repo", site)
        finally:
            httpd.shutdown()
            httpd.server_close()
    assert proc.returncode == 0, proc.stderr
    assert "redirect" in proc.stdout and "warning" in proc.stdout
    assert target.requests == []
    assert _files(site) == {}


def _run_ids(site_url: str, site_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--ids", "--site-url", site_url, "--site-dir", str(site_dir),
         "--timeout", "10", "--retries", "0"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )


def test_ids_restores_the_published_id_map_beside_the_feeds_and_refuses_anything_else(live, tmp_path):
    ids = '{"version": 1, "ids": {\n"a-paper": ["title:a paper"]\n}}\n'
    (live / "repo" / "feeds" / "topics.opml").write_text(_opml(["topics/llm.xml"]))
    (live / "repo" / "api").mkdir()
    (live / "repo" / "api" / "ids.json").write_text(ids)
    site = tmp_path / "site"
    with _Server(live) as srv:
        proc = _run_ids(f"{srv.origin}/repo", site)
        assert proc.returncode == 0, proc.stderr
        assert (site / "api" / "ids.json").read_text() == ids and "restored the id map (1 ids)" in proc.stdout
        assert (site / "feeds" / "topics" / "llm.xml").is_file()

        for body in ("<!doctype html><title>Not here</title>", '{"version": 2, "ids": {}}', '["a-paper"]'):
            (live / "repo" / "api" / "ids.json").write_text(body)
            proc = _run_ids(f"{srv.origin}/repo", site)
            assert proc.returncode == 0 and "is not a published id map; not restored" in proc.stdout, proc.stdout
            assert (site / "api" / "ids.json").read_text() == ids  # the earlier good copy stays

        (live / "repo" / "api" / "ids.json").unlink()
        proc = _run_ids(f"{srv.origin}/repo", site)
        assert proc.returncode == 0 and "no id map published yet" in proc.stdout
