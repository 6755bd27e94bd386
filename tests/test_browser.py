"""A visitor's walk through the built site in real Chromium: home, a topic, a paper, a related paper, search."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect, sync_playwright

from browser import BROWSER_ARGS, chromium_path, screenshot, serve_directory


def test_visitor_walks_home_topic_paper_related_and_searches(bundled_site):
    executable = chromium_path()
    site = bundled_site / "site"
    records = {r["id"]: r for r in json.loads((site / "api/papers.json").read_text())}
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base)
            expect(page).to_have_title("Paper Digest")
            expect(page.locator("h2", has_text="Latest digest")).to_be_visible()
            screenshot(page, "01-home")

            page.locator("#topics + p a.pd-chip").nth(2).click()  # a topic from the topics list
            expect(page).to_have_url(re.compile(r"/tags/[^/]+/$"))
            topic_heading = page.locator("article h1").inner_text()
            assert topic_heading
            screenshot(page, "02-topic")

            paper_link = page.locator("article li a[href*='/papers/']").first
            paper_title = paper_link.inner_text()
            paper_link.click()
            expect(page.locator("article h1")).to_have_text(paper_title)
            paper_id = page.url.rstrip("/").rsplit("/", 1)[1]
            screenshot(page, "03-paper")

            related = records[paper_id]["related"]
            assert related, f"{paper_id} has no related papers"
            first_related = records[related[0]["id"]]
            page.locator("#related-papers + ol a").first.click()
            expect(page.locator("article h1")).to_have_text(first_related["title"])
            screenshot(page, "04-related")

            word = max(first_related["title"].replace(":", " ").split(), key=len)
            page.locator("input.pd-search-form__input").fill(word)
            page.locator("input.pd-search-form__input").press("Enter")
            expect(page).to_have_url(re.compile(r"/search/\?q="))
            expect(page.locator("input.pd-search__input")).to_have_value(word)
            results = page.locator(".pd-search__results a.pd-search__title")
            expect(results.first).to_be_visible(timeout=15000)
            expect(page.locator(".pd-search__status")).to_contain_text("paper")
            expect(page.locator(".pd-search__results")).to_contain_text(first_related["title"][:30], timeout=15000)
            screenshot(page, "05-search")
            results.filter(has_text=first_related["title"][:30]).first.click()
            expect(page.locator("article h1")).to_have_text(first_related["title"])
        finally:
            browser.close()


def test_search_page_as_you_type_prefix_more_results_and_no_match(bundled_site):
    executable = chromium_path()
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "search/")
            box = page.locator("input.pd-search__input")
            expect(box).to_be_focused()
            status = page.locator(".pd-search__status")
            cards = page.locator(".pd-search__results > li")

            box.press_sequentially("diffus", delay=20)  # a word still being typed matches the words it starts
            expect(status).to_have_text(re.compile(r"^\d+ papers$"))
            expect(page).to_have_url(re.compile(r"\?q=diffus$"))
            expect(cards).to_have_count(10)
            assert re.search(r"diffusion", cards.first.inner_text(), re.IGNORECASE)
            total = int(status.inner_text().split()[0])
            assert total > 10, "the bundled dumps have more than ten diffusion papers"
            page.locator("button.pd-search__more").click()
            expect(cards).to_have_count(min(20, total))

            box.fill("diffusion qzxwvy")  # every word must match
            expect(status).to_have_text("No paper has all of these words.")
            expect(cards).to_have_count(0)

            box.fill("<img src=x onerror=alert(1)>")  # markup is searched as words, never inserted
            expect(status).not_to_have_text("Searching…")
            assert page.locator(".pd-search__results img").count() == 0
        finally:
            browser.close()
