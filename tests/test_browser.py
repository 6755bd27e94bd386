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

            # The topic's first paper that has a related paper: a page may rightly show none (the floor).
            links = page.locator("article li a[href*='/papers/']")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            with_related = [i for i, href in enumerate(hrefs)
                            if records.get(href.rstrip("/").rsplit("/", 1)[-1], {}).get("related")]
            assert with_related, f"no paper of {topic_heading} has a related paper"
            paper_link = links.nth(with_related[0])
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


# ---- search: ranking, the header box's results, "More results" ------------------------------------------------

RECORD_LISTBOX_JS = """() => {
  // every state of the header box's list, and every query whose results were shown, in order
  const box = document.querySelector("input.pd-search-form__input");
  window.pdStates = [];
  window.pdShown = [];
  box.addEventListener("pd-search-shown", (event) => pdShown.push(event.detail.query));
  new MutationObserver(() => {
    const list = document.getElementById(box.getAttribute("aria-controls"));
    pdStates.push(Array.from(list.querySelectorAll("[role=option]"), (o) => o.textContent));
  }).observe(document.querySelector("form.pd-search-form"), {childList: true, subtree: true});
}"""


def search_terms(text: str) -> set[str]:
    from generator.search import terms
    return set(terms(text))


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)


def test_header_box_shows_results_as_you_type_with_keys_roles_and_no_flicker(bundled_site):
    from axe_playwright_python.sync_playwright import Axe

    site = bundled_site / "site"
    paper_id = json.loads((site / "api/papers.json").read_text())[0]["id"]
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + f"papers/{paper_id}/")
            page.evaluate(RECORD_LISTBOX_JS)
            box = page.locator("input.pd-search-form__input")
            listbox = page.locator("#" + box.get_attribute("aria-controls"))
            expect(box).to_have_attribute("role", "combobox")
            expect(listbox).to_have_attribute("role", "listbox")
            expect(listbox).to_be_hidden()

            box.press_sequentially("diffusion mo", delay=40)  # "di", "diffusion m", "diffusion mo": no paper has them whole
            options = listbox.locator("[role=option]")
            expect(box).to_have_attribute("aria-expanded", "true")
            expect(options.first).to_be_visible()
            page.wait_for_function("() => window.pdShown.length && pdShown[pdShown.length - 1] === 'diffusion mo'")
            states, shown = page.evaluate("[pdStates, pdShown]")
            # a list is only ever replaced by the results of a newer query, never emptied or told "no paper" meanwhile
            assert all(len(state) >= 2 for state in states[1:]), states
            assert not any("No paper" in option for state in states for option in state), states
            assert all("diffusion mo".startswith(query) for query in shown), shown
            assert [len(q) for q in shown] == sorted(set(len(q) for q in shown)), shown
            assert "diffusion" in options.first.inner_text().lower()
            screenshot(page, "06-header-results")

            assert Axe().run(page).violations_count == 0  # the page with the list open

            box.press("ArrowDown")
            first = options.nth(0)
            expect(first).to_have_attribute("aria-selected", "true")
            expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
            box.press("ArrowDown")
            expect(options.nth(1)).to_have_attribute("aria-selected", "true")
            expect(first).to_have_attribute("aria-selected", "false")
            box.press("ArrowUp")
            expect(first).to_have_attribute("aria-selected", "true")
            box.press("Escape")
            expect(listbox).to_be_hidden()
            expect(box).to_have_attribute("aria-expanded", "false")
            expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))

            box.press("ArrowDown")  # reopens the list on its first paper; Enter opens that paper
            expect(first).to_have_attribute("aria-selected", "true")
            title = first.locator(".pd-search-popup__title").inner_text()
            box.press("Enter")
            expect(page.locator("article h1")).to_have_text(title)

            page.locator("input.pd-search-form__input").fill("qzxwvy")
            expect(page.locator("#pd-search-popup [role=option]")).to_have_count(1)
            expect(page.locator("#pd-search-popup")).to_contain_text("No paper has all of these words.")
            page.locator("input.pd-search-form__input").press("Enter")  # nothing chosen: the search page
            expect(page).to_have_url(re.compile(r"/search/\?q=qzxwvy$"))
            expect(page.locator(".pd-search__status")).to_have_text("No paper has all of these words.")
        finally:
            browser.close()


def test_header_box_puts_exact_and_title_matches_first(bundled_site):
    site = bundled_site / "site"
    records = json.loads((site / "api/papers.json").read_text())
    titles = [r["title"] for r in records]
    by_title = {}
    for record in records:
        by_title.setdefault(record["title"], record)
    sample = [titles[i] for i in range(0, len(titles), max(1, len(titles) // 12))][:12]
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "about/")
            page.evaluate(RECORD_LISTBOX_JS)
            box = page.locator("input.pd-search-form__input")

            def first_title(query: str) -> str:
                box.fill(query)
                page.wait_for_function("(q) => window.pdShown.length && pdShown[pdShown.length - 1] === q", arg=query)
                return page.locator("#pd-search-popup [role=option] .pd-search-popup__title").first.inner_text()

            # the last word is still being typed, yet a title with the word itself beats one with a longer word
            # it starts ("retrieval" before "RetrievalQA", "transformer" before "Transformerbased")
            for query in ("retrieval", "transformer", "vision transformer", "diffusion model"):
                assert search_terms(query) <= search_terms(first_title(query)), query
            # the whole title, as typed (no trailing space), finds that paper first
            for title in sample:
                assert first_title(title) == title, title
            # "the" is a common word, not the start of "theory": nothing is listed for it
            box.fill("the ")
            page.wait_for_function("() => pdShown[pdShown.length - 1] === 'the '")
            expect(page.locator("#pd-search-popup")).to_contain_text("common word")
        finally:
            browser.close()


def test_more_results_shows_only_when_there_are_more(bundled_site):
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "search/")
            box = page.locator("input.pd-search__input")
            status = page.locator(".pd-search__status")
            cards = page.locator(".pd-search__results > li")
            more = page.locator("button.pd-search__more")
            expect(more).to_be_hidden()  # empty query

            box.fill("qzxwvy")
            expect(status).to_have_text("No paper has all of these words.")
            expect(more).to_be_hidden()

            box.fill("d")  # one letter: nothing to search yet, and no talk of common words
            expect(status).to_have_text("Keep typing…")
            expect(more).to_be_hidden()

            box.fill("diffusion model ")
            expect(status).to_have_text(re.compile(r"^\d+ papers$"))
            total = int(status.inner_text().split()[0])
            assert 20 < total, "the bundled dumps have more than 20 diffusion model papers"
            shown = 10
            while shown < total:
                expect(cards).to_have_count(shown)
                expect(more).to_be_visible()
                more.click()
                shown = min(shown + 10, total)
            expect(cards).to_have_count(total)
            expect(more).to_be_hidden()  # after the last page

            box.fill("the ")
            expect(status).to_contain_text("common word")
            expect(cards).to_have_count(0)
            expect(more).to_be_hidden()
        finally:
            browser.close()
