""""Papers like this" on the built search page, in real Chromium: paste an abstract, get that paper first and its
related papers' kind of neighbours, each with a link and the terms it shares; too short a text says so."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect, sync_playwright

from browser import BROWSER_ARGS, chromium_path, screenshot, serve_directory
from generator.catalog import build_catalog
from generator.ingest import read_dumps


def test_pasting_an_abstract_lists_that_paper_first_with_shared_terms(bundled_site):
    from axe_playwright_python.sync_playwright import Axe

    site = bundled_site / "site"
    dumps, _ = read_dumps([bundled_site / "dumps"])
    abstracts = {p.id: p.abstract for p in build_catalog(dumps)[0].papers}
    records = json.loads((site / "api/papers.json").read_text())
    paper = next(r for r in records if r["related"] and len(abstracts[r["id"]].split()) > 120)
    paper["abstract"] = abstracts[paper["id"]]
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "search/")
            text = page.get_by_label("Text to match")
            status = page.locator(".pd-similar__status")
            results = page.locator(".pd-similar__results > li")

            text.fill("diffusion the of")  # too few known words: a message, no guess
            page.get_by_role("button", name="Find papers like this").click()
            expect(status).to_contain_text("Too few words of this text")
            expect(results).to_have_count(0)

            text.fill(paper["abstract"])
            page.get_by_role("button", name="Find papers like this").click()
            expect(results).to_have_count(10, timeout=15000)
            expect(status).to_contain_text("nearest papers")
            first = results.first.locator("a.pd-similar__title")
            expect(first).to_have_text(paper["title"])
            assert first.get_attribute("href").endswith(f"/papers/{paper['id']}/")
            expect(results.first.locator(".pd-score")).to_have_text(re.compile(r"^\d\.\d\d · shared: \S"))
            # the paper's own related papers are among the nearest to its abstract
            shown = [a.get_attribute("href").rstrip("/").rsplit("/", 1)[1]
                     for a in results.locator("a.pd-similar__title").all()]
            assert paper["related"][0]["id"] in shown, (paper["related"], shown)
            screenshot(page, "07-papers-like-this")
            assert Axe().run(page).violations_count == 0

            first.click()
            expect(page.locator("article h1")).to_have_text(paper["title"])
        finally:
            browser.close()
