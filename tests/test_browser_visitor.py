"""The theme as a visitor meets it: every page kind at desktop and phone sizes, light and dark, in real Chromium (axe,
console, requests), plus the tags a shared link is shown with, robots.txt and page weight."""

from __future__ import annotations

import base64
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import jinja2
from playwright.sync_api import expect, sync_playwright

from browser import BROWSER_ARGS, chromium_path, screenshot, serve_directory
from conftest import ROOT, SITE_URL, build_site, make_project

sys.path.insert(0, str(ROOT / "bench"))
import page_weight  # noqa: E402

SIZES = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}
SCHEMES = {"light": "default", "dark": "slate"}


def page_kinds(site: Path) -> dict[str, str]:
    """One page of each kind, as paths under the site."""
    paper = json.loads((site / "api/papers.json").read_text())[0]["id"]
    topic = sorted(p.parent.name for p in (site / "tags").glob("*/index.html"))[0]
    digest = sorted(p.parent.name for p in (site / "digests").glob("*/index.html"))[0]
    return {"home": "", "topics": "tags/", "topic": f"tags/{topic}/", "paper": f"papers/{paper}/",
            "digest": f"digests/{digest}/", "search": "search/?q=diffusion"}


class Watcher:
    """What a page did that a visitor (or their console) would notice: errors, failed loads, other origins."""

    def __init__(self, page, base: str):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("request", lambda r: r.url.startswith((base, "data:")) or self.problems.append(f"third-party request: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))


def test_every_page_kind_passes_axe_without_console_errors_or_third_party_requests(bundled_site):
    """6 page kinds x desktop and phone x light and dark: no serious or critical axe violation, nothing in the console,
    no failed load, every request to the site's own origin (no web fonts from Google), the scheme the system asks for,
    and the feed links still in the page for feed readers once the theme has looked at them."""
    from axe_playwright_python.sync_playwright import Axe

    site = bundled_site / "site"
    kinds = page_kinds(site)
    axe = Axe()
    failures: list[str] = []
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            for scheme, theme_scheme in SCHEMES.items():
                for size, viewport in SIZES.items():
                    context = browser.new_context(viewport=viewport, color_scheme=scheme)
                    page = context.new_page()
                    watcher = Watcher(page, base)
                    for kind, path in kinds.items():
                        where = f"{kind} ({size}, {scheme})"
                        watcher.problems.clear()
                        page.goto(base + path, wait_until="networkidle")
                        if kind == "search":
                            expect(page.locator(".pd-search__results a.pd-search__title").first).to_be_visible()
                            landmarks = page.locator("[role=search], search").count()
                            if landmarks != 1:
                                failures.append(f"{where}: {landmarks} search landmarks, not one")
                        shown = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
                        if shown != theme_scheme:
                            failures.append(f"{where}: scheme {shown}, not {theme_scheme}")
                        if kind != "search" and not page.locator('link[rel="alternate"][type="application/rss+xml"]').count():
                            failures.append(f"{where}: the feed link is gone from the page")
                        results = axe.run(page)
                        for violation in results.response["violations"]:
                            if violation["impact"] in ("serious", "critical"):
                                targets = [node["target"] for node in violation["nodes"]][:3]
                                failures.append(f"{where}: axe {violation['id']} ({violation['impact']}) on {targets}")
                        failures.extend(f"{where}: {problem}" for problem in watcher.problems)
                        screenshot(page, f"visitor-{kind}-{size}-{scheme}")
                    context.close()
        finally:
            browser.close()
    assert not failures, "\n".join(failures)


def test_dark_mode_follows_the_system_and_the_toggle_overrides_it(bundled_site):
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            def background(page) -> float:
                return luminance(page.evaluate("getComputedStyle(document.body).backgroundColor"))

            dark = browser.new_context(viewport=SIZES["desktop"], color_scheme="dark").new_page()
            dark.goto(base)
            assert background(dark) < 0.05, "a dark system gets a dark page"

            page = browser.new_context(viewport=SIZES["desktop"], color_scheme="light").new_page()
            page.goto(base + "about/")
            assert background(page) > 0.9
            toggle = page.get_by_title("Switch to dark mode")
            expect(toggle).to_be_visible()
            toggle.click()
            expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
            assert background(page) < 0.05
            page.goto(base + "tags/")  # the choice is kept from page to page
            expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
            page.get_by_title("Switch to light mode").click()
            expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "default")
        finally:
            browser.close()


def test_phone_header_keeps_the_site_title_whole_beside_the_search_box(bundled_site):
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport=SIZES["mobile"])
            page.goto(base + page_kinds(site)["paper"])
            title = page.locator(".md-header__topic:first-child .md-ellipsis")
            assert title.inner_text().strip() == "Paper Digest"
            assert title.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the site title is cut short"
            box = page.locator("input.pd-search-form__input").bounding_box()
            assert box["width"] >= 90, box
            screenshot(page, "visitor-header-mobile")
        finally:
            browser.close()


