"""The site's pages and JSON as strings, each page kind rendered once.

The pages MkDocs renders with the theme (home, the topics and digests indexes) are Markdown with YAML front matter
(`render_site`: {path relative to docs_dir: text}, with api/papers.json). Paper, topic and digest pages are HTML
bodies that the fast path puts into the theme's shell (`shell_pages`: `ShellPage`s); MkDocs never reads them.
Every string from a dump is escaped where it lands: numeric character references in Markdown (so no Markdown, HTML
or template syntax survives), HTML escaping in HTML and in front matter `title`/`description` (which the theme
prints as HTML), and `<`, `>`, `&` as `\\u` escapes in JSON. Every path and link comes from `urls`.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus

from . import urls
from .catalog import paper_order
from .models import Catalog, Digest, Paper, Related, Topic
from .textclean import find_urls, is_code_url

# Characters that mean something to Markdown, its extensions or a template engine: written as
# numeric references, which every Markdown flavour passes through as the literal character.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]#+!|~^=$<>&]")
_LIST_START = re.compile(r"^(\d+)([.)])")
SNIPPET_LENGTH = 180
HOME_LATEST_LIMIT = 60


@dataclass(frozen=True)
class SiteData:
    """Everything the pages are made from, gathered before anything is rendered."""

    catalog: Catalog
    topics: tuple[Topic, ...]
    tags: Mapping[str, tuple[str, ...]]  # paper id -> topic slugs, best first
    related: Mapping[str, tuple[Related, ...]]
    site_url: str = ""  # absolute, with a trailing slash; "" keeps JSON urls relative

    def papers_by_id(self) -> dict[str, Paper]:
        return {p.id: p for p in self.catalog.papers}

    @functools.cached_property
    def members(self) -> dict[str, list[Paper]]:
        """Each topic's papers, newest first (computed once: every listing of an archive needs it)."""
        return topic_members(self)

    @functools.cached_property
    def shown_topics(self) -> tuple[Topic, ...]:
        """The topics that get a page, a feed and a place in the lists: those with papers (an empty topic, such as a
        catch-all nothing fell into, appears once it has some)."""
        return tuple(t for t in self.topics if self.members.get(t.slug))

    @functools.cached_property
    def records(self) -> dict[str, str]:
        """Paper id -> its line of api/papers.json."""
        return {paper.id: paper_record(paper, self) for paper in self.catalog.papers}

    @functools.cached_property
    def topic_lines(self) -> dict[str, str]:
        """Paper id -> its entry in topic pages, filled as pages are rendered: a paper is listed
        in up to five topics, and an incremental build rerenders whole topic pages of thousands of papers."""
        return {}

    def reuse(self, previous: SiteData, changed: set[str]) -> None:
        """Take what was rendered for the papers not in `changed` (api/papers.json lines, topic entries) from an
        earlier build's data: an incremental build changes no other paper's tags, related papers or digests."""
        old = previous.records
        self.__dict__["records"] = {
            paper.id: paper_record(paper, self) if paper.id in changed or paper.id not in old else old[paper.id]
            for paper in self.catalog.papers
        }
        self.__dict__["topic_lines"] = {pid: line for pid, line in previous.topic_lines.items() if pid not in changed}


# ---- escaping ----------------------------------------------------------------------------------


def md(text: str) -> str:
    """Plain text as inline Markdown that renders as exactly that text."""
    text = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)
    text = _LIST_START.sub(lambda m: f"{m.group(1)}&#{ord(m.group(2))};", text)
    if text.startswith("-"):
        text = "&#45;" + text[1:]
    return text


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def front_matter(**fields: str) -> str:
    """YAML front matter of string fields; strings the theme prints as HTML (title, description) are HTML-escaped.

    Each value is written as a JSON string, which is a valid YAML double-quoted scalar: safe for any text and
    much faster than a YAML emitter over 50,000 pages.
    """
    lines = []
    for key, value in fields.items():
        if not value:
            continue
        if key in ("title", "description"):
            value = html.escape(value, quote=True)
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}\n")
    return "---\n" + "".join(lines) + "---\n\n"


def json_text(data: object) -> str:
    """Deterministic JSON that is also safe to inline in HTML: `<`, `>`, `&` as `\\u` escapes. A list is written one
    item a line (diffs stay readable, and the C encoder does the work: `indent` would fall back to pure Python)."""
    if isinstance(data, list):
        text = "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in data) + "\n]"
    else:
        text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def linkify(text: str) -> str:
    """Running text as HTML with its URLs as links (code hosts shown as code)."""

    def escape(part: str) -> str:
        return html.escape(part, quote=False)

    out, last = [], 0
    for span in find_urls(text):
        out.append(escape(text[last : span.start]))
        label = escape(text[span.start : span.end])
        if span.is_code:
            label = f"<code>{label}</code>"
        out.append(f'<a href="{attr(span.url)}" rel="nofollow">{label}</a>')
        last = span.end
    out.append(escape(text[last:]))
    return "".join(out)


