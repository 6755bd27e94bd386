"""What a feed subscriber notices: whole days in the all-papers feed, valid RSS 2.0 / Atom 1.0 element by element,
authors, titles escaped once, and the stylesheet that shows a feed as a page in a browser."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from feedparser.mixin import _FeedParserMixin
from lxml import etree, html as lxml_html

from conftest import ROOT, make_catalog, make_digest, make_paper
from generator.feeds import check_shrink, render_feeds
from generator.model import Topic

SITE = "https://example.org/digest/"
ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM = "{%s}" % ATOM_NS
DC = "{http://purl.org/dc/elements/1.1/}"
XSL = ROOT / "site_src" / "assets" / "feed.xsl"
ILLEGAL = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # what feeds drop
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
looks_like_html = _FeedParserMixin.looks_like_html  # feedparser's own guess, for RSS text
TOPICS = (Topic("vision", "Vision", "Papers that see.", ()), Topic("text", "Text & <Language>", "Papers that read.", ()))


def day_papers(day: str, n: int, prefix: str, authors=()):
    return [make_paper(id=f"{prefix}-{i:03d}", title=f"{prefix} paper {i}", first_seen=day, digests=(f"{day}-d",),
                       authors=authors) for i in range(n)]


def render(papers, tags=None, limit=50, digests=None, topics=TOPICS):
    tags = {p.id: ["vision"] for p in papers} if tags is None else tags
    return render_feeds(make_catalog(papers, digests=digests), topics, tags, SITE, limit=limit)


def xml(text: str):
    return etree.fromstring(text.encode("utf-8"))


def rss_guids(text: str) -> list[str]:
    return [item.findtext("guid") for item in xml(text).iter("item")]


def one_line(s: str) -> str:
    return " ".join(ILLEGAL.sub("", s).split())


# --------------------------------------------------------------------------- the all-papers feed holds whole days


def test_the_newest_day_is_whole_in_the_all_papers_feed_however_big():
    # The day: 117 papers, two digests of it; the old feed showed 48 of them and nothing else.
    papers = day_papers("2025-03-12", 117, "new") + day_papers("2025-03-11", 20, "old")
    digests = [make_digest(id="2025-03-12-a", day="2025-03-12", paper_ids=tuple(p.id for p in papers[:60])),
               make_digest(id="2025-03-12-b", day="2025-03-12", paper_ids=tuple(p.id for p in papers[60:117])),
               make_digest(id="2025-03-11-a", day="2025-03-11", paper_ids=tuple(p.id for p in papers[117:]))]
    out = render(papers, digests=digests)
    for ext in ("xml", "atom"):
        parsed = feedparser.parse(out[f"feeds/all.{ext}"].encode())
        ids = [e.id for e in parsed.entries]
        assert ids[:2] == ["urn:paper-digest:digest:2025-03-12-a", "urn:paper-digest:digest:2025-03-12-b"]
        assert sorted(ids[2:]) == sorted(f"urn:paper-digest:paper:{p.id}" for p in papers[:117])
        assert {e.published_parsed[:3] for e in parsed.entries} == {(2025, 3, 12)}  # no half of an older day
    # Topic feeds keep counting items.
    assert len(rss_guids(out["feeds/vision.xml"])) == 50


def test_older_days_come_in_whole_until_the_limit_is_reached():
    papers = day_papers("2025-03-14", 3, "d4") + day_papers("2025-03-13", 4, "d3") + day_papers("2025-03-12", 6, "d2")
    papers += day_papers("2025-03-11", 9, "d1") + [make_paper(id=f"undated-{i}", first_seen="", digests=()) for i in range(5)]
    days = {p.id: p.first_seen for p in papers}
    for limit, want in [(1, ["d4"]), (4, ["d4"]), (5, ["d4", "d3"]), (9, ["d4", "d3"]), (10, ["d4", "d3", "d2"]),
                        (16, ["d4", "d3", "d2"]), (17, ["d4", "d3", "d2", "d1"])]:
        got = rss_guids(render(papers, limit=limit)["feeds/all.xml"])
        pids = [g.rsplit(":", 1)[1] for g in got if ":paper:" in g]
        assert sorted({pid.split("-")[0] for pid in pids}) == sorted(want), limit
        for prefix in want:  # every paper of every day it shows
            assert sum(pid.startswith(prefix + "-") for pid in pids) == sum(pid.startswith(prefix + "-") for pid in days)
    # Undated papers fill what whole days leave below the limit, and only that.
    everything = rss_guids(render(papers, limit=30)["feeds/all.xml"])
    assert len(everything) == 30
    assert everything[-4:] == [f"urn:paper-digest:paper:undated-{i}" for i in range(4)]


def test_a_normal_day_after_a_big_one_does_not_trip_the_shrink_guard():
    history = [("2025-03-12", 117), ("2025-03-13", 30), ("2025-03-14", 40), ("2025-03-15", 5), ("2025-03-16", 60)]
    papers, previous = [], None
    for day, n in history:
        papers = papers + day_papers(day, n, f"p{day[-2:]}")
        current = render(papers)
        if previous is not None:
            assert check_shrink(previous, current, limit=50) == [], day
        previous = current
    # A broken day that loses most papers still trips it.
    broken = render(papers[-60:][:10])
    assert any(m.startswith("feeds/all.xml would lose") for m in check_shrink(previous, broken, limit=50))


# --------------------------------------------------------------------------- RSS 2.0 and Atom 1.0, element by element


def feeds_with_authors():
    papers = [
        make_paper(id="known", title="PA&DA: Jointly Sampling", first_seen="2025-03-12", digests=("2025-03-12-d",),
                   authors=("Ada Lovelace", "Alan <Turing> & Co")),
        make_paper(id="unknown", title="No Authors Here", first_seen="2025-03-12", digests=("2025-03-12-d",)),
        make_paper(id="undated", title="Undated", first_seen="", digests=()),
    ]
    return render(papers, tags={"known": ["vision", "text"], "unknown": ["vision"], "undated": ["vision"]})


@pytest.fixture(scope="module")
def out():
    return feeds_with_authors()


def atom_paths(out):
    return [path for path in out if path.endswith(".atom")]


def test_atom_feeds_follow_rfc_4287(out):
    assert atom_paths(out)
    for path in atom_paths(out):
        root = xml(out[path])
        assert root.tag == f"{ATOM}feed"
        # 4.1.1: exactly one id, title, updated; an author unless every entry has one; one self link;
        # no two alternate links with the same type and hreflang.
        for name in ("id", "title", "updated"):
            assert len(root.findall(f"{ATOM}{name}")) == 1, (path, name)
        assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated"))
        assert len(root.findall(f"{ATOM}subtitle")) <= 1
        feed_authors = root.findall(f"{ATOM}author")
        assert [a.findtext(f"{ATOM}name") for a in feed_authors] == ["Paper Digest"]
        assert [a.findtext(f"{ATOM}uri") for a in feed_authors] == [SITE]
        links = root.findall(f"{ATOM}link")
        assert [link.get("href") for link in links if link.get("rel") == "self"] == [f"{SITE}{path}"]
        alternates = [(link.get("type"), link.get("hreflang")) for link in links if link.get("rel") in (None, "alternate")]
        assert len(alternates) == len(set(alternates)) == 1
        for entry in root.findall(f"{ATOM}entry"):
            # 4.1.2: exactly one id, title, updated; an author here or on the feed; an alternate link when there is
            # no content; at most one summary and one published.
            for name in ("id", "title", "updated"):
                assert len(entry.findall(f"{ATOM}{name}")) == 1, (path, name)
            assert RFC3339.fullmatch(entry.findtext(f"{ATOM}updated"))
            assert entry.find(f"{ATOM}content") is None
            assert len([link for link in entry.findall(f"{ATOM}link") if link.get("rel") in (None, "alternate")]) == 1
            assert len(entry.findall(f"{ATOM}summary")) <= 1 and len(entry.findall(f"{ATOM}published")) <= 1
            assert entry.find(f"{ATOM}title").get("type") in (None, "text")
            for author in entry.findall(f"{ATOM}author"):  # 3.2: a person has exactly one name
                assert len(author.findall(f"{ATOM}name")) == 1 and author.findtext(f"{ATOM}name").strip()
            for category in entry.findall(f"{ATOM}category"):
                assert category.get("term")


def test_atom_authors_are_the_papers_else_the_site(out):
    for path in ("feeds/all.atom", "feeds/vision.atom"):
        parsed = feedparser.parse(out[path].encode())
        assert not parsed.bozo
        by_id = {e.id: e for e in parsed.entries}
        known = by_id["urn:paper-digest:paper:known"]
        assert [a["name"] for a in known.authors] == ["Ada Lovelace", "Alan <Turing> & Co"]
        entries = {e.findtext(f"{ATOM}id"): e for e in xml(out[path]).iter(f"{ATOM}entry")}
        assert [a.findtext(f"{ATOM}name") for a in entries["urn:paper-digest:paper:known"].findall(f"{ATOM}author")] \
            == ["Ada Lovelace", "Alan <Turing> & Co"]
        # Unknown authors: the entry has none of its own and inherits the feed's, the site.
        assert entries["urn:paper-digest:paper:unknown"].find(f"{ATOM}author") is None
        assert parsed.feed.author_detail.name == "Paper Digest"


def test_rss_feeds_follow_rss_2_with_dc_creator(out):
    for path in [p for p in out if p.endswith(".xml")]:
        root = xml(out[path])
        assert root.tag == "rss" and root.get("version") == "2.0"
        channels = root.findall("channel")
        assert len(channels) == 1
        channel = channels[0]
        for name in ("title", "link", "description"):  # required channel elements, once each
            assert len(channel.findall(name)) == 1 and channel.findtext(name).strip(), (path, name)
        for item in channel.findall("item"):
            assert item.findtext("title") or item.findtext("description")
            for name in ("title", "link", "description", "guid", "pubDate"):
                assert len(item.findall(name)) <= 1
            assert item.find("guid").get("isPermaLink") == "false"
            if item.find("pubDate") is not None:
                parsedate_to_datetime(item.findtext("pubDate"))
            assert item.find("author") is None  # RSS author must be an e-mail address: we have none
            assert len(item.findall(f"{DC}creator")) <= 1
        creators = {item.findtext("guid"): item.findtext(f"{DC}creator") for item in channel.findall("item")}
        assert creators["urn:paper-digest:paper:known"] == "Ada Lovelace, Alan <Turing> & Co"
        assert creators.get("urn:paper-digest:paper:unknown") is None
        entry = [e for e in feedparser.parse(out[path].encode()).entries if e.id.endswith(":known")][0]
        assert entry.author == "Ada Lovelace, Alan <Turing> & Co"


def test_titles_are_escaped_exactly_once(out):
    # The issue: "PA&amp;amp;DA" in the XML, shown as "PA&amp;DA" by readers that take titles as text.
    for path in ("feeds/all.xml", "feeds/vision.xml", "feeds/all.atom"):
        assert "<title>PA&amp;DA: Jointly Sampling</title>" in out[path]
        assert not [t for t in re.findall(r"<title>[^<]*</title>", out[path]) if "&amp;amp;" in t]
        entry = [e for e in feedparser.parse(out[path].encode()).entries if e.id.endswith(":known")][0]
        assert entry.title == "PA&DA: Jointly Sampling"
    channel = xml(out["feeds/text.xml"]).find("channel")
    assert channel.findtext("title") == "Paper Digest: Text & <Language>"
    assert channel.find("item").findtext("title") == "PA&DA: Jointly Sampling"


def as_feedparser_reads(text: str) -> str:
    """feedparser takes text that is all Latin-1 and valid UTF-8 as Latin-1 bytes for UTF-8 read wrongly and repairs it
    ("Â¡" becomes "¡"): its guess, not our escaping. Anything else it returns as it was."""
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


HOSTILE_CHARS = st.sampled_from([
    "&", "<", ">", "]]>", '"', "'", "&amp;", "&lt;b&gt;", "<b>", "<script>",
    "\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x85", "\x91", "\ufffe", "\ud800", "\r\n", "\t", " ", "é", "Â¡", "🧪", "A",
])
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=3)), min_size=1, max_size=12).map("".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=HOSTILE_TEXT, authors=st.lists(HOSTILE_TEXT, min_size=1, max_size=3))
def test_hostile_titles_and_authors_come_back_out_identical(title, authors):
    paper = make_paper(id="p", title=title, authors=tuple(authors), first_seen="2025-03-12", digests=("2025-03-12-d",))
    out = render([paper])
    want_title = one_line(title) or "p"
    want_authors = [name for name in map(one_line, authors) if name]
    rss, atom = xml(out["feeds/vision.xml"]), xml(out["feeds/vision.atom"])
    item = rss.find("channel/item")
    assert item.findtext("title") == want_title
    assert item.findtext(f"{DC}creator") == (", ".join(want_authors) or None)
    entry = atom.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == want_title
    assert [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] == want_authors
    atom_entry, = feedparser.parse(out["feeds/vision.atom"].encode()).entries
    assert atom_entry.title == as_feedparser_reads(want_title) and atom_entry.title_detail.type == "text/plain"
    assert [a.get("name") for a in atom_entry.get("authors", [])] == want_authors  # names are not "repaired"
    parsed = feedparser.parse(out["feeds/vision.xml"].encode())
    assert not parsed.bozo, parsed.get("bozo_exception")
    (rss_entry,) = parsed.entries
    # RSS has no way to say "plain text": feedparser (like many readers) guesses HTML for text holding an entity
    # reference or a closing tag of HTML (a title that is literally "&amp;" or "</b>") and re-escapes it as HTML.
    # Every other title comes back exactly as it went in.
    if looks_like_html(want_title):
        assert rss_entry.title_detail.type == "text/html"
    else:
        assert rss_entry.title == as_feedparser_reads(want_title) and rss_entry.title_detail.type == "text/plain"
    creator = ", ".join(want_authors)
    if want_authors and not looks_like_html(creator):
        assert rss_entry.author == as_feedparser_reads(creator)


# --------------------------------------------------------------------------- the stylesheet


def test_every_feed_names_the_stylesheet_relative_to_itself(out):
    for path, text in out.items():
        if path.endswith(".opml"):
            continue
        root = xml(text)
        pi = root.getprevious()
        assert pi is not None and pi.target == "xml-stylesheet", path
        assert pi.get("type") == "text/xsl"
        assert pi.get("href") == "../assets/feed.xsl"
        # Under the site's sub-path it finds the stylesheet the site ships.
        assert urljoin(f"{SITE}{path}", pi.get("href")) == f"{SITE}assets/feed.xsl"
        assert pi.getprevious() is None  # nothing but the XML declaration before it
        assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<?xml-stylesheet ")
    assert (XSL.parent.parent / "assets" / "feed.xsl").is_file()


def test_the_stylesheet_escapes_nothing_wrongly():
    text = XSL.read_text(encoding="utf-8")
    assert "disable-output-escaping" not in text
    tree = etree.parse(str(XSL))
    assert not tree.xpath("//@disable-output-escaping")
    etree.XSLT(tree)  # compiles


def transform(feed_text: str):
    result = etree.XSLT(etree.parse(str(XSL)))(xml(feed_text))
    return lxml_html.fromstring(str(result))


@pytest.mark.parametrize("ext", ["xml", "atom"])
def test_the_stylesheet_shows_the_feed_as_text(ext):
    hostile = '<script>window.pwned=1</script> & <img src=x onerror="window.pwned=1"> ]]> &amp;'
    papers = [make_paper(id="h", title=hostile, authors=(hostile,), first_seen="2025-03-12", digests=("2025-03-12-d",)),
              make_paper(id="plain", title="Plain title", first_seen="2025-03-11", digests=("2025-03-11-d",))]
    out = render(papers, topics=(Topic("vision", "Vision <b>&</b>", "About <i>", ()),))
    page = transform(out[f"feeds/vision.{ext}"])
    assert page.get_element_by_id("feed-title").text_content() == "Paper Digest: Vision <b>&</b>"
    titles = [a.text_content() for a in page.find_class("item-title")]
    assert titles == [one_line(hostile), "Plain title"]
    assert [a.get("href") for a in page.find_class("item-title")] == [f"{SITE}papers/h/", f"{SITE}papers/plain/"]
    metas = [div.text_content() for div in page.xpath("//ol[@id='items']//div[@class='meta']")]
    assert hostile in metas[0]  # the author, as text
    assert page.find(".//script") is None and page.find(".//img") is None and page.find(".//b") is None
    subscribe = page.get_element_by_id("subscribe").text_content()
    assert "Subscribe: copy this URL into your feed reader" in subscribe
    assert f"{SITE}feeds/vision.{ext}" in subscribe


# --------------------------------------------------------------------------- in the browser


def serve_feeds(root: Path):
    """`serve_directory`, but .atom files served as application/xml. Chromium shows application/atom+xml (what most
    hosts send for .atom) as plain text whatever its stylesheet, so only a host that sends XML gets Atom feeds shown
    as a page; the RSS feeds (.xml) are XML everywhere."""
    from browser import serve_directory

    return serve_directory(root, types={".atom": "application/xml"})


def open_feed(page, url: str):
    response = page.goto(url)
    assert response is not None and response.ok, url
    page.wait_for_selector("#feed-title", state="attached", timeout=15000)
    return response


def shown_titles(page) -> list[str]:
    return page.locator("#items .item-title").all_text_contents()


@pytest.mark.parametrize("ext", ["xml", "atom"])
def test_chromium_shows_a_feed_as_a_page_with_hostile_text_as_text(tmp_path, ext):
    from playwright.sync_api import sync_playwright

    from browser import BROWSER_ARGS, chromium_path, screenshot

    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> ]]> &amp; "q" \'s'
    papers = [make_paper(id="h", title=hostile, authors=(hostile, "Ada"), first_seen="2025-03-12",
                         digests=("2025-03-12-d",)),
              make_paper(id="plain", title="PA&DA: Plain title", first_seen="2025-03-11", digests=("2025-03-11-d",))]
    topic = Topic("vision", 'Vision <b>bold</b> & "co"', "About <i>it</i>", ())
    site_url = "http://127.0.0.1/sub/"  # a sub-path site: the stylesheet is found relative to the feed
    out = render_feeds(make_catalog(papers), (topic,), {"h": ["vision"], "plain": ["vision"]}, site_url)
    root = tmp_path / "sub"
    for path, text in out.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    (root / "assets").mkdir()
    (root / "assets" / "feed.xsl").write_bytes(XSL.read_bytes())
    executable = chromium_path()
    with serve_feeds(tmp_path) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            open_feed(page, f"{base}sub/feeds/vision.{ext}")
            screenshot(page, f"feed-vision-{ext}")
            assert page.locator("#feed-title").text_content() == 'Paper Digest: Vision <b>bold</b> & "co"'
            assert shown_titles(page) == [one_line(hostile), "PA&DA: Plain title"]
            assert hostile in page.locator("#items .meta").first.text_content()
            subscribe = page.locator("#subscribe").text_content()
            assert "Subscribe: copy this URL into your feed reader" in subscribe
            assert f"{site_url}feeds/vision.{ext}" in subscribe
            # Nothing from the dump became markup or ran.
            assert page.locator("img, script, b, i").count() == 0
            assert page.evaluate("window.pwned") is None
            assert page.title() == f'Paper Digest: Vision <b>bold</b> & "co" ({"RSS" if ext == "xml" else "Atom"} feed)'
        finally:
            browser.close()


def test_chromium_shows_the_built_sites_feeds(bundled_site):
    from playwright.sync_api import sync_playwright

    from browser import BROWSER_ARGS, chromium_path

    site = bundled_site / "site"
    assert (site / "assets" / "feed.xsl").read_bytes() == XSL.read_bytes()  # shipped with the site
    executable = chromium_path()
    with serve_feeds(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            for name in ("all.xml", "all.atom"):
                text = (site / "feeds" / name).read_text(encoding="utf-8")
                root = xml(text)
                if root.tag == "rss":
                    title = root.findtext("channel/title")
                    titles = [item.findtext("title") for item in root.iter("item")]
                else:
                    title = root.findtext(f"{ATOM}title")
                    titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
                open_feed(page, f"{base}feeds/{name}")
                assert page.locator("#feed-title").text_content() == title == "Paper Digest: all papers"
                assert shown_titles(page) == titles and len(titles) > 50
                assert any("&" in t for t in titles)  # PA&DA and friends, shown once escaped
        finally:
            browser.close()