def test_dates_never_break_at_their_hyphens_on_a_phone(bundled_site):
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport=SIZES["mobile"])
            broken = []
            for path in ("", page_kinds(site)["topic"], "digests/"):
                page.goto(base + path)
                dates = page.locator(".pd-date, td:first-child > a:only-child")
                assert dates.count(), path
                # an inline box split over two lines has two rectangles
                broken += page.evaluate("""(els) => els.filter((el) => /\\d{4}-\\d\\d-\\d\\d/.test(el.textContent)
                                                      && el.getClientRects().length > 1).map((el) => el.textContent)""",
                                        dates.element_handles())
            assert not broken, broken
        finally:
            browser.close()


def test_a_table_wider_than_a_phone_shows_that_it_scrolls(bundled_site):
    """A shadow at the edge with more to show, which goes once the table is scrolled to that end."""
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport=SIZES["mobile"])
            page.goto(base + "digests/")
            wrap = page.locator(".md-typeset__scrollwrap").first
            # The digests table fits a phone now; a column too wide for one stands in for any wide table (the cue is
            # the theme's CSS, whatever the table holds).
            wrap.evaluate("""(el) => { for (const row of el.querySelectorAll("tr")) {
                const cell = document.createElement(row.closest("thead") ? "th" : "td");
                cell.textContent = "an-unbreakable-cell-wider-than-a-phone-".repeat(3);
                row.appendChild(cell); } }""")
            assert wrap.evaluate("(el) => el.scrollWidth > el.clientWidth"), "the table fits the phone: nothing to test"
            frame = wrap.bounding_box()
            right_edge = {"x": frame["x"] + frame["width"] - 8, "y": frame["y"], "width": 8, "height": frame["height"]}
            plain = "(el) => { el.style.background = 'none'; }"
            cued = "(el) => { el.style.background = ''; }"

            def edge():
                return page.screenshot(clip=right_edge)

            at_start = edge()
            wrap.evaluate(plain)
            at_start_plain = edge()
            wrap.evaluate(cued)
            assert at_start != at_start_plain, "no cue at the edge of a table that scrolls"
            screenshot(page, "visitor-table-cue-mobile")
            wrap.evaluate("(el) => { el.scrollLeft = el.scrollWidth; }")
            at_end = edge()
            wrap.evaluate(plain)
            assert at_end == edge(), "the cue stays when there is nothing more to scroll to"
        finally:
            browser.close()


PIXELS_JS = """async ([png, x, y, w, h]) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return Array.from(context.getImageData(x, y, w, h).data);
}"""


def region_contrast(page, clip: dict) -> float:
    """The contrast between the lightest and darkest pixels of a region of the screen."""
    png = base64.b64encode(page.screenshot()).decode()
    scale = page.evaluate("devicePixelRatio")
    box = [round(v * scale) for v in (clip["x"], clip["y"], clip["width"], clip["height"])]
    data = page.evaluate(PIXELS_JS, [png, *box])
    values = [relative_luminance(data[i:i + 3]) for i in range(0, len(data), 4)]
    return (max(values) + 0.05) / (min(values) + 0.05)


def test_header_search_box_shows_its_focus_and_a_clear_button_one_can_see(bundled_site):
    site = bundled_site / "site"
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        try:
            for scheme in SCHEMES:
                page = browser.new_context(viewport=SIZES["desktop"], color_scheme=scheme).new_page()
                page.goto(base + "about/")
                box = page.locator("input.pd-search-form__input")
                page.keyboard.press("Tab")  # the skip link, then on to the box
                for _ in range(12):
                    if page.evaluate("document.activeElement.matches('input.pd-search-form__input')"):
                        break
                    page.keyboard.press("Tab")
                expect(box).to_be_focused()
                ring = box.evaluate("(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor] }")
                header = page.evaluate("getComputedStyle(document.querySelector('.md-header')).backgroundColor")
                assert ring[0] != "none" and float(ring[1][:-2]) >= 2, ring
                assert contrast(ring[2], header) >= 3, (ring, header)

                box.fill("diffusion")
                expect(page.locator("#pd-search-popup [role=option]").first).to_be_visible()
                page.keyboard.press("Escape")  # the results list closes; the text and its clear button stay
                expect(page.locator("#pd-search-popup")).to_be_hidden()
                expect(box).to_have_value("diffusion")
                frame = box.bounding_box()
                cancel = {"x": frame["x"] + frame["width"] - 28, "y": frame["y"] + 6, "width": 22, "height": frame["height"] - 12}
                screenshot(page, f"visitor-header-search-{scheme}")
                assert region_contrast(page, cancel) >= 3, "the clear-× is hard to see"
        finally:
            browser.close()