# ---- small parts ------------------------------------------------------------------------------


def snippet(text: str, length: int = SNIPPET_LENGTH) -> str:
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


def day_label(day: str) -> str:
    return day or "undated"


def external_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, url) for the paper page: arXiv and Hugging Face, then code and project links."""
    if paper.arxiv_id:
        links = [
            ("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}"),
            ("Hugging Face", f"https://huggingface.co/papers/{paper.arxiv_id}"),
        ]
    else:
        query = quote_plus(paper.title)
        links = [
            ("Search arXiv", f"https://arxiv.org/search/?query={query}&searchtype=title"),
            ("Search Hugging Face", f"https://huggingface.co/papers?q={query}"),
        ]
    for url in paper.links:
        links.append(("Code" if is_code_url(url) else "Project page", url))
    return links


def full_text_url(paper: Paper) -> str:
    return external_links(paper)[0][1]


def chips(slugs: Sequence[str], topics: Mapping[str, Topic], here: str) -> str:
    """Topic chips in a Markdown page whose folder is `here`."""
    return " ".join(f"[{md(topics[s].name)}]({urls.relative(here, urls.source(urls.topic(s)))}){{ .pd-chip }}"
                    for s in slugs if s in topics)


def paper_line(paper: Paper, here: str, topics: Mapping[str, Topic], tags: Sequence[str]) -> str:
    date = f" <span class=\"pd-date\">{day_label(paper.first_seen)}</span>"
    line = f"- [{md(paper.title)}]({urls.relative(here, urls.source(urls.paper(paper.id)))}){date}"
    if tags:
        line += f"<br>{chips(tags, topics, here)}"
    return line


# ---- pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperView:
    """What a paper page shows."""

    paper: Paper
    meta: tuple[str, ...]
    tags: tuple[Topic, ...]
    links: tuple[tuple[str, str], ...]
    digests: tuple[Digest, ...]
    related: tuple[tuple[Paper, Related], ...]
    versions: tuple[tuple[Paper, Related], ...] = ()  # other versions of the same work, never merged


def paper_view(paper: Paper, data: SiteData, papers: Mapping[str, Paper], topics: Mapping[str, Topic],
               digests: Mapping[str, Digest]) -> PaperView:
    meta = [f"First seen {day_label(paper.first_seen)}"]
    if paper.arxiv_id:
        meta.append(f"arXiv {paper.arxiv_id}")
    if paper.upvotes:
        meta.append(f"{paper.upvotes} upvotes")
    links_to = [(papers[r.id], r) for r in data.related.get(paper.id, ()) if r.id in papers and r.id != paper.id]
    return PaperView(
        paper=paper,
        meta=tuple(meta),
        tags=tuple(topics[s] for s in data.tags.get(paper.id, ()) if s in topics),
        links=tuple(external_links(paper)),
        digests=tuple(digests[d] for d in paper.digests if d in digests),
        related=tuple((other, r) for other, r in links_to if not r.version),
        versions=tuple((other, r) for other, r in links_to if r.version),
    )


def render_paper_html(view: PaperView) -> str:
    """The body of the paper page as HTML."""
    paper = view.paper
    here = urls.paper(paper.id)
    e = html.escape
    parts = [f'<p class="pd-meta">{" · ".join(e(m) for m in view.meta)}</p>\n']
    if paper.authors:
        parts.append(f'<p class="pd-authors">{e(", ".join(paper.authors))}</p>\n')
    if view.tags:
        parts.append("<p>" + " ".join(f'<a class="pd-chip" href="{urls.UP}{urls.topic(t.slug)}">{e(t.name)}</a>' for t in view.tags) + "</p>\n")
    parts.append(f"<p>{linkify(paper.abstract)}</p>\n" if paper.abstract else "<p><em>No abstract in the digest.</em></p>\n")
    if paper.truncated:
        parts.append(f'<div class="admonition note">\n<p class="admonition-title">Abstract cut short</p>\n<p>{_cut_short_html(paper)}</p>\n</div>\n')
    parts.append('<h2 id="links">Links</h2>\n<ul>\n')
    parts.extend(f"<li>{_link_html(label, url)}</li>\n" for label, url in view.links)
    parts.append('</ul>\n<h2 id="digests">Digests</h2>\n<ul>\n')
    parts.extend(f'<li><a href="{urls.UP}{urls.digest(d.id)}">{day_label(d.day)} · {e(d.source)}</a></li>\n' for d in view.digests)
    parts.append("</ul>\n")
    if view.versions:
        parts.append(f'<h2 id="other-versions">Other versions</h2>\n<p>{_VERSIONS_NOTE}</p>\n<ul>\n')
        for other, item in view.versions:
            parts.append(f'<li><a href="{urls.relative(here, urls.paper(other.id))}">{e(other.title)}</a> <span class="pd-score">{_why(item)}</span></li>\n')
        parts.append("</ul>\n")
    parts.append('<h2 id="related-papers">Related papers</h2>\n')
    if view.related:
        parts.append("<ol>\n")
        for other, item in view.related:
            parts.append(f'<li><a href="{urls.relative(here, urls.paper(other.id))}">{e(other.title)}</a> <span class="pd-score">{_why(item)}</span></li>\n')
        parts.append("</ol>\n")
    else:
        parts.append("<p>No close neighbours in the catalog yet.</p>\n")
    return "".join(parts)


_VERSIONS_NOTE = "The same work under another title or in another edition (nearly the same text, or this title inside that one)."


def _why(item: Related) -> str:
    terms = ", ".join(html.escape(t) for t in item.terms)
    return f"{item.score:.2f}" + (f" · shared: {terms}" if terms else "")


def _link_html(label: str, url: str) -> str:
    if label == "Code":
        return f'Code: <a href="{attr(url)}" rel="nofollow"><code>{html.escape(url)}</code></a>'
    if label == "Project page":
        return f'Project page: <a href="{attr(url)}" rel="nofollow">{html.escape(url)}</a>'
    return f'<a href="{attr(url)}" rel="nofollow">{label}</a>'


def _cut_short_html(paper: Paper) -> str:
    return (f'The digest page clipped this abstract: <a href="{attr(full_text_url(paper))}" rel="nofollow">'
            "read the full abstract</a>.")


def topic_line(paper: Paper, data: SiteData) -> str:
    """A paper's entry in topic pages."""
    line = data.topic_lines.get(paper.id)
    if line is None:
        date, text = day_label(paper.first_seen), snippet(paper.abstract)
        line = data.topic_lines[paper.id] = (
            f'<li><a href="{urls.UP}{urls.paper(paper.id)}">{html.escape(paper.title)}</a> <span class="pd-date">{date}</span>'
            f'<br><span class="pd-snippet">{html.escape(text)}</span></li>\n')
    return line


