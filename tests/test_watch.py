"""`serve` watches its inputs: a dump dropped into dumps/ appears in the served site without a restart (an
incremental build), an edit to topics.yml rebuilds it whole, and an open page reloads by itself."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

from playwright.sync_api import sync_playwright

from browser import BROWSER_ARGS, chromium_path
from conftest import SITE_URL, make_project
from generator.cli import _parser
from generator.server import make_server
from generator.watch import RELOAD_SNIPPET, watch
from test_server import TOKEN, papers_page


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _wait(predicate, timeout: float = 180) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_a_dump_dropped_into_dumps_appears_in_the_served_site_and_open_pages_reload(tmp_path, monkeypatch):
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("PAPER_DIGEST_TOKEN", TOKEN)
    args = _parser().parse_args(
        ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml"),
         "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, "--port", "0", "--quiet"])
    server, app = make_server(args, log=lambda *a: None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    backend = f"http://127.0.0.1:{server.server_address[1]}"
    lines: list[str] = []
    watcher = None
    try:
        app.builder.request()
        assert app.builder.wait_idle(300) and app.builder.status()["last_build"]["ok"]
        watcher = watch(app, app.builder.options, log=lines.append)
        assert RELOAD_SNIPPET in _get(f"{backend}/")
        assert RELOAD_SNIPPET not in (project / "site" / "index.html").read_bytes()  # only added when served
        builds = app.builder.status()["builds"]

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=BROWSER_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{backend}/")
                page.evaluate("window.__before = true")

                (project / "dumps" / "dropped.html").write_bytes(papers_page(
                    "2025-03-20", [("2503.55555", "Dropped Into The Folder: Watching Inputs", "We watch a folder.")]))

                def published() -> list:
                    records = json.loads(_get(f"{backend}/api/papers.json"))
                    return [r for r in records if r["arxiv_id"] == "2503.55555"]

                assert _wait(lambda: published() and not app.builder.status()["building"]), app.builder.status()
                record = published()[0]
                assert "Dropped Into The Folder" in _get(f"{backend}/papers/{record['id']}/").decode()
                last = app.builder.status()["last_build"]
                assert last["ok"] and last["incremental"], last
                assert any("dropped.html" in line for line in lines), lines
                page.wait_for_function("() => window.__before === undefined", timeout=60_000)  # it reloaded

                # Not an input: the build's own writes and a file beside the project start nothing.
                done = app.builder.status()["builds"]
                assert done > builds
                (project / "notes.txt").write_text("not an input", encoding="utf-8")
                time.sleep(2)
                assert app.builder.status()["builds"] == done and not app.builder.status()["pending"]

                # An input other than dumps: a full build.
                with (project / "topics.yml").open("a", encoding="utf-8") as topics:
                    topics.write("\n# edited while serving\n")
                assert _wait(lambda: app.builder.status()["builds"] > done and not app.builder.status()["building"])
                last = app.builder.status()["last_build"]
                assert last["ok"] and not last["incremental"], last
            finally:
                browser.close()
    finally:
        if watcher is not None:
            watcher.stop()
        app.builder.stop()
        server.shutdown()
        server.server_close()
