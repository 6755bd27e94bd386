"""Through the real server on loopback: an upload is recorded in a manifest of any YAML style (through
generator.manifest.add_entry), and a poison dump already in dumps/ is quarantined while the upload publishes."""

from __future__ import annotations

import html
import json
import threading
import urllib.error
import urllib.request

from conftest import SITE_URL, make_project
from generator.cli import _parser
from generator.manifest import parse_manifest
from generator.server import make_server

TOKEN = "manifest-test-token"
MANIFEST = """# Hand-written: this comment must survive the server.
dumps: {000_efc7d801c89ff12f.txt: {captured: 2025-03-11}, 002_c5d5f6f2fd791c7f.txt: {captured: 2025-03-12}}
note: a key after dumps
"""


def test_an_upload_is_recorded_in_a_flow_style_manifest_and_publishes_beside_a_poison_dump(tmp_path, monkeypatch):
    project = make_project(tmp_path / "p")
    (project / "dumps" / "manifest.yml").write_text(MANIFEST, encoding="utf-8")
    (project / "dumps" / "poison.json").write_text(
        '[{"paper":{"title":"T","summary":"S.","projectPage":"https://x.example/\\ud800"}}]', encoding="utf-8")
    before, _ = parse_manifest(MANIFEST)
    monkeypatch.setenv("PAPER_DIGEST_TOKEN", TOKEN)
    args = _parser().parse_args(
        ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml"),
         "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, "--port", "0", "--quiet", "--no-mkdocs"])
    server, app = make_server(args, log=lambda *a: None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        items = [{"paper": {"id": "2503.33333", "title": "An Uploaded Paper On Retrieval", "summary": "It retrieves."}}]
        props = html.escape(json.dumps({"dateString": "2025-03-13", "dailyPapers": items}), quote=True)
        page = f'<html><body><div data-target="DailyPapers" data-props="{props}"></div></body></html>'.encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.server_address[1]}/api/dumps", data=page, method="POST",
            headers={"Content-Type": "text/html", "Authorization": f"Bearer {TOKEN}",
                     "X-Page-Url": "https://huggingface.co/papers?date=2025-03-13"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 201
            stored = json.loads(response.read())["dump"]
        assert app.builder.wait_idle(300)
        assert app.builder.status()["last_build"]["ok"] is True
    finally:
        app.builder.stop()
        server.shutdown()
        server.server_close()
    text = (project / "dumps" / "manifest.yml").read_text(encoding="utf-8")
    after, problems = parse_manifest(text)
    assert text.startswith("# Hand-written: this comment must survive the server.\n")
    assert {name: entry for name, entry in after.items() if name != stored} == before
    assert after[stored].url == "https://huggingface.co/papers?date=2025-03-13" and after[stored].captured
    assert [p.message for p in problems] == ["unknown top-level key(s) 'note'; known: dumps"]
    papers = json.loads((project / "site_src" / "api" / "papers.json").read_text(encoding="utf-8"))
    assert "An Uploaded Paper On Retrieval" in {p["title"] for p in papers}
    report = json.loads((project / "site_src" / "_report.json").read_text(encoding="utf-8"))
    assert [q["file"] for q in report["quarantined"]] == ["poison.json"]


def test_an_upload_into_a_manifest_that_cannot_be_edited_is_refused_and_not_stored(tmp_path, monkeypatch):
    """A manifest with YAML aliases cannot be edited safely: the upload gets a 500 naming why, and no dump is left
    behind without its manifest entry."""
    project = make_project(tmp_path / "p")
    aliased = "dumps:\n  a.txt: &x {captured: 2025-03-11}\n  b.txt: *x\n"
    (project / "dumps" / "manifest.yml").write_text(aliased, encoding="utf-8")
    dumps_before = sorted(path.name for path in (project / "dumps").iterdir())
    monkeypatch.setenv("PAPER_DIGEST_TOKEN", TOKEN)
    args = _parser().parse_args(
        ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"), "--config", str(project / "mkdocs.yml"),
         "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, "--port", "0", "--quiet", "--no-mkdocs"])
    server, app = make_server(args, log=lambda *a: None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.server_address[1]}/api/dumps", data=b"Mar 14, 2025\nA Title\nAn abstract.\n",
            method="POST", headers={"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"})
        try:
            urllib.request.urlopen(request, timeout=60)
            raise AssertionError("the upload was accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 500
            assert "alias" in json.loads(error.read())["error"]
    finally:
        app.builder.stop()
        server.shutdown()
        server.server_close()
    assert sorted(path.name for path in (project / "dumps").iterdir()) == dumps_before
    assert (project / "dumps" / "manifest.yml").read_text(encoding="utf-8") == aliased
