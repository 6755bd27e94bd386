"""Feeds: RSS 2.0 + Atom per topic, the all-papers feed, OPML, and the shrink guard."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from generator import feeds as feeds_mod
from generator.feeds import FeedError, check_shrink, render_feeds
from generator.model import Topic
from conftest import make_catalog, make_digest, make_paper

SITE = "https://example.org/digest/"
ATOM = "{http://www.w3.org/2005/Atom}"
ILLEGAL = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # what feeds drop

TOPICS = (
    Topic("vision", "Vision", "Papers that see things.", ("image",), aliases=("sight",)),  # "sight" was merged here
    Topic("language", "Language & Text", "Papers that read <things>.", ("text",)),
    Topic("robots", "Robots", "Nobody is tagged here.", ("robot",)),
)


def paper(pid: str, day: str, **kw):
    digest = f"{day}-{pid}" if day else ""
    return make_paper(
        id=pid,
        title=kw.pop("title", f"Title of {pid}"),
        abstract=kw.pop("abstract", f"Abstract of {pid}."),
        first_seen=day,
        digests=(f"{day or 'undated'}-d",) if digest else (),
        **kw,
    )


def base_papers():
    return [
        paper("alpha", "2025-03-10"),
        paper("bravo", "2025-03-10"),
        paper("charlie", "2025-03-11"),
        paper("delta", "2025-03-12"),
        paper("echo", "2025-03-12"),
        paper("foxtrot", "2025-03-13"),
        paper("golf", ""),  # undated
        paper("hotel", "2025-03-09"),
    ]


BASE_TAGS = {
    "alpha": ["vision"],
    "bravo": ["vision", "language"],
    "charlie": ["language"],
    "delta": ["vision"],
    "echo": ["language", "vision"],
    "foxtrot": ["vision"],
    "golf": ["vision"],
    "hotel": ["language"],
    "not-in-catalog": ["vision"],
}


def render(papers=None, tags=None, topics=TOPICS, site_url=SITE, **kw):
    catalog = make_catalog(base_papers() if papers is None else papers)
    return render_feeds(catalog, topics, BASE_TAGS if tags is None else tags, site_url, **kw)


@pytest.fixture(scope="module")
def out():
    return render()


def parse(text):
    return feedparser.parse(text.encode("utf-8"))


def xml(text):
    return etree.fromstring(text.encode("utf-8"))


def rss_items(text):
    return xml(text).find("channel").findall("item")


def guids(text):
    root = xml(text)
    if root.tag == "rss":
        return [i.findtext("guid") for i in root.iter("item")]
    return [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]


def shown(value, detail):
    """What a reader displays: text/html is rendered (must carry no tags), text/plain as is."""
    if detail.type == "text/html":
        assert "<" not in value, value
        return html.unescape(value)
    assert detail.type == "text/plain", detail.type
    return value


def utc(day):
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


# --------------------------------------------------------------------------- files and validity


def test_paths(out):
    expected = {"feeds/topics.opml"}
    for slug in ("all", "vision", "language", "sight"):  # robots has no papers: no feed until it has some
        expected |= {f"feeds/{slug}.xml", f"feeds/{slug}.atom"}
    assert set(out) == expected
    assert all(isinstance(v, str) for v in out.values())


@pytest.mark.parametrize("path", ["all", "vision", "language", "sight"])
@pytest.mark.parametrize("ext", ["xml", "atom"])
def test_feedparser_accepts(out, path, ext):
    parsed = parse(out[f"feeds/{path}.{ext}"])
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if ext == "xml" else "atom10")


def test_item_counts_and_membership(out):
    assert guids(out["feeds/vision.xml"]) == [
        f"urn:paper-digest:paper:{p}" for p in ("foxtrot", "delta", "echo", "alpha", "bravo", "golf")
    ]
    assert guids(out["feeds/language.xml"]) == [
        f"urn:paper-digest:paper:{p}" for p in ("echo", "charlie", "bravo", "hotel")
    ]
    assert "feeds/robots.xml" not in out
    for slug in ("all", "vision", "language", "sight"):
        assert guids(out[f"feeds/{slug}.atom"]) == guids(out[f"feeds/{slug}.xml"])


def test_newest_first_with_id_ties_and_digest_items_first_within_a_day(out):
    assert guids(out["feeds/all.xml"]) == [
        "urn:paper-digest:digest:2025-03-13-d",
        "urn:paper-digest:paper:foxtrot",
        "urn:paper-digest:digest:2025-03-12-d",
        "urn:paper-digest:paper:delta",
        "urn:paper-digest:paper:echo",
        "urn:paper-digest:digest:2025-03-11-d",
        "urn:paper-digest:paper:charlie",
        "urn:paper-digest:digest:2025-03-10-d",
        "urn:paper-digest:paper:alpha",
        "urn:paper-digest:paper:bravo",
        "urn:paper-digest:digest:2025-03-09-d",
        "urn:paper-digest:paper:hotel",
        "urn:paper-digest:paper:golf",  # undated: last
    ]
    for slug in ("all", "vision", "language"):
        entries = parse(out[f"feeds/{slug}.xml"]).entries
        dates = [e.published_parsed for e in entries if "published_parsed" in e]
        assert dates == sorted(dates, reverse=True)


def test_links_are_absolute_and_follow_the_url_scheme(out):
    parsed = parse(out["feeds/all.xml"])
    assert parsed.feed.link == SITE
    for e in parsed.entries:
        assert e.link.startswith(SITE)
        pid = e.id.rsplit(":", 1)[1]
        kind = "digests" if ":digest:" in e.id else "papers"
        assert e.link == f"{SITE}{kind}/{pid}/"
    assert parse(out["feeds/vision.xml"]).feed.link == f"{SITE}tags/vision/"
    atom = parse(out["feeds/vision.atom"])
    assert atom.feed.link == f"{SITE}tags/vision/"
    assert [e.link for e in atom.entries][0] == f"{SITE}papers/foxtrot/"


def test_site_url_is_normalised():
    for url in ("https://example.org/digest", "https://example.org/digest///", " https://example.org/digest/ "):
        assert render(site_url=url) == render(site_url=SITE)


@pytest.mark.parametrize("url", ["", None, "   ", "/digest/", "digest", "example.org/digest", "ftp://example.org/"])
def test_missing_or_relative_site_url_is_an_error(url):
    with pytest.raises(FeedError) as err:
        render(site_url=url)
    assert str(err.value) == "site_url is required for feeds: pass --site-url or set site_url in mkdocs.yml"
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- identity and determinism


def test_guids_unique_stable_and_shared_across_feeds(out):
    again = render()
    other_site = render(site_url="http://mirror.example.com/")
    by_paper = {}
    for path, text in out.items():
        if path.endswith(".opml"):
            continue
        ids = guids(text)
        assert len(ids) == len(set(ids)), path
        assert ids == guids(again[path]) == guids(other_site[path])
        for i in ids:
            assert re.fullmatch(r"urn:paper-digest:(paper|digest):[a-z0-9-]+", i)
    root = xml(out["feeds/all.xml"])
    for item in root.iter("item"):
        assert item.find("guid").get("isPermaLink") == "false"
        by_paper[item.findtext("guid")] = etree.tostring(item, with_tail=False)
    # Same paper, same item XML in every feed (categories list all its topics).
    for slug in ("vision", "language"):
        for item in rss_items(out[f"feeds/{slug}.xml"]):
            assert etree.tostring(item, with_tail=False) == by_paper[item.findtext("guid")]


def test_output_is_deterministic_and_never_uses_the_clock(monkeypatch):
    first = render()
    future = datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone.utc)

    class Meta(type):
        def __instancecheck__(cls, obj):  # feedgen checks isinstance(value, datetime)
            return isinstance(obj, datetime)

    class FrozenDatetime(datetime, metaclass=Meta):
        @classmethod
        def now(cls, tz=None):
            return future if tz else future.replace(tzinfo=None)

        @classmethod
        def utcnow(cls):
            return future.replace(tzinfo=None)

    import feedgen.entry
    import feedgen.feed

    monkeypatch.setattr(feedgen.feed, "datetime", FrozenDatetime)
    monkeypatch.setattr(feedgen.entry, "datetime", FrozenDatetime)
    # The fake clock bites: a bare feedgen feed would carry it.
    probe = feedgen.feed.FeedGenerator()
    probe.id("x"), probe.title("x"), probe.link(href="http://x/"), probe.description("x")
    assert b"2099" in probe.rss_str() and b"2099" in probe.atom_str()
    frozen = render()
    assert frozen == first
    empty_only = render(papers=[], tags={})
    for text in list(frozen.values()) + list(empty_only.values()):
        assert "2099" not in text and "Dec 2099" not in text


def test_generator_has_no_version_noise(out):
    import feedgen.version

    for path, text in out.items():
        if path.endswith(".opml"):
            continue
        assert feedgen.version.version_str not in text
        assert "python-feedgen" in text


# --------------------------------------------------------------------------- dates


def test_pubdate_is_first_seen_at_midnight_utc(out):
    items = {i.findtext("guid"): i for i in rss_items(out["feeds/all.xml"])}
    for p in base_papers():
        item = items[f"urn:paper-digest:paper:{p.id}"]
        if p.first_seen:
            assert parsedate_to_datetime(item.findtext("pubDate")) == utc(p.first_seen)
            assert item.findtext("pubDate") == format_datetime(utc(p.first_seen))
        else:
            assert item.find("pubDate") is None
    entries = {e.findtext(f"{ATOM}id"): e for e in xml(out["feeds/all.atom"]).iter(f"{ATOM}entry")}
    for p in base_papers():
        entry = entries[f"urn:paper-digest:paper:{p.id}"]
        updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        assert updated == (utc(p.first_seen) if p.first_seen else datetime(1970, 1, 1, tzinfo=timezone.utc))
        if p.first_seen:
            assert datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == utc(p.first_seen)
        else:
            assert entry.find(f"{ATOM}published") is None


@pytest.mark.parametrize("slug,newest", [("all", "2025-03-13"), ("vision", "2025-03-13"), ("language", "2025-03-12")])
def test_channel_date_is_the_newest_item(out, slug, newest):
    channel = xml(out[f"feeds/{slug}.xml"]).find("channel")
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == utc(newest)
    assert channel.find("pubDate") is None
    atom = xml(out[f"feeds/{slug}.atom"])
    assert datetime.fromisoformat(atom.findtext(f"{ATOM}updated")) == utc(newest)


def test_undated_rule():
    papers = [paper("zulu", ""), paper("yankee", ""), paper("xray", "2020-01-01")]
    tags = {"zulu": ["vision"], "yankee": ["vision"], "xray": ["vision"]}
    out = render(papers=papers, tags=tags)
    assert guids(out["feeds/vision.xml"]) == [
        "urn:paper-digest:paper:xray",
        "urn:paper-digest:paper:yankee",
        "urn:paper-digest:paper:zulu",
    ]
    # Only undated papers: no lastBuildDate, Atom updated at the fixed epoch.
    only = render(papers=papers[:2], tags=tags)
    for slug in ("vision", "all"):
        channel = xml(only[f"feeds/{slug}.xml"]).find("channel")
        assert channel.find("lastBuildDate") is None
        assert [i.find("pubDate") for i in channel.findall("item")] == [None, None]
        atom = xml(only[f"feeds/{slug}.atom"])
        assert atom.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
        assert {e.findtext(f"{ATOM}updated") for e in atom.iter(f"{ATOM}entry")} == {"1970-01-01T00:00:00+00:00"}
        assert not parse(only[f"feeds/{slug}.xml"]).bozo and not parse(only[f"feeds/{slug}.atom"]).bozo


def test_bad_first_seen_is_an_error():
    with pytest.raises(FeedError, match="first_seen"):
        render(papers=[paper("alpha", "2025-13-40")], tags={})
    with pytest.raises(FeedError, match="first_seen"):
        render(papers=[paper("alpha", "March 3")], tags={})


# --------------------------------------------------------------------------- element by element


def test_rss_channel_and_item_children(out):
    root = xml(out["feeds/vision.xml"])
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert [c.tag for c in channel if c.tag != "item"] == [
        "title",
        "link",
        "description",
        f"{ATOM}link",
        "docs",
        "generator",
        "language",
        "lastBuildDate",
    ]
    assert channel.findtext("title") == "Paper Digest: Vision"
    assert channel.findtext("link") == f"{SITE}tags/vision/"
    assert channel.findtext("description") == "Papers that see things."
    assert channel.findtext("language") == "en"
    self_link = channel.find(f"{ATOM}link")
    assert self_link.attrib == {"href": f"{SITE}feeds/vision.xml", "rel": "self", "type": "application/rss+xml"}
    item = channel.find("item")
    assert [c.tag for c in item] == ["title", "link", "description", "guid", "category", "pubDate"]
    assert item.findtext("title") == "Title of foxtrot"
    assert item.findtext("link") == f"{SITE}papers/foxtrot/"
    assert item.findtext("description") == "Abstract of foxtrot."
    assert item.findtext("guid") == "urn:paper-digest:paper:foxtrot"
    assert item.findtext("pubDate") == "Thu, 13 Mar 2025 00:00:00 +0000"
    undated = channel.findall("item")[-1]
    assert [c.tag for c in undated] == ["title", "link", "description", "guid", "category"]


def test_atom_feed_and_entry_children(out):
    root = xml(out["feeds/language.atom"])
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert root.findtext(f"{ATOM}id") == "urn:paper-digest:feed:language"
    assert root.findtext(f"{ATOM}title") == "Paper Digest: Language & Text"
    assert root.findtext(f"{ATOM}subtitle") == "Papers that read <things>."
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": f"{SITE}feeds/language.atom", "alternate": f"{SITE}tags/language/"}
    entry = root.find(f"{ATOM}entry")
    assert [c.tag.replace(ATOM, "") for c in entry] == [
        "id", "title", "updated", "link", "summary", "category", "category", "published",
    ]
    assert [(c.get("term"), c.get("label")) for c in entry.findall(f"{ATOM}category")] == [
        ("vision", "Vision"),
        ("language", "Language & Text"),
    ]


def test_categories_are_topic_names_in_topic_order(out):
    for e in parse(out["feeds/all.xml"]).entries:
        pid = e.id.rsplit(":", 1)[1]
        if ":digest:" in e.id:
            assert "tags" not in e
            continue
        want = [t.name for t in TOPICS if t.slug in BASE_TAGS.get(pid, ())]
        assert [t.term for t in e.get("tags", [])] == want


def test_unknown_tag_slugs_are_ignored():
    out = render(papers=[paper("alpha", "2025-01-01")], tags={"alpha": ["nope", "vision"]})
    item = rss_items(out["feeds/all.xml"])[1]
    assert [c.text for c in item.findall("category")] == ["Vision"]
    assert "feeds/nope.xml" not in out


def test_empty_topic_has_no_feed_until_it_has_papers(out):
    assert not any("robots" in path for path in out)
    assert "robots" not in out["feeds/topics.opml"]
    later = render(tags={**BASE_TAGS, "golf": ["robots"]})  # one undated paper
    for ext in ("xml", "atom"):
        parsed = parse(later[f"feeds/robots.{ext}"])
        assert not parsed.bozo
        assert [e.id for e in parsed.entries] == ["urn:paper-digest:paper:golf"]
        assert parsed.feed.title == "Paper Digest: Robots"
    channel = xml(later["feeds/robots.xml"]).find("channel")
    assert channel.find("lastBuildDate") is None  # no dated item
    assert channel.find(f"{ATOM}link").get("href") == f"{SITE}feeds/robots.xml"
    assert xml(later["feeds/robots.atom"]).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    assert f"{SITE}feeds/robots.xml" in later["feeds/topics.opml"]


def test_merged_topics_old_feed_keeps_the_same_items(out):
    for ext in ("xml", "atom"):
        old, new = parse(out[f"feeds/sight.{ext}"]), parse(out[f"feeds/vision.{ext}"])
        assert not old.bozo
        assert [e.id for e in old.entries] == [e.id for e in new.entries]  # the same GUIDs: nothing shows up twice
        assert [e.link for e in old.entries] == [e.link for e in new.entries]
        assert old.feed.title == "Paper Digest: Vision"
    channel = xml(out["feeds/sight.xml"]).find("channel")
    assert channel.find(f"{ATOM}link").get("href") == f"{SITE}feeds/sight.xml"  # its own address
    assert channel.findtext("link") == f"{SITE}tags/vision/"
    assert xml(out["feeds/sight.atom"]).findtext(f"{ATOM}id") == "urn:paper-digest:feed:sight"  # its own id
    assert "sight" not in out["feeds/topics.opml"]  # new subscribers get the topic itself
    # An incremental build that touched the topic renders its old feed too.
    assert {"feeds/sight.xml", "feeds/vision.xml"} <= set(render(only={"vision"}))
    assert "feeds/sight.xml" not in render(only={"language"})


def test_alias_that_clashes_with_a_feed_is_an_error():
    for alias in ("language", "all", "../up"):
        with pytest.raises(FeedError):
            render(topics=(Topic("vision", "Vision", "", (), aliases=(alias,)), Topic("language", "L", "", ())))


def test_empty_catalog_still_renders_every_feed():
    out = render(papers=[], tags={})
    for path, text in out.items():
        if path.endswith(".opml"):
            continue
        parsed = parse(text)
        assert not parsed.bozo and parsed.entries == []


# --------------------------------------------------------------------------- limit and digest items


def test_limit_keeps_the_newest(out):
    small = render(limit=3)
    assert guids(small["feeds/vision.xml"]) == guids(out["feeds/vision.xml"])[:3]
    # The all-papers feed holds whole days until it has `limit` items, digest items included: 2025-03-13 has two
    # items, so 2025-03-12 comes in whole (three more).
    assert guids(small["feeds/all.xml"]) == guids(out["feeds/all.xml"])[:5]
    assert guids(small["feeds/all.atom"]) == guids(out["feeds/all.atom"])[:5]
    assert guids(render(limit=2)["feeds/all.xml"]) == guids(out["feeds/all.xml"])[:2]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(FeedError):
            render(limit=bad)


def test_limit_default_is_50():
    papers = [paper(f"p{n:03d}", f"2024-{1 + n // 28:02d}-{1 + n % 28:02d}") for n in range(60)]
    out = render(papers=papers, tags={p.id: ["vision"] for p in papers})
    assert len(guids(out["feeds/vision.xml"])) == 50
    assert guids(out["feeds/vision.xml"])[0] == "urn:paper-digest:paper:p059"
    assert len(guids(out["feeds/all.xml"])) == 50


def test_digest_items():
    hostile = "<script>alert(1)</script> & co"
    papers = [paper("alpha", "2025-03-10", title=hostile), paper("bravo", "2025-03-10")]
    digests = [
        make_digest(id="2025-03-10-xyz", day="2025-03-10", paper_ids=("bravo", "alpha", "ghost")),
        make_digest(id="undated-abc", day="", paper_ids=("alpha",)),
    ]
    catalog = make_catalog(papers, digests=digests)
    out = render_feeds(catalog, TOPICS, {}, SITE)
    entries = parse(out["feeds/all.xml"]).entries
    assert [e.id for e in entries] == [
        "urn:paper-digest:digest:2025-03-10-xyz",
        "urn:paper-digest:paper:alpha",
        "urn:paper-digest:paper:bravo",
    ]
    digest = entries[0]
    assert digest.title == "Digest for 2025-03-10: 2 papers"
    assert digest.link == f"{SITE}digests/2025-03-10-xyz/"
    assert digest.published_parsed[:3] == (2025, 3, 10)
    # The body is HTML we build: a list of links whose text is the escaped title.
    body = etree.fromstring(f"<div>{digest.summary}</div>")
    anchors = body.findall(".//a")
    assert [(a.get("href"), a.text) for a in anchors] == [
        (f"{SITE}papers/bravo/", "Title of bravo"),
        (f"{SITE}papers/alpha/", hostile),
    ]
    assert body.find(".//script") is None
    atom_entry = parse(out["feeds/all.atom"]).entries[0]
    assert atom_entry.id == digest.id and atom_entry.summary_detail.type == "text/html"
    assert "<script" not in out["feeds/all.xml"] and "<script" not in out["feeds/all.atom"]
    # Digest items only appear in the all-papers feed; one paper = singular.
    one = render_feeds(make_catalog([paper("alpha", "2025-03-10")]), TOPICS, {"alpha": ["vision"]}, SITE)
    assert parse(one["feeds/all.xml"]).entries[0].title == "Digest for 2025-03-10: 1 paper"
    assert all(":digest:" not in g for g in guids(one["feeds/vision.xml"]))


# --------------------------------------------------------------------------- hostile text

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "]]>",
    "&amp;",
    "A & B <b>bold</b> \"quoted\" 'single'",
    "ctrl\x00\x01\x02\x03\x04\x05\x06\x07\x08 chars\x0b\x0c\x0e\x1f end",
    "emoji 🧪🚀 and odd \u202eUnicode\u200b \ufeff \U0001d54f",
    "lone surrogate \ud800 and \ufffe\uffff",
    "&lt;script&gt;already escaped&lt;/script&gt;",
    "<![CDATA[x]]> <!-- comment --> <?pi?>",
]


def expect_title(s):
    return " ".join(ILLEGAL.sub("", s).split())


def expect_text(s):
    return ILLEGAL.sub("", s).strip()


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_title_and_abstract_round_trip_as_text(bad):
    p = paper("alpha", "2025-03-10", title=f"T {bad}", abstract=f"A {bad}")
    out = render(papers=[p], tags={"alpha": ["vision"]})
    for path in ("feeds/vision.xml", "feeds/vision.atom", "feeds/all.xml", "feeds/all.atom"):
        text = out[path]
        assert "<script" not in text and "<img" not in text and "<b>" not in text
        xml(text)  # well-formed XML 1.0
        parsed = parse(text)
        assert not parsed.bozo, parsed.get("bozo_exception")
        entry = [e for e in parsed.entries if e.id == "urn:paper-digest:paper:alpha"][0]
        assert entry.title == expect_title(f"T {bad}")  # plain text, whatever type feedparser guesses for RSS
        assert shown(entry.summary, entry.summary_detail) == expect_text(f"A {bad}")
    # RSS titles are plain text, escaped once; descriptions HTML-escaped text; Atom plain text (type text).
    item = rss_items(out["feeds/vision.xml"])[0]
    assert item.findtext("title") == expect_title(f"T {bad}")
    assert html.unescape(item.findtext("description")) == expect_text(f"A {bad}")
    entry = xml(out["feeds/vision.atom"]).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == expect_title(f"T {bad}")
    assert entry.find(f"{ATOM}title").get("type") in (None, "text")
    assert entry.findtext(f"{ATOM}summary") == expect_text(f"A {bad}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=40), abstract=st.text(max_size=80))
def test_any_text_yields_valid_feeds(title, abstract):
    p = paper("alpha", "2025-03-10", title=title, abstract=abstract)
    out = render(papers=[p], tags={"alpha": ["vision"]})
    for path in ("feeds/vision.xml", "feeds/vision.atom"):
        xml(out[path])
        parsed = parse(out[path])
        assert not parsed.bozo
        assert len(parsed.entries) == 1
    entry = xml(out["feeds/vision.atom"]).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == (expect_title(title) or "alpha")
    assert (entry.findtext(f"{ATOM}summary") or "") == expect_text(abstract).replace("\r\n", "\n").replace("\r", "\n")


def test_hostile_topic_name_in_opml_and_channel():
    topics = (Topic("x", 'Evil "<b>" & \x01 name', "desc <i>", ("x",)),)
    out = render(papers=[paper("alpha", "2025-01-01")], tags={"alpha": ["x"]}, topics=topics)
    opml = xml(out["feeds/topics.opml"])
    names = [o.get("text") for o in opml.iter("outline")]
    assert names == ["All papers", 'Evil "<b>" & name']
    assert not parse(out["feeds/x.xml"]).bozo


# --------------------------------------------------------------------------- stability under growth


def items_by_guid(text):
    root = xml(text)
    tag = "item" if root.tag == "rss" else f"{ATOM}entry"
    key = "guid" if root.tag == "rss" else f"{ATOM}id"
    return {el.findtext(key): etree.tostring(el, with_tail=False) for el in root.iter(tag)}


@pytest.mark.parametrize("limit", [50, 5])
def test_adding_new_papers_only_prepends_them(limit):
    before = render(limit=limit)
    new = [paper(f"new-{n}", "2025-04-01") for n in range(3)]
    tags = dict(BASE_TAGS, **{p.id: ["language"] for p in new})
    after = render(papers=base_papers() + new, tags=tags, limit=limit)
    assert set(after) == set(before)
    new_guids = [f"urn:paper-digest:paper:new-{n}" for n in range(3)]
    for ext in ("xml", "atom"):
        old = guids(before[f"feeds/language.{ext}"])
        now = guids(after[f"feeds/language.{ext}"])
        assert now[:3] == new_guids
        assert now[3:] == (old + [])[: max(0, limit - 3)]
        assert now == (new_guids + old)[:limit]
    for path in before:
        if path.endswith(".opml"):
            assert after[path] == before[path]
            continue
        old_items, new_items = items_by_guid(before[path]), items_by_guid(after[path])
        kept = [g for g in guids(before[path]) if g in new_items]
        dropped = [g for g in guids(before[path]) if g not in new_items]
        # Only the oldest items may fall out, and only because of the limit.
        assert guids(before[path])[len(kept):] == dropped
        if dropped and "all" in path:  # whole days: never fewer than `limit` once something was pushed out
            assert len(new_items) >= limit
        elif dropped:
            assert len(new_items) == limit
        for g in kept:
            assert new_items[g] == old_items[g], (path, g)
        # Untouched topics are byte-identical when nothing was pushed out.
        if "language" not in path and "all" not in path:
            assert after[path] == before[path]


# --------------------------------------------------------------------------- OPML


def test_opml_lists_every_feed(out):
    text = out["feeds/topics.opml"]
    root = xml(text)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title") is not None
    assert root.find("head/dateCreated") is None
    outlines = root.findall("body/outline")
    assert [(o.get("text"), o.get("title"), o.get("type"), o.get("xmlUrl"), o.get("htmlUrl")) for o in outlines] == [
        ("All papers", "All papers", "rss", f"{SITE}feeds/all.xml", SITE),
    ] + [
        (t.name, t.name, "rss", f"{SITE}feeds/{t.slug}.xml", f"{SITE}tags/{t.slug}/") for t in TOPICS
        if t.slug != "robots"  # no papers
    ]
    for o in outlines:
        assert o.get("xmlUrl").removeprefix(SITE) in out
    assert render()["feeds/topics.opml"] == text


# --------------------------------------------------------------------------- topic validation


@pytest.mark.parametrize(
    "topics",
    [
        (Topic("all", "All", "", ()),),
        (Topic("a", "A", "", ()), Topic("a", "A again", "", ())),
        (Topic("../up", "Up", "", ()),),
        (Topic("", "Nothing", "", ()),),
    ],
)
def test_bad_topic_slugs_are_errors(topics):
    with pytest.raises(FeedError):
        render(topics=topics)


def test_topic_without_description_gets_one():
    out = render(topics=(Topic("bare", "Bare", "", ()),), tags={"alpha": ["bare"]})
    parsed = parse(out["feeds/bare.xml"])
    assert not parsed.bozo and parsed.feed.description


# --------------------------------------------------------------------------- shrink guard


def fake_rss(n, start=0, dated=False, prefix="p"):
    """Items p<start>..; with `dated`, item i is dated day i of 2025 (higher numbers newer)."""
    def date(i):
        return f"<pubDate>{format_datetime(datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=i))}</pubDate>" if dated else ""

    items = "".join(
        f'<item><title>t{i}</title><guid isPermaLink="false">urn:paper-digest:paper:{prefix}{i}</guid>{date(i)}</item>'
        for i in range(start, start + n)
    )
    return f"<?xml version='1.0' encoding='UTF-8'?><rss version=\"2.0\"><channel>{items}</channel></rss>"


def test_shrink_fires_on_big_loss():
    msgs = check_shrink({"feeds/vision.xml": fake_rss(50)}, {"feeds/vision.xml": fake_rss(10)})
    assert msgs == ["feeds/vision.xml would lose 40 of 50 items (80%); pass --allow-shrink to publish anyway"]


def test_shrink_counts_replaced_items_as_lost():
    # Same count, but 30 of 50 old guids are gone while older items stay: more than half lost.
    now = fake_rss(20, dated=True).replace("</channel></rss>", "") + fake_rss(30, dated=True, prefix="other").split("<channel>", 1)[1]
    msgs = check_shrink({"feeds/a.xml": fake_rss(50, dated=True)}, {"feeds/a.xml": now})
    assert msgs == ["feeds/a.xml would lose 30 of 50 items (60%); pass --allow-shrink to publish anyway"]


def test_newer_items_pushing_the_oldest_out_are_not_a_loss():
    # A digest of 30 new papers renews most of a 50-item feed: the feed works, nothing is lost.
    assert check_shrink({"feeds/a.xml": fake_rss(50, dated=True)}, {"feeds/a.xml": fake_rss(50, start=30, dated=True)}) == []


@pytest.mark.parametrize("now", [fake_rss(50), fake_rss(60), fake_rss(25), fake_rss(40, start=10), fake_rss(50, start=25)])
def test_shrink_quiet_on_small_loss_or_growth(now):
    assert check_shrink({"feeds/vision.xml": fake_rss(50)}, {"feeds/vision.xml": now}) == []


def test_shrink_max_loss_is_configurable():
    prev, cur = {"feeds/a.xml": fake_rss(10)}, {"feeds/a.xml": fake_rss(8)}
    assert check_shrink(prev, cur) == []
    assert check_shrink(prev, cur, max_loss=0.1) == [
        "feeds/a.xml would lose 2 of 10 items (20%); pass --allow-shrink to publish anyway"
    ]
    with pytest.raises(FeedError):
        check_shrink(prev, cur, max_loss=1.5)


def test_shrink_removed_feed_counts():
    msgs = check_shrink({"feeds/gone.xml": fake_rss(4), "feeds/kept.xml": fake_rss(4)}, {"feeds/kept.xml": fake_rss(4)})
    assert msgs == ["feeds/gone.xml would lose 4 of 4 items (100%); pass --allow-shrink to publish anyway"]


def test_shrink_ignores_garbage_non_xml_and_new_feeds():
    previous = {
        "feeds/garbage.xml": "<rss><channel><item>",
        "feeds/binary.xml": "\x00\x01 not xml at all",
        "feeds/html.xml": "<html><body>hi</body></html>",
        "feeds/empty.xml": fake_rss(0),
        "feeds/vision.atom": "<feed/>",
        "feeds/topics.opml": "<opml/>",
    }
    current = {"feeds/new.xml": fake_rss(3)}
    assert check_shrink(previous, current) == []
    assert check_shrink({}, current) == []


def test_shrink_on_real_renders(out):
    assert check_shrink(out, out) == []
    # all: 13 -> 5 (two whole days) fires; vision 6 -> 3 (exactly half) and language 4 -> 3 stay quiet.
    assert check_shrink(out, render(limit=3)) == [
        "feeds/all.xml would lose 8 of 13 items (61%); pass --allow-shrink to publish anyway",
    ]
    assert check_shrink(out, render(topics=TOPICS[:1])) == [
        "feeds/language.xml would lose 4 of 4 items (100%); pass --allow-shrink to publish anyway",
    ]


def test_feeds_module_does_no_io():
    src = open(feeds_mod.__file__, encoding="utf-8").read()
    assert "open(" not in src and "write_text" not in src and "datetime.now" not in src