# ---- colours -----------------------------------------------------------------------------------------------------

def parse_rgb(css: str) -> list[float]:
    return [float(v) for v in re.findall(r"[\d.]+", css)[:3]]


def relative_luminance(rgb) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def luminance(css: str) -> float:
    return relative_luminance(parse_rgb(css))


def contrast(first: str, second: str) -> float:
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# ---- what a shared link shows, robots.txt, page weight (no browser) ---------------------------------------------

class HeadTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content", "")
        elif tag == "link" and attrs.get("rel") == "canonical":
            self.canonical = attrs["href"]
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def head_tags(path: Path) -> HeadTags:
    parser = HeadTags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_kind_carries_open_graph_and_twitter_card_tags(bundled_site):
    site = bundled_site / "site"
    for kind, path in {**page_kinds(site), "search": "search/", "about": "about/", "digests": "digests/"}.items():
        tags = head_tags(site / path / "index.html")
        for name in ("og:title", "og:description", "og:url", "og:site_name", "og:type", "twitter:card"):
            assert tags.meta.get(name), f"{kind}: no {name}"
        assert tags.meta["og:url"] == tags.canonical == SITE_URL + path, kind
        assert tags.meta["og:site_name"] == "Paper Digest"
        assert tags.title in (tags.meta["og:title"], f"{tags.meta['og:title']} - Paper Digest"), kind
        assert "@@PD-" not in str(tags.meta), kind
    paper = json.loads((site / "api/papers.json").read_text())[0]
    tags = head_tags(site / "papers" / paper["id"] / "index.html")
    assert tags.meta["og:title"] == paper["title"]
    assert tags.meta["og:description"] == tags.meta["description"]


HOSTILE = 'Evil "quoted" \'single\' <script>alert(1)</script> & <img src=x onerror=alert(2)> {{ config.site_name }}'


def test_a_hostile_title_stays_text_in_the_shared_link_tags(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "evil.txt").write_text(f"Mar 11, 2025\n{HOSTILE}\nAn abstract \"with\" <b>markup</b> & more.\nA Benign Paper\nAbout benign things.\n")
    project = make_project(tmp_path / "project", dumps=dumps)
    result = build_site(project)
    assert result.returncode == 0, result.stderr[-2000:]
    page = next((project / "site" / "papers").glob("evil-*/index.html"))
    tags = head_tags(page)
    assert tags.meta["og:title"] == HOSTILE
    assert tags.meta["og:description"].startswith('An abstract "with"')
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img src=x" not in text


def test_robots_txt_points_at_the_sitemap_by_its_absolute_url(bundled_site):
    robots = (bundled_site / "site" / "robots.txt").read_text()
    assert robots == f"User-agent: *\nDisallow:\nSitemap: {SITE_URL}sitemap.xml\n"
    assert (bundled_site / "site" / "sitemap.xml").exists()
    # without a site_url a Sitemap line could only be relative, which robots.txt does not allow: there is none
    template = jinja2.Environment().from_string((ROOT / "overrides" / "robots.txt").read_text())
    assert template.render(config={"site_url": ""}) == "User-agent: *\nDisallow:\n"


def test_no_page_asks_for_web_fonts_and_page_weight_stays_under_100_kb(bundled_site):
    site = bundled_site / "site"
    kinds = page_kinds(site)
    for path in site.rglob("*.html"):
        assert "fonts.googleapis" not in path.read_text(encoding="utf-8"), path
    for kind in ("home", "topic", "paper"):
        page = site / kinds[kind] / "index.html"  # weighed as bench/page_weight.py weighs: document and its assets
        weight = page_weight.gzipped(page.read_bytes()) + sum(page_weight.gzipped(a.read_bytes())
                                                              for a in page_weight.assets(site, page))
        assert weight <= 100_000, f"{kind}: {weight} bytes gzipped with its styles and scripts"