def render_topic_html(topic: Topic, papers: Sequence[Paper], data: SiteData) -> str:
    """The topic page's body as HTML."""
    e = html.escape
    parts = [
        f"<p>{e(topic.description)}</p>\n",
        f'<p>{len(papers)} papers · subscribe: <a href="{urls.UP}{urls.feed(topic.slug)}">RSS</a> · '
        f'<a href="{urls.UP}{urls.feed(topic.slug, "atom")}">Atom</a></p>\n',
    ]
    if not papers:
        parts.append("<p>No papers in this topic yet.</p>\n")
    else:
        parts.append('<ul>\n')
        parts.extend(topic_line(paper, data) for paper in papers)
        parts.append("</ul>\n")
    return "".join(parts)


def render_topics_index(data: SiteData, counts: Mapping[str, int]) -> str:
    here = urls.TOPICS

    def to(path: str) -> str:
        return urls.relative(here, path)

    parts = [
        front_matter(title="Topics", description="Every topic with its papers and feeds.", rss=urls.feed(urls.ALL_FEED)),
        "# Topics\n\n",
        f"Subscribe to everything: [RSS]({to(urls.feed(urls.ALL_FEED))}) · [Atom]({to(urls.feed(urls.ALL_FEED, 'atom'))}) · "
        f"every topic feed at once: [OPML]({to(urls.OPML)})\n\n",
        "| Topic | Papers | Feeds |\n|---|---:|---|\n",
    ]
    for topic in data.shown_topics:
        parts.append(
            f"| [{md(topic.name)}]({to(urls.source(urls.topic(topic.slug)))})<br><span class=\"pd-snippet\">{md(topic.description)}</span> "
            f"| {counts.get(topic.slug, 0)} "
            f"| [RSS]({to(urls.feed(topic.slug))}) · [Atom]({to(urls.feed(topic.slug, 'atom'))}) |\n"
        )
    return "".join(parts)


def digest_title(digest: Digest) -> str:
    return f"Digest {day_label(digest.day)}"


