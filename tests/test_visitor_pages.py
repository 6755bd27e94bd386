"""What a visitor reads on the home page, digest pages, the topics index and paper pages (issue 15, items 1, 2, 6, 9):
one test per defect the issue listed, on rendered pages and on built sites."""

from __future__ import annotations

import dataclasses

import html
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT, build_site, fast_pages, make_catalog, make_digest, make_paper, make_project, render_sources
from generator.model import Related, Site, Topic
from generator.plan import Change, plan

sys.path.insert(0, str(ROOT / "bench"))
import page_weight  # noqa: E402

TOPICS = (
    Topic("retrieval", "Retrieval", "Finding documents.", ("retrieval",)),
    Topic("speech", "Speech", "Speech and audio.", ("speech",)),
    Topic("agents", "Agents", "Acting in the world.", ("agent",)),
    Topic("other", "Other", "The rest.", (), catch_all=True),
)
FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt|[a-z]\.(txt|html|json)\b")


def two_digest_day() -> Site:
    """Two digests on 12 March (the second repeats one paper of the first), one on 11 March, one undated."""
    papers = [
        make_paper(id="old", title="Old Paper", abstract="An old paper about retrieval.",
                   digests=("2025-03-11-aaaaaaaa", "2025-03-12-bbbbbbbb"), first_seen="2025-03-11", upvotes=3),
        make_paper(id="new-a", title="New A", abstract="Alpha " * 60, digests=("2025-03-12-bbbbbbbb", "2025-03-12-cccccccc"),
                   first_seen="2025-03-12", upvotes=40),
        make_paper(id="new-b", title="New B", abstract="Bravo speech.", digests=("2025-03-12-cccccccc",), first_seen="2025-03-12"),
        make_paper(id="undated", title="Undated Paper", abstract="Speech.", digests=("undated-dddddddd",), first_seen=""),
    ]
    digests = [
        make_digest(id="2025-03-12-cccccccc", day="2025-03-12", source="004_d8829a0779a8d458.txt", paper_ids=("new-a", "new-b"),
                    repeats=frozenset({"new-a"}), query="speech"),
        make_digest(id="2025-03-12-bbbbbbbb", day="2025-03-12", source="002_c5d5f6f2fd791c7f.txt", paper_ids=("new-a", "old"),
                    repeats=frozenset({"old"})),
        make_digest(id="2025-03-11-aaaaaaaa", day="2025-03-11", source="000_efc7d801c89ff12f.txt", paper_ids=("old",)),
        make_digest(id="undated-dddddddd", day="", source="001_120a7a50bfe0627e.txt", paper_ids=("undated",)),
    ]
    tags = {"old": ("retrieval",), "new-a": ("retrieval", "speech"), "new-b": ("speech",), "undated": ("agents",)}
    related = {"new-a": (Related("old", 0.41, ("retrieval",)), Related("new-b", 0.19, ("speech", "alpha"))), "old": (), "new-b": (),
               "undated": ()}
    return Site(make_catalog(papers, digests), TOPICS, tags, related, "https://example.org/")


def visible_text(fragment: str) -> str:
    """What a visitor reads: tags dropped, references resolved, Markdown links reduced to their text."""
    text = re.sub(r"\]\([^)]*\)(\{[^}]*\})?", "]", fragment)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


# ---- 1. home ------------------------------------------------------------------------------------


def test_home_lists_every_paper_of_the_newest_day_once_with_a_snippet_topics_and_the_new_count():
    home = render_sources(two_digest_day())["index.md"]
    newest = home.split("### Every paper of 12 March 2025", 1)[1]
    # every paper of both digests of the day, once, the one first seen earlier marked
    assert [m for m in re.findall(r"\(papers/([\w-]+)\.md\)", newest)] == ["new-a", "old", "new-b"]
    assert newest.count("seen before") == 1 and "(papers/old.md) <span class=\"pd-repeat\">seen before" in newest
    assert 'class="pd-snippet pd-one-line">Alpha Alpha' in newest and "\u2026" in newest  # a clipped one-line snippet
    assert "[Speech](tags/speech.md){ .pd-chip }" in newest
    assert "**2 new** on 12 March 2025" in home
    assert "2 new papers and 1 seen before" in home


