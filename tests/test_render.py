"""Rendering without disk: pages as strings, compared with golden files; escaping of every hostile string."""

from __future__ import annotations

import json

import pytest

from conftest import fast_pages, make_catalog, make_digest, make_paper, render_sources
from generator.model import Related, Site, Topic
from generator.pages.common import front_matter, json_text, linkify, md

TOPICS = (
    Topic("retrieval", "Retrieval and reranking", "Finding and ranking documents.", ("retrieval",)),
    Topic("speech", "Speech and audio", "Speech recognition & synthesis.", ("speech",)),
)


def small_site() -> Site:
    papers = [
        make_paper(id="dense-retrieval-tricks", title="Dense Retrieval: *Tricks* & <Traps>", arxiv_id="2503.01234",
                   abstract="We retrieve [things](javascript:alert(1)). Code: https://github.com/org/repo.",
                   authors=("Ada Lovelace",), upvotes=12, links=("https://github.com/org/repo",),
                   digests=("2025-03-12-bbbbbbbb",), first_seen="2025-03-12"),
        make_paper(id="reranking-at-scale", title="Reranking at Scale", abstract="1. Rerank everything " + "word " * 380 + "cut mid",
                   truncated=True, digests=("2025-03-11-aaaaaaaa", "2025-03-12-bbbbbbbb"), first_seen="2025-03-11"),
        make_paper(id="speech-undated", title="Speech, Undated", abstract="- a speech paper.", digests=("undated-cccccccc",), first_seen=""),
        make_paper(id="dense-retrieval-tricks-extended", title="Dense Retrieval: *Tricks* & <Traps>, Extended",
                   abstract="We retrieve more things.", digests=("undated-cccccccc",), first_seen=""),
    ]
    digests = [
        make_digest(id="2025-03-12-bbbbbbbb", day="2025-03-12", source="b.html", paper_ids=("dense-retrieval-tricks", "reranking-at-scale"),
                    repeats=frozenset({"reranking-at-scale"}), url="https://huggingface.co/papers?date=2025-03-12"),
        make_digest(id="2025-03-11-aaaaaaaa", day="2025-03-11", source="a.txt", paper_ids=("reranking-at-scale",)),
        make_digest(id="undated-cccccccc", day="", source="c.txt", paper_ids=("speech-undated", "dense-retrieval-tricks-extended")),
    ]
    tags = {"dense-retrieval-tricks": ("retrieval",), "reranking-at-scale": ("retrieval",), "speech-undated": ("speech",),
            "dense-retrieval-tricks-extended": ("retrieval",)}
    related = {
        "dense-retrieval-tricks": (Related("reranking-at-scale", 0.4321, ("retrieval", "rerank")),
                                   Related("dense-retrieval-tricks-extended", 0.8123, ("dense retrieval",), version=True)),
        "reranking-at-scale": (Related("dense-retrieval-tricks", 0.4321, ("retrieval", "rerank")),),
        "speech-undated": (),
        "dense-retrieval-tricks-extended": (Related("dense-retrieval-tricks", 0.8123, ("dense retrieval",), version=True),),
    }
    return Site(make_catalog(papers, digests), TOPICS, tags, related, "https://example.org/")


@pytest.mark.parametrize("name", ["index.md", "tags/index.md", "digests/index.md", "api/papers.json"])
def test_pages_match_golden_files(golden, name):
    files = render_sources(small_site())
    golden(name.replace("/", "__"), files[name])


def bodies() -> dict[str, str]:
    """Each fast page's HTML body by its site path (papers/<id>/, tags/<slug>/, digests/<id>/)."""
    return {page.path: page.body for page in fast_pages(small_site())}


def test_every_page_is_rendered_once():
    """MkDocs renders the home page and the two indexes from Markdown; every other page is one HTML rendering."""
    assert set(render_sources(small_site())) == {"index.md", "tags/index.md", "digests/index.md", "api/papers.json"}
    assert set(bodies()) == {
        "tags/retrieval/", "tags/speech/",
        "digests/2025-03-12-bbbbbbbb/", "digests/2025-03-11-aaaaaaaa/", "digests/undated-cccccccc/",
        "papers/dense-retrieval-tricks/", "papers/reranking-at-scale/", "papers/speech-undated/",
        "papers/dense-retrieval-tricks-extended/",
    }