def digest_meta(digest: Digest) -> list[str]:
    meta = [f"{len(digest.paper_ids)} papers", f"{len(digest.repeats)} seen before", f"source {digest.source}"]
    if digest.query:
        meta.append(f"query {digest.query}")
    if digest.topic:
        meta.append(f"topic {digest.topic}")
    return meta


def render_digest_html(digest: Digest, papers: Mapping[str, Paper], data: SiteData, topics: Mapping[str, Topic]) -> str:
    """The digest page's body as HTML."""
    e = html.escape
    parts = [f'<p class="pd-meta">{" · ".join(e(m) for m in digest_meta(digest))}</p>\n']
    if digest.url.startswith(("http://", "https://")):
        parts.append(f'<p class="pd-meta">Captured from <a href="{attr(digest.url)}" rel="nofollow">{e(digest.url)}</a></p>\n')
    parts.append('<ol>\n')
    for paper_id in digest.paper_ids:
        paper = papers[paper_id]
        repeat = ' <span class="pd-repeat">seen before</span>' if paper_id in digest.repeats else ""
        chip_html = " ".join(f'<a class="pd-chip" href="{urls.UP}{urls.topic(s)}">{e(topics[s].name)}</a>'
                             for s in data.tags.get(paper_id, ()) if s in topics)
        parts.append(f'<li><a href="{urls.UP}{urls.paper(paper.id)}">{e(paper.title)}</a>{repeat}<br>{chip_html}</li>\n')
    parts.append("</ol>\n")
    return "".join(parts)


def render_digests_index(data: SiteData) -> str:
    parts = [front_matter(title="Digests", description="Every captured digest, newest first.", rss=urls.feed(urls.ALL_FEED)),
             "# Digests\n\n", "| Day | Source | Papers | New |\n|---|---|---:|---:|\n"]
    for digest in data.catalog.digests:
        parts.append(f"| [{day_label(digest.day)}]({urls.relative(urls.DIGESTS, urls.source(urls.digest(digest.id)))}) | {md(digest.source)} | {len(digest.paper_ids)} "
                     f"| {len(digest.paper_ids) - len(digest.repeats)} |\n")
    return "".join(parts)


def render_home(data: SiteData, papers: Mapping[str, Paper], topics: Mapping[str, Topic], counts: Mapping[str, int]) -> str:
    catalog = data.catalog
    here = urls.HOME
    parts = [
        front_matter(title="Paper Digest", description="AI research papers from daily digests, by topic, with related papers.",
                     rss=urls.feed(urls.ALL_FEED), rss_title="Paper Digest: all papers"),
        "# Paper Digest\n\n",
        f"{len(catalog.papers)} papers · {len(catalog.digests)} digests · {len(data.shown_topics)} topics · "
        f"subscribe: [RSS]({urls.feed(urls.ALL_FEED)}) · [Atom]({urls.feed(urls.ALL_FEED, 'atom')}) · "
        f"[OPML of every topic]({urls.OPML})\n\n",
    ]
    latest = next((d for d in catalog.digests if d.day), catalog.digests[0] if catalog.digests else None)
    if latest:
        latest_link = urls.relative(here, urls.source(urls.digest(latest.id)))
        parts.append(f"## Latest digest: [{day_label(latest.day)}]({latest_link})\n\n")
        for paper_id in latest.paper_ids[:HOME_LATEST_LIMIT]:
            paper = papers[paper_id]
            parts.append(paper_line(paper, here, topics, data.tags.get(paper_id, ())) + "\n")
        if len(latest.paper_ids) > HOME_LATEST_LIMIT:
            parts.append(f"\n[All {len(latest.paper_ids)} papers of this digest]({latest_link})\n")
        parts.append("\n")
    parts.append("## Topics\n\n")
    ranked = sorted(data.shown_topics, key=lambda t: (-counts.get(t.slug, 0), t.slug))
    parts.append(" ".join(f"[{md(t.name)} ({counts.get(t.slug, 0)})]({urls.relative(here, urls.source(urls.topic(t.slug)))}){{ .pd-chip }}"
                          for t in ranked) + "\n")
    return "".join(parts)


def papers_json(data: SiteData) -> str:
    """Every paper as one JSON record a line (what `json_text` makes of the list)."""
    if not data.catalog.papers:
        return json_text([])
    return "[\n" + ",\n".join(data.records[paper.id] for paper in data.catalog.papers) + "\n]\n"