def test_home_shows_the_topics_before_the_papers_and_trending_strips_when_the_data_has_them():
    data = two_digest_day()
    home = render_sources(data)["index.md"]
    assert home.index("## Topics") < home.index("## Latest digests: 12 March 2025")
    assert "[Retrieval (2)](tags/retrieval.md)" in home
    seen = home.split("### Seen in several digests", 1)[1].split("###", 1)[0]
    assert "New A" in seen and "Old Paper" in seen and "in 2 digests" in seen and "New B" not in seen
    upvoted = home.split("### Most upvoted", 1)[1].split("###", 1)[0]
    assert upvoted.index("New A") < upvoted.index("Old Paper") and "40 upvotes" in upvoted and "3 upvotes" in upvoted
    # no strip when nothing in the data supports it (text dumps carry no upvotes)
    plain = Site(make_catalog([make_paper()]), TOPICS, {}, {})
    assert "Most upvoted" not in render_sources(plain)["index.md"] and "Seen in several" not in render_sources(plain)["index.md"]


def test_home_topics_start_within_the_first_screen_on_a_desktop(bundled_site):
    from playwright.sync_api import sync_playwright

    from browser import BROWSER_ARGS, chromium_path, serve_directory

    executable = chromium_path()
    with serve_directory(bundled_site / "site") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(base)
            top = page.evaluate("document.querySelector('#topics + p a.pd-chip').getBoundingClientRect().top")
            assert 0 < top < 800
            assert page.locator("#latest").count() == 1
        finally:
            browser.close()


# ---- 2. digests named for people --------------------------------------------------------------


def test_digests_are_named_by_day_with_a_number_and_their_query_never_by_file_name():
    data = two_digest_day()
    files = render_sources(data)
    pages = {page.path: page for page in fast_pages(data)}
    assert pages["digests/2025-03-12-bbbbbbbb/"].title == "Digest: 12 March 2025"
    assert pages["digests/2025-03-12-cccccccc/"].title == "Digest: 12 March 2025 #2 · \u201cspeech\u201d"
    assert pages["digests/undated-dddddddd/"].title == "Digest: Undated"
    index = files["digests/index.md"]
    assert "Source" not in index and index.index("[12 March 2025]") < index.index("[12 March 2025 &#35;2")
    paper = pages["papers/new-a/"].body
    assert ">12 March 2025</a>" in paper and ">12 March 2025 #2 · \u201cspeech\u201d</a>" in paper
    shown = [files["index.md"], index] + [p.body + p.title for p in pages.values()]
    assert not [text for text in shown if FILE_NAME.search(visible_text(text))]


def test_a_digest_whose_manifest_names_its_topic_by_an_old_slug_or_by_name_reads_the_topics_name():
    data = two_digest_day()
    renamed = tuple(dataclasses.replace(t, name="Speech and audio", aliases=("voice",)) if t.slug == "speech" else t
                    for t in data.topics)
    for label in ("voice", "speech", "Speech and AUDIO"):
        digests = tuple(dataclasses.replace(d, topic=label, query="") if d.id == "2025-03-12-cccccccc" else d
                        for d in data.catalog.digests)
        named = Site(dataclasses.replace(data.catalog, digests=digests), renamed, data.tags, data.related,
                         data.site_url)
        assert named.digest_names["2025-03-12-cccccccc"] == "12 March 2025 #2 · Speech and audio", label


def test_no_visitor_page_of_the_bundled_site_shows_a_dump_file_name(bundled_site):
    site = bundled_site / "site"
    offenders = [page.relative_to(site).as_posix() for page in site.rglob("*.html")
                 if re.search(r"\d{3}_[0-9a-f]{16}\.txt", page.read_text(encoding="utf-8"))]
    assert not offenders, offenders[:5]
    assert "001_120a7a50bfe0627e.txt" in (site / "_report.json").read_text(encoding="utf-8")  # the report keeps them


