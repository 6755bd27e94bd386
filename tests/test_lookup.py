"""The extension's look-up shards (generator/lookup.py, extension/lib/lookup.js): every paper findable by arXiv id and
by title in one small file, the same keys and shard numbers in Python and in the browser, and the popup's look-up
through real Chromium with the unpacked extension."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from browser import BROWSER_ARGS, chromium_path, screenshot, serve_directory
from conftest import ROOT, build_site, make_paper, make_project
from generator.lookup import (ARXIV_SHARD_BYTES, LOOKUP_DIR, TITLE_SHARD_BYTES, arxiv_key, lookup_files, shard_of,
                              title_key)
from generator.model import Related

EXTENSION = ROOT / "extension"


def _find(files: dict[str, str], space: str, key: str):
    index = json.loads(files[f"{LOOKUP_DIR}/index.json"])
    shard = json.loads(files[f"{LOOKUP_DIR}/{space}/{shard_of(key, index[space])}.json"])
    return shard.get(key)


def _papers(n: int, related_each: int = 0, title_words: int = 8):
    papers = []
    for i in range(n):
        title = f"Paper {i} " + " ".join(f"word{(i * 7 + j) % 997}" for j in range(title_words))
        papers.append(make_paper(id=f"paper-{i}", title=title, arxiv_id=f"25{i % 12 + 1:02d}.{i:05d}" if i % 5 else ""))
    related = {p.id: tuple(Related(id=papers[(k + j + 1) % n].id, score=0.5 - j / 100, terms=())
                           for j in range(related_each)) for k, p in enumerate(papers)}
    return papers, related


def test_every_paper_is_found_by_arxiv_id_and_by_title():
    papers, related = _papers(60, related_each=3)
    related["paper-1"] += (Related(id="paper-2", score=0.9, terms=(), version=True),)
    files = lookup_files(papers, related)
    for paper in papers:
        record = _find(files, "title", title_key(paper.title))
        if paper.arxiv_id:
            assert _find(files, "arxiv", arxiv_key(paper.arxiv_id)) == title_key(paper.title)
        assert record["id"] == paper.id and record["title"] == paper.title
        expected = [r.id for r in related[paper.id] if not r.version]
        assert [r["id"] for r in record["related"]] == expected
        assert all(r["title"] == next(p.title for p in papers if p.id == r["id"]) for r in record["related"])
    assert lookup_files(papers, related) == files  # same catalog, same bytes


def test_arxiv_keys_drop_version_and_prefix():
    assert arxiv_key("arXiv:2401.12345v3") == "2401.12345"
    assert arxiv_key("hep-th/9901001v1") == "hep-th/9901001"


def test_titles_from_dumps_are_json_escaped():
    evil = make_paper(id="evil", title='</script><img src=x onerror="alert(1)"> \u2028 "quoted"', arxiv_id="")
    files = lookup_files([evil], {})
    record = _find(files, "title", title_key(evil.title))
    assert record["title"] == evil.title
    for text in files.values():
        json.loads(text)
        assert "<" not in text and ">" not in text and "&" not in text  # as \\u escapes, like every JSON file of the site


def test_shards_stay_small_as_the_catalog_grows():
    papers, related = _papers(3000, related_each=6, title_words=14)
    files = lookup_files(papers, related)
    index = json.loads(files[f"{LOOKUP_DIR}/index.json"])
    for space, limit in (("arxiv", ARXIV_SHARD_BYTES), ("title", TITLE_SHARD_BYTES)):
        assert index[space] > 4 and index[space] & (index[space] - 1) == 0  # a power of two, grown
        assert max(len(t.encode()) for p, t in files.items() if p.startswith(f"{LOOKUP_DIR}/{space}/")) <= limit
    assert len(files) == 1 + index["arxiv"] + index["title"]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the extension's side of the look-up cannot be checked")
    return node


def _browser_side(titles: list[str], count: int) -> list[list]:
    script = (
        "const { titleKey, shardIndex } = await import('./extension/lib/lookup.js');\n"
        "let raw = ''; for await (const chunk of process.stdin) raw += chunk;\n"
        "const { titles, count } = JSON.parse(raw);\n"
        "const out = [];\n"
        "for (const t of titles) { const k = titleKey(t); out.push([k, await shardIndex(k, count)]); }\n"
        "process.stdout.write(JSON.stringify(out));\n"
    )
    proc = subprocess.run([_node(), "--input-type=module", "-e", script], input=json.dumps({"titles": titles, "count": count}),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


TRICKY = ["Attention Is All You Need", "  GPT-4o: 3½ tricks ", "Échec: Über_große Straße—naïve  α-Net", "ΣΟΦΙΑΣ models",
          "ﬁne-tuning Ⅻ models", "日本語の論文 タイトル", "Ünïcödé ＦＵＬＬＷＩＤＴＨ ①②", "x\u0301\u0327y", "Tab\tand\nnewline"]


@settings(max_examples=1, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=200, max_size=200))
def test_the_extension_makes_the_same_keys_and_shards_as_the_build(titles):
    titles = TRICKY + titles
    browser = _browser_side(titles, 4096)
    build = [[title_key(t), shard_of(title_key(t), 4096)] for t in titles]
    mismatches = [(t, b, p) for t, b, p in zip(titles, browser, build) if b != p]
    # Python's casefold and JavaScript's case mapping part ways on a few rare letters (and Python's \w and
    # \p{L}\p{N} on a few marks): such a title is then not found by title (the arXiv id still finds it), never
    # found as another paper.
    assert not [m for m in mismatches if m[0] in TRICKY], mismatches
    assert len(mismatches) <= len(titles) // 50, mismatches[:5]


def test_the_built_site_has_the_shards(bundled_site):
    site = bundled_site / "site"
    papers = json.loads((site / "api" / "papers.json").read_text(encoding="utf-8"))
    index = json.loads((site / LOOKUP_DIR / "index.json").read_text(encoding="utf-8"))
    assert index["version"] == 1

    def shard(space: str, key: str) -> dict:
        return json.loads((site / LOOKUP_DIR / space / f"{shard_of(key, index[space])}.json").read_text(encoding="utf-8"))

    for record in papers:
        key = title_key(record["title"])
        if record["arxiv_id"]:
            assert shard("arxiv", arxiv_key(record["arxiv_id"]))[arxiv_key(record["arxiv_id"])] == key
        found = shard("title", key)[key]
        assert found["id"] == record["id"]
        assert [r["id"] for r in found["related"]] == [r["id"] for r in record["related"]]


def _popup_lookup(context, extension_id: str, page_url: str, title: str):
    popup = context.new_page()
    requests: list[tuple[str, int]] = []
    popup.on("requestfinished", lambda r: requests.append((r.url, r.sizes()["responseBodySize"])))
    popup.goto(f"chrome-extension://{extension_id}/popup.html?url={quote(page_url, safe='')}&title={quote(title, safe='')}")
    popup.wait_for_selector("#paper a", timeout=30_000)
    popup.wait_for_selector("#related li", timeout=30_000)
    return popup, requests


def test_the_popup_looks_a_paper_up_in_the_shards(bundled_site, tmp_path):
    """Chromium with the unpacked extension: the popup on a paper's page finds it by arXiv id (a JSON dump gave one
    bundled paper its id), and another by its page title, reading index.json and two small shards, no papers.json."""
    from playwright.sync_api import sync_playwright

    bundled = json.loads((bundled_site / "site" / "api" / "papers.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in bundled}
    with_related = [p for p in bundled if len(p["related"]) >= 2]
    by_arxiv, by_title = with_related[0], with_related[1]
    project = make_project(tmp_path / "project")
    (project / "dumps" / "2025-03-13-arxiv.json").write_text(json.dumps([{
        "paper": {"id": "2503.01234", "title": by_arxiv["title"], "summary": "Listed again, with its arXiv id.",
                  "authors": [], "upvotes": 3, "publishedAt": "2025-03-13T00:00:00.000Z"},
        "publishedAt": "2025-03-13T00:00:00.000Z", "numComments": 0}]), encoding="utf-8")
    result = build_site(project)
    assert result.returncode == 0, result.stderr[-3000:]
    site = project / "site"
    papers = {p["id"]: p for p in json.loads((site / "api" / "papers.json").read_text(encoding="utf-8"))}
    assert papers[by_arxiv["id"]]["arxiv_id"] == "2503.01234"

    with serve_directory(site) as site_url, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path(), headless=True,
            args=[*BROWSER_ARGS, f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"],
        )
        try:
            worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
            worker.evaluate("(url) => chrome.storage.local.set({siteUrl: url, token: 'T'})", site_url)
            extension_id = worker.url.split("/")[2]
            for paper, page_url, title in (
                (papers[by_arxiv["id"]], "https://huggingface.co/papers/2503.01234v2", "Paper page - something else"),
                (papers[by_title["id"]], "https://arxiv.org/abs/2599.99999", f"[2599.99999] {by_title['title']}"),
            ):
                popup, requests = _popup_lookup(context, extension_id, page_url, title)
                screenshot(popup, f"20-extension-popup-lookup-{paper['id'][:20]}")
                shown = popup.locator("#paper a")
                assert shown.text_content() == paper["title"]
                assert shown.get_attribute("href") == f"{site_url}papers/{paper['id']}/"
                assert popup.locator("#related li a").all_text_contents() == [papers[r["id"]]["title"] for r in paper["related"]]
                fetched = [(url, size) for url, size in requests if url.startswith(site_url)]
                assert [url.removeprefix(site_url).split("/")[:3] for url, _ in fetched] == [
                    ["api", "lookup", "index.json"], ["api", "lookup", "arxiv"], ["api", "lookup", "title"]], fetched
                assert sum(size for _, size in fetched) <= 30_000, fetched
                popup.close()
        finally:
            context.close()
