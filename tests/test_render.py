"""Rendering without disk: pages as strings, compared with golden files; escaping of every hostile string."""

from __future__ import annotations

import json

import pytest

from conftest import make_catalog, make_digest, make_paper
from generator.models import Related, Topic
from generator.render import SiteData, front_matter, json_text, linkify, md, render_site

TOPICS = (
    Topic("retrieval", "Retrieval and reranking", "Finding and ranking documents.", ("retrieval",)),
    Topic("speech", "Speech and audio", "Speech recognition & synthesis.", ("speech",)),
)


def small_site() -> SiteData:
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
    return SiteData(make_catalog(papers, digests), TOPICS, tags, related, "https://example.org/")


@pytest.mark.parametrize(
    "name",
    ["index.md", "papers/dense-retrieval-tricks.md", "papers/reranking-at-scale.md", "tags/index.md", "tags/retrieval.md",
     "digests/2025-03-12-bbbbbbbb.md", "digests/index.md", "api/papers.json"],
)
def test_pages_match_golden_files(golden, name):
    files = render_site(small_site())
    golden(name.replace("/", "__"), files[name])


def test_every_page_is_rendered():
    files = render_site(small_site())
    assert set(files) == {
        "index.md", "tags/index.md", "digests/index.md", "api/papers.json",
        "tags/retrieval.md", "tags/speech.md",
        "digests/2025-03-12-bbbbbbbb.md", "digests/2025-03-11-aaaaaaaa.md", "digests/undated-cccccccc.md",
        "papers/dense-retrieval-tricks.md", "papers/reranking-at-scale.md", "papers/speech-undated.md",
        "papers/dense-retrieval-tricks-extended.md",
    }


def test_other_versions_are_listed_apart_from_related_papers_on_the_page_and_in_the_api():
    files = render_site(small_site())
    page = files["papers/dense-retrieval-tricks.md"]
    versions, related = page.split("## Other versions", 1)[1].split("## Related papers", 1)
    assert "(dense-retrieval-tricks-extended.md)" in versions and "reranking-at-scale" not in versions
    assert "dense-retrieval-tricks-extended" not in related and "(reranking-at-scale.md)" in related
    # a paper whose only neighbour is another version says plainly it has no related paper yet
    extended = files["papers/dense-retrieval-tricks-extended.md"]
    assert "## Other versions" in extended and "No close neighbours in the catalog yet." in extended
    records = {r["id"]: r for r in json.loads(files["api/papers.json"])}
    assert records["dense-retrieval-tricks"]["related"] == [
        {"id": "reranking-at-scale", "score": 0.4321, "terms": ["retrieval", "rerank"]}]
    assert records["dense-retrieval-tricks"]["versions"] == [{"id": "dense-retrieval-tricks-extended", "score": 0.8123}]
    assert records["speech-undated"]["versions"] == [] and records["speech-undated"]["related"] == []


def test_topic_lists_newest_first_and_undated_last():
    files = render_site(small_site())
    retrieval = files["tags/retrieval.md"]
    assert retrieval.index("dense-retrieval-tricks") < retrieval.index("reranking-at-scale")


def test_truncated_abstract_is_marked_with_a_link_to_the_full_text():
    page = render_site(small_site())["papers/reranking-at-scale.md"]
    assert "Abstract cut short" in page and "arxiv.org/search/?query=Reranking+at+Scale" in page
    assert "\n\n1&#46; Rerank everything" in page  # not an ordered list


def test_known_arxiv_id_links_arxiv_and_hugging_face_and_code():
    page = render_site(small_site())["papers/dense-retrieval-tricks.md"]
    assert 'href="https://arxiv.org/abs/2503.01234"' in page
    assert 'href="https://huggingface.co/papers/2503.01234"' in page
    assert '<a href="https://github.com/org/repo" rel="nofollow"><code>' in page


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
    out = linkify("See https://example.org/a_b. And https://github.com/x/y, too.")
    assert '<a href="https://example.org/a_b" rel="nofollow">https://example.org/a&#95;b</a>.' in out
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


@pytest.mark.parametrize("paper_id", ["dense-retrieval-tricks", "reranking-at-scale", "speech-undated",
                                      "dense-retrieval-tricks-extended"])
def test_fast_html_body_shows_what_the_markdown_page_renders_to(paper_id):
    """The fast path and the Markdown page must not drift: same text, same links (as the site's URLs)."""
    import re

    import markdown

    from generator.render import paper_view, render_paper, render_paper_html

    data = small_site()
    view = paper_view(data.papers_by_id()[paper_id], data, data.papers_by_id(), {t.slug: t for t in TOPICS},
                      {d.id: d for d in data.catalog.digests})
    page = render_paper(view).split("---\n", 2)[2]
    body_md = page.split("\n\n", 1)[1]  # without the title heading, which the shell carries
    rendered = markdown.markdown(body_md, extensions=["attr_list", "admonition", "tables"])
    # MkDocs turns `x.md` links into directory URLs one level up (papers/x.md -> papers/x/, page at papers/<id>/).
    rendered = re.sub(r'href="\.\./(tags|digests)/([^"]+)\.md"', r'href="../../\1/\2/"', rendered)
    rendered = re.sub(r'href="([a-z0-9-]+)\.md"', r'href="../\1/"', rendered)
    assert _text_and_links(render_paper_html(view)) == _text_and_links(rendered)


def test_fast_html_body_matches_golden(golden):
    from generator.render import shell_pages

    bodies = {page.path: page.body for page in shell_pages(small_site())}
    golden("papers__dense-retrieval-tricks.html", bodies["papers/dense-retrieval-tricks/"])
    golden("tags__retrieval.html", bodies["tags/retrieval/"])
    golden("digests__2025-03-12-bbbbbbbb.html", bodies["digests/2025-03-12-bbbbbbbb/"])


@pytest.mark.parametrize("kind", ["tags/retrieval", "digests/2025-03-12-bbbbbbbb"])
def test_fast_topic_and_digest_bodies_show_what_their_markdown_renders_to(kind):
    import re

    import markdown

    from generator.render import shell_pages

    data = small_site()
    body = next(page.body for page in shell_pages(data) if page.path == f"{kind}/")
    page = render_site(data)[f"{kind}.md"].split("---\n", 2)[2]
    rendered = markdown.markdown(page.split("\n\n", 1)[1], extensions=["attr_list", "admonition", "tables"])
    rendered = re.sub(r'href="\.\./(papers|tags|digests|feeds)/([^"]+?)(\.md)?"', lambda m: f'href="../../{m.group(1)}/{m.group(2)}{"/" if m.group(3) else ""}"', rendered)
    assert _text_and_links(body) == _text_and_links(rendered)