def test_every_digest_page_links_the_previous_and_next_digest():
    data = two_digest_day()
    pages = {page.path: page.body for page in fast_pages(data)}
    first = pages["digests/2025-03-11-aaaaaaaa/"]
    assert "Previous: none" in first and 'href="../../digests/2025-03-12-bbbbbbbb/" rel="next">Next: 12 March 2025 \u2192' in first
    middle = pages["digests/2025-03-12-bbbbbbbb/"]
    assert 'rel="prev">\u2190 Previous: 11 March 2025</a>' in middle
    assert 'href="../../digests/2025-03-12-cccccccc/" rel="next">' in middle
    last = pages["digests/undated-dddddddd/"]
    assert 'href="../../digests/2025-03-12-cccccccc/" rel="prev">' in last and "Next: none" in last


def test_an_incremental_page_write_renews_the_neighbours_of_a_new_digest():
    """A new digest changes its neighbours' previous/next links and may renumber its day: writing its pages writes
    theirs too."""
    site = two_digest_day()
    for new, touched in [("2025-03-12-bbbbbbbb", {"2025-03-11-aaaaaaaa", "2025-03-12-bbbbbbbb", "2025-03-12-cccccccc"}),
                         ("2025-03-12-cccccccc", {"2025-03-12-bbbbbbbb", "2025-03-12-cccccccc", "undated-dddddddd"})]:
        change = Change(papers=(), new_papers=(), digest_ids=frozenset({new}), complete=False)
        assert plan(change, site, site).pages["digest"] == touched


def test_a_hostile_manifest_query_in_a_digest_name_is_text_everywhere():
    hostile = '<script>alert(1)</script> [x](javascript:alert(2)) {{ x }}'
    paper = make_paper(id="p", title="P", abstract="A.", digests=("2025-03-12-bbbbbbbb",), first_seen="2025-03-12")
    digest = make_digest(id="2025-03-12-bbbbbbbb", day="2025-03-12", source="x.txt", paper_ids=("p",), query=hostile)
    data = Site(make_catalog([paper], [digest]), TOPICS, {}, {})
    files = render_sources(data)
    pages = {page.path: page for page in fast_pages(data)}
    assert pages["digests/2025-03-12-bbbbbbbb/"].title == f"Digest: 12 March 2025 · \u201c{hostile}\u201d"  # escaped on filling
    for text in (files["index.md"], files["digests/index.md"]):  # Markdown: no tag, link or template syntax left
        assert "<script>" not in text and "](javascript:" not in text and "{{" not in text
    for page in pages.values():  # HTML, never read by Markdown or a template: no tag and no link from the name
        assert "<script>" not in page.body and 'href="javascript' not in page.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["papers/p/"].body
    assert "&#60;script&#62;alert(1)&#60;/script&#62;" in files["digests/index.md"]


# ---- 6. topics index --------------------------------------------------------------------------


def test_topics_index_by_count_then_a_to_z_with_plurals_and_no_empty_topic():
    data = two_digest_day()
    index = render_sources(data)["tags/index.md"]
    by_count, by_name = index.split("{ #by-count }", 1)[1].split("{ #a-z }", 1)
    names = re.compile(r"^- \[(\w+)\]", re.M)
    assert names.findall(by_count) == ["Retrieval", "Speech", "Agents"]  # 2, 2, 1 papers; ties A-Z
    assert names.findall(by_name) == ["Agents", "Retrieval", "Speech"]
    assert '<a href="#by-count">by number of papers</a> · <a href="#a-z">A\u2013Z</a>' in index
    assert "· 1 paper ·" in index and "1 papers" not in index and "· 2 papers ·" in index
    assert 'class="pd-topic-desc">Finding documents.' in index and "pd-snippet" not in index
    assert "Other" not in index and "(0)" not in render_sources(data)["index.md"]
    pages = {page.path for page in fast_pages(data)}
    assert "tags/other/" not in pages and "tags/agents/" in pages
    assert "1 paper ·" in next(p.body for p in fast_pages(data) if p.path == "tags/agents/")


def test_topic_descriptions_are_legible():
    css = (ROOT / "site_src/assets/paper-digest.css").read_text(encoding="utf-8")
    block = css.split("/* Home, digests, topics index, paper pages:", 1)[1]
    rule = re.search(r"\.pd-topic-desc \{([^}]*)\}", block).group(1)
    assert "var(--md-default-fg-color)" in rule  # full contrast, dark mode included
    assert float(re.search(r"font-size: ([\d.]+)rem", rule).group(1)) >= 0.7  # 14 px with the theme's 20 px rem