def test_other_versions_are_listed_apart_from_related_papers_on_the_page_and_in_the_api():
    pages = bodies()
    page = pages["papers/dense-retrieval-tricks/"]
    versions, related = page.split(">Other versions</h2>", 1)[1].split(">Related papers</h2>", 1)
    assert 'href="../dense-retrieval-tricks-extended/"' in versions and "reranking-at-scale" not in versions
    assert "dense-retrieval-tricks-extended" not in related and 'href="../reranking-at-scale/"' in related
    # a paper whose only neighbour is another version says plainly it has no related paper yet
    extended = pages["papers/dense-retrieval-tricks-extended/"]
    assert ">Other versions</h2>" in extended and "No close neighbours in the catalog yet." in extended
    records = {r["id"]: r for r in json.loads(render_sources(small_site())["api/papers.json"])}
    assert records["dense-retrieval-tricks"]["related"] == [
        {"id": "reranking-at-scale", "score": 0.4321, "terms": ["retrieval", "rerank"]}]
    assert records["dense-retrieval-tricks"]["versions"] == [{"id": "dense-retrieval-tricks-extended", "score": 0.8123}]
    assert records["speech-undated"]["versions"] == [] and records["speech-undated"]["related"] == []


def test_topic_lists_newest_first_and_undated_last():
    retrieval = bodies()["tags/retrieval/"]
    assert retrieval.index("dense-retrieval-tricks") < retrieval.index("reranking-at-scale")
    assert retrieval.index("reranking-at-scale") < retrieval.index("dense-retrieval-tricks-extended")


def test_truncated_abstract_is_marked_with_a_link_to_the_full_text():
    page = bodies()["papers/reranking-at-scale/"]
    assert "Abstract cut short" in page and "arxiv.org/search/?query=Reranking+at+Scale" in page
    assert "<p>1. Rerank everything" in page and "<ol>\n<li>Rerank" not in page  # text, not an ordered list


def test_known_arxiv_id_links_arxiv_and_hugging_face_and_code():
    page = bodies()["papers/dense-retrieval-tricks/"]
    assert 'href="https://arxiv.org/abs/2503.01234"' in page
    assert 'href="https://huggingface.co/papers/2503.01234"' in page
    assert '<a href="https://github.com/org/repo" rel="nofollow"><code>' in page


def test_hostile_text_in_a_page_body_is_shown_as_text():
    """Dump text lands in HTML bodies as text: no tag, link or entity from it survives."""
    pages = bodies()
    text, links = _text_and_links(pages["papers/dense-retrieval-tricks/"])
    assert "We retrieve [things](javascript:alert(1))." in text and not any("javascript:" in link for link in links)
    assert "<Traps>" not in pages["digests/2025-03-12-bbbbbbbb/"] and "&lt;Traps&gt;" in pages["digests/2025-03-12-bbbbbbbb/"]


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "[x](javascript:alert(1))", "{{ x }} {% if %}", "a | b | c", "`tick`", "*em* _em_ **b**",
     "# heading", "> quote", "<img src=x onerror=alert(1)>", "&amp; &lt;", "1. list", "- item", "===", "\\(x\\)"],
)
def test_markdown_escaping_leaves_no_syntax(text):
    import markdown

    rendered = markdown.markdown(md(text), extensions=["attr_list", "tables", "admonition"])
    inner = rendered.removeprefix("<p>").removesuffix("</p>")
    import html

    assert html.unescape(inner) == text


def test_front_matter_escapes_html_and_yaml():
    text = front_matter(title='a: "b" <script>', description="x\ny: z")
    import yaml

    data = yaml.safe_load(text.strip().strip("-"))
    assert data["title"] == "a: &quot;b&quot; &lt;script&gt;"
    assert data["description"] == "x\ny: z"


def test_json_is_html_safe_and_round_trips():
    data = [{"title": "<script>&</script>"}]
    text = json_text(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_linkify_keeps_urls_as_links_without_trailing_punctuation():
    out = linkify("See https://example.org/a_b?x=1&y=2. And https://github.com/x/y, too. <b>")
    assert '<a href="https://example.org/a_b?x=1&amp;y=2" rel="nofollow">https://example.org/a_b?x=1&amp;y=2</a>.' in out
    assert out.endswith("too. &lt;b&gt;")
    assert '<a href="https://github.com/x/y" rel="nofollow"><code>https://github.com/x/y</code></a>,' in out


def _text_and_links(fragment: str) -> tuple[str, list[str]]:
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.text, self.links = [], []

        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

        def handle_data(self, data):
            self.text.append(data)

    collector = Collect()
    collector.feed(fragment)
    return " ".join("".join(collector.text).split()), collector.links


@pytest.mark.parametrize("path", ["papers/dense-retrieval-tricks/", "papers/reranking-at-scale/", "tags/retrieval/",
                                  "digests/2025-03-12-bbbbbbbb/"])
def test_fast_html_body_matches_golden(golden, path):
    golden(path.rstrip("/").replace("/", "__") + ".html", bodies()[path])