def paper_record(paper: Paper, data: SiteData) -> str:
    record = {
        "id": paper.id,
        "title": paper.title,
        "url": urls.absolute(data.site_url, urls.paper(paper.id)),
        "tags": list(data.tags.get(paper.id, ())),
        "related": [{"id": r.id, "score": r.score, "terms": list(r.terms)}
                    for r in data.related.get(paper.id, ()) if not r.version],
        "versions": [{"id": r.id, "score": r.score} for r in data.related.get(paper.id, ()) if r.version],
        "first_seen": paper.first_seen or None,
        "digests": list(paper.digests),
        "arxiv_id": paper.arxiv_id or None,
        "links": list(paper.links),
    }
    return json_text(record)[:-1]


def render_site(data: SiteData) -> dict[str, str]:
    """The generated pages MkDocs renders (home, the topics and digests indexes) and api/papers.json, keyed by path
    relative to the docs folder."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    counts = {slug: len(items) for slug, items in data.members.items()}
    return {
        urls.source(urls.HOME): render_home(data, papers, topics, counts),
        urls.source(urls.TOPICS): render_topics_index(data, counts),
        urls.source(urls.DIGESTS): render_digests_index(data),
        urls.PAPERS_JSON: papers_json(data),
    }


@dataclass(frozen=True)
class ShellPage:
    """A page for the fast path: the theme's shell filled with these (plain-text fields are escaped on filling)."""

    path: str  # site path of the page folder, e.g. "papers/<id>/"
    title: str
    description: str
    rss: str  # feed path without suffix, e.g. "feeds/all"
    rss_title: str
    body: str  # HTML
    redirect: str = ""  # a page that only sends the visitor on: this relative URL (the body is then ignored)


def topic_members(data: SiteData) -> dict[str, list[Paper]]:
    """Each topic's papers, newest first."""
    members: dict[str, list[Paper]] = {t.slug: [] for t in data.topics}
    for paper in data.catalog.papers:
        for slug in data.tags.get(paper.id, ()):
            if slug in members:
                members[slug].append(paper)
    return {slug: sorted(items, key=paper_order) for slug, items in members.items()}


_ALL_PAPERS = (urls.feed_stem(urls.ALL_FEED), "Paper Digest: all papers")


def shell_pages(data: SiteData, paper_ids=None, topic_slugs=None, digest_ids=None):
    """The fast path's pages (every paper, topic and digest page, or only those named, with every topic's redirects),
    produced lazily."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    members = data.members
    for topic in data.shown_topics:
        if topic_slugs is None or topic.slug in topic_slugs:
            yield ShellPage(urls.topic(topic.slug), topic.name, topic.description, urls.feed_stem(topic.slug),
                            f"Paper Digest: {topic.name}", render_topic_html(topic, members[topic.slug], data))
    yield from topic_redirects(data)  # a handful, and written only when they change
    for digest in data.catalog.digests:
        if digest_ids is None or digest.id in digest_ids:
            yield ShellPage(urls.digest(digest.id), f"{digest_title(digest)} ({digest.source})",
                            f"{len(digest.paper_ids)} papers", *_ALL_PAPERS, render_digest_html(digest, papers, data, topics))
    yield from paper_shell_pages(data, paper_ids)


def paper_shell_pages(data: SiteData, paper_ids=None):
    """The fast path's paper pages (all, or those named), produced lazily."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    digests = {d.id: d for d in data.catalog.digests}
    for paper in data.catalog.papers:
        if paper_ids is None or paper.id in paper_ids:
            view = paper_view(paper, data, papers, topics, digests)
            yield ShellPage(urls.paper(paper.id), paper.title, snippet(paper.abstract, 160), *_ALL_PAPERS,
                            render_paper_html(view))


def page_paths(data: SiteData) -> list[str]:
    """Every fast page's path (what `shell_pages` makes, redirects aside), without rendering: for the sitemap."""
    return ([urls.topic(t.slug) for t in data.shown_topics] + [urls.digest(d.id) for d in data.catalog.digests]
            + [urls.paper(p.id) for p in data.catalog.papers])


def topic_redirects(data: SiteData) -> list[ShellPage]:
    """A page at tags/<alias>/ for every alias of a topic (a merged or renamed topic's old slug) that sends the
    visitor to the topic's page, or to the topics index while the topic is empty: published URLs keep working."""
    shown = {t.slug for t in data.shown_topics}
    pages = []
    for topic in data.topics:
        for alias in topic.aliases:
            here = urls.topic(alias)
            target = urls.relative(here, urls.topic(topic.slug) if topic.slug in shown else urls.TOPICS)
            pages.append(ShellPage(here, topic.name, f"This topic is now {topic.name}.",
                                   urls.feed_stem(topic.slug), f"Paper Digest: {topic.name}", "", redirect=target))
    return pages