# ---- 9. paper pages ---------------------------------------------------------------------------


def test_related_papers_say_how_close_in_words_not_a_raw_score():
    page = next(p.body for p in fast_pages(two_digest_day()) if p.path == "papers/new-a/")
    related = page.split(">Related papers</h2>", 1)[1]
    assert ">close</span> · shared: retrieval" in related and ">some overlap</span> · shared: speech, alpha" in related
    assert not re.search(r"\b0\.\d\d\b", related)


API_DUMP = {
    "dateString": "2025-03-12",
    "dailyPapers": [
        {"paper": {"id": "2503.01234", "title": "Sparse Retrieval with Learned Experts", "upvotes": 42,
                   "summary": "We study sparse retrieval with learned experts for web search and question answering.",
                   "authors": [{"name": "Ada Lovelace"}, {"name": "Alan <b>Turing</b>"}],
                   "githubRepo": "https://github.com/org/sparse-experts", "projectPage": "https://sparse.example.org/"}},
        {"paper": {"id": "2503.05678", "title": "A Paper With Hostile Links", "upvotes": 1,
                   "summary": "Nothing to see about speech recognition here.",
                   "authors": [{"name": "<script>alert(1)</script>"}],
                   "githubRepo": "javascript:alert(2)", "projectPage": "data:text/html,<script>alert(3)</script>"}},
    ],
}


@pytest.fixture(scope="module")
def api_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("api")
    dumps = root / "dumps"
    dumps.mkdir()
    (dumps / "daily.json").write_text(json.dumps(API_DUMP), encoding="utf-8")
    project = make_project(root / "project", dumps=dumps)
    result = build_site(project)
    assert result.returncode == 0, result.stderr[-3000:]
    return project / "site"


def test_a_paper_page_shows_authors_arxiv_id_pdf_upvotes_github_and_project_links_from_the_dump(api_site):
    page = next((api_site / "papers").glob("sparse-retrieval*/index.html")).read_text(encoding="utf-8")
    assert '<p class="pd-authors">Ada Lovelace, Alan &lt;b&gt;Turing&lt;/b&gt;</p>' in page
    assert "arXiv 2503.01234" in page and "42 upvotes" in page
    for href in ("https://arxiv.org/abs/2503.01234", "https://arxiv.org/pdf/2503.01234", "https://huggingface.co/papers/2503.01234",
                 "https://github.com/org/sparse-experts", "https://sparse.example.org/"):
        assert f'href="{href}"' in page, href
    assert "GitHub: <a" in page and "Project page: <a" in page
    home = (api_site / "index.html").read_text(encoding="utf-8")
    assert "Most upvoted" in home and "42 upvotes" in home
    assert not re.search(r"\bdaily\.json\b", home)


def test_hostile_authors_and_links_are_text_and_only_web_addresses_become_links(api_site):
    page = next((api_site / "papers").glob("a-paper-with-hostile*/index.html")).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "1 upvote" in page and "1 upvotes" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert not [h for h in hrefs if h.startswith(("javascript:", "data:"))]


def test_a_non_web_link_from_any_reader_never_becomes_a_link():
    paper = make_paper(id="p", title="P", abstract="A.", arxiv_id="2503.00001",
                       links=("javascript:alert(1)", "ftp://example.org/x", 'https://github.com/a/b"><script>'))
    data = Site(make_catalog([paper]), TOPICS, {}, {})
    body = next(p.body for p in fast_pages(data) if p.path == "papers/p/")
    assert "javascript:" not in body and "ftp://" not in body
    assert 'href="https://github.com/a/b&quot;&gt;&lt;script&gt;"' in body and "<script>" not in body


# ---- page weight ------------------------------------------------------------------------------


def test_home_topic_and_paper_pages_weigh_at_most_100_kb_gzipped(bundled_site):
    rows = page_weight.weights(bundled_site / "site")
    assert set(rows) == {"home", "topic", "paper"}
    for kind, (page, document, _) in rows.items():
        assert document <= page_weight.LIMIT, (kind, page, document)
