"""End to end: Chromium with the unpacked extension captures a locally served papers page into a running backend,
and the paper shows up in the rebuilt site."""

from __future__ import annotations

import json
import threading
import urllib.request

from playwright.sync_api import sync_playwright

from browser import BROWSER_ARGS, chromium_path, screenshot, serve_directory
from conftest import ROOT, SITE_URL, make_project
from generator.cli import _parser
from generator.server import make_server
from test_server import TOKEN, papers_page

EXTENSION = ROOT / "extension"


def test_capture_from_the_browser_lands_in_the_rebuilt_site(tmp_path, monkeypatch):
    executable = chromium_path()
    project = make_project(tmp_path / "project")
    monkeypatch.setenv("PAPER_DIGEST_TOKEN", TOKEN)
    args = _parser().parse_args(
        ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml"),
         "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, "--port", "0", "--quiet"]
    )
    server, app = make_server(args, log=lambda *a: None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    backend = f"http://127.0.0.1:{server.server_address[1]}"

    pages = tmp_path / "hf"
    (pages / "papers").mkdir(parents=True)
    (pages / "papers" / "index.html").write_bytes(
        papers_page("2025-03-20", [("2503.55555", "Captured By The Extension: Speech Retrieval", "We capture pages in one click.")])
    )
    try:
        with serve_directory(pages) as page_base, sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path / "profile"),
                executable_path=executable,
                headless=True,
                args=[*BROWSER_ARGS, f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"],
            )
            try:
                worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
                worker.evaluate("([url, token]) => chrome.storage.local.set({backendUrl: url, token: token})", [backend, TOKEN])
                page = context.new_page()
                page.goto(f"{page_base}papers/")
                screenshot(page, "10-extension-source-page")
                tab_id = worker.evaluate(
                    "async (url) => (await chrome.tabs.query({})).find(t => t.url && t.url.startsWith(url)).id", page_base
                )
                answer = worker.evaluate("(tabId) => captureTab(tabId)", tab_id)
            finally:
                context.close()
        assert answer["ok"] is True, answer
        assert answer["papers"] == 1 and answer["new"] == 1, answer
        assert "Stored: 1 paper" in answer["message"]

        assert app.builder.wait_idle(300)
        assert app.builder.status()["last_build"]["ok"], app.builder.status()
        stored = [p for p in (project / "dumps").iterdir() if p.name.startswith("2025-03-20-")]
        assert len(stored) == 1 and b"Captured By The Extension" in stored[0].read_bytes()
        with urllib.request.urlopen(f"{backend}/api/papers.json", timeout=30) as response:
            records = json.loads(response.read())
        record = next(r for r in records if r["arxiv_id"] == "2503.55555")
        with urllib.request.urlopen(f"{backend}/papers/{record['id']}/", timeout=30) as response:
            assert "Captured By The Extension" in response.read().decode()
    finally:
        app.builder.stop()
        server.shutdown()
        server.server_close()
