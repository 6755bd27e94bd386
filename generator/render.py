"""The site's pages and JSON as strings: `render_site` returns {path relative to docs_dir: text}.

Pages are Markdown with YAML front matter, readable by any Python-Markdown based renderer (MkDocs
Material today, Zensical tomorrow). Every string from a dump is escaped where it lands: numeric
character references in Markdown (so no Markdown, HTML or template syntax survives), HTML escaping
in front matter `title`/`description` (which the theme prints as HTML), and `<`, `>`, `&` as
`\\u` escapes in JSON.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus

from .catalog import newest_first
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
    def topic_lines(self) -> dict[str, tuple[str, str]]:
        """Paper id -> its entry in topic pages (Markdown, HTML), filled as pages are rendered: a paper is listed
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


def linkify(text: str, escape=md) -> str:
    """Running text with its URLs as HTML links (code hosts shown as code); the rest escaped with `escape`
    (Markdown by default, `html.escape` for the fast HTML path)."""
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


def paper_sort_key(paper: Paper) -> tuple:
    """Newest first, undated last, then by id."""
    return (paper.first_seen == "", newest_first(paper.first_seen), paper.id)


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


def chips(slugs: Sequence[str], topics: Mapping[str, Topic], prefix: str) -> str:
    return " ".join(f"[{md(topics[s].name)}]({prefix}{s}.md){{ .pd-chip }}" for s in slugs if s in topics)


def paper_line(paper: Paper, prefix: str, topics: Mapping[str, Topic], tags_prefix: str, tags: Sequence[str]) -> str:
    date = f" <span class=\"pd-date\">{day_label(paper.first_seen)}</span>"
    line = f"- [{md(paper.title)}]({prefix}{paper.id}.md){date}"
    if tags:
        line += f"<br>{chips(tags, topics, tags_prefix)}"
    return line


# ---- pages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperView:
    """What a paper page shows, gathered once for both the Markdown page and the fast HTML body."""

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


def render_paper(view: PaperView) -> str:
    """The paper page as Markdown (what any Python-Markdown renderer can build)."""
    paper = view.paper
    parts = [
        front_matter(title=paper.title, description=snippet(paper.abstract, 160), rss="feeds/all.xml"),
        f"# {md(paper.title)}\n\n",
        f'<p class="pd-meta">{" · ".join(md(m) for m in view.meta)}</p>\n\n',
    ]
    if paper.authors:
        parts.append(f'<p class="pd-authors">{md(", ".join(paper.authors))}</p>\n\n')
    if view.tags:
        parts.append(" ".join(f"[{md(t.name)}](../tags/{t.slug}.md){{ .pd-chip }}" for t in view.tags) + "\n\n")
    parts.append((linkify(paper.abstract) if paper.abstract else "*No abstract in the digest.*") + "\n\n")
    if paper.truncated:
        parts.append(f'!!! note "Abstract cut short"\n    {_cut_short_html(paper)}\n\n')
    parts.append("## Links\n\n")
    parts.extend(f"- {_link_html(label, url, md)}\n" for label, url in view.links)
    parts.append("\n## Digests\n\n")
    parts.extend(f"- [{day_label(d.day)} · {md(d.source)}](../digests/{d.id}.md)\n" for d in view.digests)
    if view.versions:
        parts.append("\n## Other versions\n\n")
        parts.append(f"{_VERSIONS_NOTE}\n\n")
        for other, item in view.versions:
            parts.append(f"- [{md(other.title)}]({other.id}.md) <span class=\"pd-score\">{_why(item, md)}</span>\n")
    parts.append("\n## Related papers\n\n")
    if not view.related:
        parts.append("No close neighbours in the catalog yet.\n")
    for other, item in view.related:
        parts.append(f"1. [{md(other.title)}]({other.id}.md) <span class=\"pd-score\">{_why(item, md)}</span>\n")
    return "".join(parts)


def render_paper_html(view: PaperView) -> str:
    """The body of the paper page as HTML, the same content as `render_paper` renders to, without Markdown's cost."""
    paper = view.paper
    e = html.escape
    parts = [f'<p class="pd-meta">{" · ".join(e(m) for m in view.meta)}</p>\n']
    if paper.authors:
        parts.append(f'<p class="pd-authors">{e(", ".join(paper.authors))}</p>\n')
    if view.tags:
        parts.append("<p>" + " ".join(f'<a class="pd-chip" href="../../tags/{t.slug}/">{e(t.name)}</a>' for t in view.tags) + "</p>\n")
    parts.append(f"<p>{linkify_html(paper.abstract)}</p>\n" if paper.abstract else "<p><em>No abstract in the digest.</em></p>\n")
    if paper.truncated:
        parts.append(f'<div class="admonition note">\n<p class="admonition-title">Abstract cut short</p>\n<p>{_cut_short_html(paper)}</p>\n</div>\n')
    parts.append('<h2 id="links">Links</h2>\n<ul>\n')
    parts.extend(f"<li>{_link_html(label, url, e)}</li>\n" for label, url in view.links)
    parts.append('</ul>\n<h2 id="digests">Digests</h2>\n<ul>\n')
    parts.extend(f'<li><a href="../../digests/{d.id}/">{day_label(d.day)} · {e(d.source)}</a></li>\n' for d in view.digests)
    parts.append("</ul>\n")
    if view.versions:
        parts.append(f'<h2 id="other-versions">Other versions</h2>\n<p>{_VERSIONS_NOTE}</p>\n<ul>\n')
        for other, item in view.versions:
            parts.append(f'<li><a href="../{other.id}/">{e(other.title)}</a> <span class="pd-score">{_why(item, e)}</span></li>\n')
        parts.append("</ul>\n")
    parts.append('<h2 id="related-papers">Related papers</h2>\n')
    if view.related:
        parts.append("<ol>\n")
        for other, item in view.related:
            parts.append(f'<li><a href="../{other.id}/">{e(other.title)}</a> <span class="pd-score">{_why(item, e)}</span></li>\n')
        parts.append("</ol>\n")
    else:
        parts.append("<p>No close neighbours in the catalog yet.</p>\n")
    return "".join(parts)


_VERSIONS_NOTE = "The same work under another title or in another edition (nearly the same text, or this title inside that one)."


def _why(item: Related, escape) -> str:
    terms = ", ".join(escape(t) for t in item.terms)
    return f"{item.score:.2f}" + (f" · shared: {terms}" if terms else "")


def _link_html(label: str, url: str, escape) -> str:
    if label == "Code":
        return f'Code: <a href="{attr(url)}" rel="nofollow"><code>{escape(url)}</code></a>'
    if label == "Project page":
        return f'Project page: <a href="{attr(url)}" rel="nofollow">{escape(url)}</a>'
    return f'<a href="{attr(url)}" rel="nofollow">{label}</a>'


def _cut_short_html(paper: Paper) -> str:
    return (f'The digest page clipped this abstract: <a href="{attr(full_text_url(paper))}" rel="nofollow">'
            "read the full abstract</a>.")


def linkify_html(text: str) -> str:
    return linkify(text, escape=lambda part: html.escape(part, quote=False))


def render_topic(topic: Topic, papers: Sequence[Paper], data: SiteData, topics: Mapping[str, Topic]) -> str:
    parts = [
        front_matter(title=topic.name, description=topic.description, rss=f"feeds/{topic.slug}.xml",
                     rss_title=f"Paper Digest: {topic.name}"),
        f"# {md(topic.name)}\n\n",
        f"{md(topic.description)}\n\n",
        f"{len(papers)} papers · subscribe: [RSS](../feeds/{topic.slug}.xml) · [Atom](../feeds/{topic.slug}.atom)\n\n",
    ]
    if not papers:
        parts.append("No papers in this topic yet.\n")
    parts.extend(topic_line(paper, data)[0] for paper in papers)
    return "".join(parts)


def topic_line(paper: Paper, data: SiteData) -> tuple[str, str]:
    """A paper's entry in topic pages: (Markdown, HTML)."""
    line = data.topic_lines.get(paper.id)
    if line is None:
        date, text = day_label(paper.first_seen), snippet(paper.abstract)
        line = data.topic_lines[paper.id] = (
            f"- [{md(paper.title)}](../papers/{paper.id}.md) <span class=\"pd-date\">{date}</span>"
            f"<br><span class=\"pd-snippet\">{md(text)}</span>\n",
            f'<li><a href="../../papers/{paper.id}/">{html.escape(paper.title)}</a> <span class="pd-date">{date}</span>'
            f'<br><span class="pd-snippet">{html.escape(text)}</span></li>\n',
        )
    return line


def render_topic_html(topic: Topic, papers: Sequence[Paper], data: SiteData) -> str:
    """The topic page's body as HTML for the fast path (the same content as `render_topic`)."""
    e = html.escape
    parts = [
        f"<p>{e(topic.description)}</p>\n",
        f'<p>{len(papers)} papers · subscribe: <a href="../../feeds/{topic.slug}.xml">RSS</a> · '
        f'<a href="../../feeds/{topic.slug}.atom">Atom</a></p>\n',
    ]
    if not papers:
        parts.append("<p>No papers in this topic yet.</p>\n")
    else:
        parts.append('<ul>\n')
        parts.extend(topic_line(paper, data)[1] for paper in papers)
        parts.append("</ul>\n")
    return "".join(parts)


def render_topics_index(data: SiteData, counts: Mapping[str, int]) -> str:
    parts = [
        front_matter(title="Topics", description="Every topic with its papers and feeds.", rss="feeds/all.xml"),
        "# Topics\n\n",
        "Subscribe to everything: [RSS](../feeds/all.xml) · [Atom](../feeds/all.atom) · "
        "every topic feed at once: [OPML](../feeds/topics.opml)\n\n",
        "| Topic | Papers | Feeds |\n|---|---:|---|\n",
    ]
    for topic in data.shown_topics:
        parts.append(
            f"| [{md(topic.name)}]({topic.slug}.md)<br><span class=\"pd-snippet\">{md(topic.description)}</span> "
            f"| {counts.get(topic.slug, 0)} "
            f"| [RSS](../feeds/{topic.slug}.xml) · [Atom](../feeds/{topic.slug}.atom) |\n"
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


def render_digest(digest: Digest, papers: Mapping[str, Paper], data: SiteData, topics: Mapping[str, Topic]) -> str:
    title = digest_title(digest)
    parts = [front_matter(title=f"{title} ({digest.source})", description=f"{len(digest.paper_ids)} papers", rss="feeds/all.xml"),
             f"# {md(title)}\n\n", f'<p class="pd-meta">{" · ".join(md(m) for m in digest_meta(digest))}</p>\n\n']
    if digest.url.startswith(("http://", "https://")):
        parts.append(f'<p class="pd-meta">Captured from <a href="{attr(digest.url)}" rel="nofollow">{md(digest.url)}</a></p>\n\n')
    for paper_id in digest.paper_ids:
        paper = papers[paper_id]
        repeat = ' <span class="pd-repeat">seen before</span>' if paper_id in digest.repeats else ""
        parts.append(f"1. [{md(paper.title)}](../papers/{paper.id}.md){repeat}"
                     f"<br>{chips(data.tags.get(paper.id, ()), topics, '../tags/')}\n")
    return "".join(parts)


def render_digest_html(digest: Digest, papers: Mapping[str, Paper], data: SiteData, topics: Mapping[str, Topic]) -> str:
    """The digest page's body as HTML for the fast path (the same content as `render_digest`)."""
    e = html.escape
    parts = [f'<p class="pd-meta">{" · ".join(e(m) for m in digest_meta(digest))}</p>\n']
    if digest.url.startswith(("http://", "https://")):
        parts.append(f'<p class="pd-meta">Captured from <a href="{attr(digest.url)}" rel="nofollow">{e(digest.url)}</a></p>\n')
    parts.append('<ol>\n')
    for paper_id in digest.paper_ids:
        paper = papers[paper_id]
        repeat = ' <span class="pd-repeat">seen before</span>' if paper_id in digest.repeats else ""
        chip_html = " ".join(f'<a class="pd-chip" href="../../tags/{s}/">{e(topics[s].name)}</a>'
                             for s in data.tags.get(paper_id, ()) if s in topics)
        parts.append(f'<li><a href="../../papers/{paper.id}/">{e(paper.title)}</a>{repeat}<br>{chip_html}</li>\n')
    parts.append("</ol>\n")
    return "".join(parts)


def render_digests_index(data: SiteData) -> str:
    parts = [front_matter(title="Digests", description="Every captured digest, newest first.", rss="feeds/all.xml"),
             "# Digests\n\n", "| Day | Source | Papers | New |\n|---|---|---:|---:|\n"]
    for digest in data.catalog.digests:
        parts.append(f"| [{day_label(digest.day)}]({digest.id}.md) | {md(digest.source)} | {len(digest.paper_ids)} "
                     f"| {len(digest.paper_ids) - len(digest.repeats)} |\n")
    return "".join(parts)


def render_home(data: SiteData, papers: Mapping[str, Paper], topics: Mapping[str, Topic], counts: Mapping[str, int]) -> str:
    catalog = data.catalog
    parts = [
        front_matter(title="Paper Digest", description="AI research papers from daily digests, by topic, with related papers.",
                     rss="feeds/all.xml", rss_title="Paper Digest: all papers"),
        "# Paper Digest\n\n",
        f"{len(catalog.papers)} papers · {len(catalog.digests)} digests · {len(data.shown_topics)} topics · "
        "subscribe: [RSS](feeds/all.xml) · [Atom](feeds/all.atom) · [OPML of every topic](feeds/topics.opml)\n\n",
    ]
    latest = next((d for d in catalog.digests if d.day), catalog.digests[0] if catalog.digests else None)
    if latest:
        parts.append(f"## Latest digest: [{day_label(latest.day)}](digests/{latest.id}.md)\n\n")
        for paper_id in latest.paper_ids[:HOME_LATEST_LIMIT]:
            paper = papers[paper_id]
            parts.append(paper_line(paper, "papers/", topics, "tags/", data.tags.get(paper_id, ())) + "\n")
        if len(latest.paper_ids) > HOME_LATEST_LIMIT:
            parts.append(f"\n[All {len(latest.paper_ids)} papers of this digest](digests/{latest.id}.md)\n")
        parts.append("\n")
    parts.append("## Topics\n\n")
    ranked = sorted(data.shown_topics, key=lambda t: (-counts.get(t.slug, 0), t.slug))
    parts.append(" ".join(f"[{md(t.name)} ({counts.get(t.slug, 0)})](tags/{t.slug}.md){{ .pd-chip }}" for t in ranked) + "\n")
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
        "url": f"{data.site_url}papers/{paper.id}/",
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


def render_site(data: SiteData, paper_ids=None, topic_slugs=None, digest_ids=None) -> dict[str, str]:
    """Generated pages and JSON keyed by path relative to the docs folder: every page, or (for an incremental
    build) the index pages and JSON plus only the papers, topics and digests named."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    members = data.members
    counts = {slug: len(items) for slug, items in members.items()}

    files: dict[str, str] = {
        "index.md": render_home(data, papers, topics, counts),
        "tags/index.md": render_topics_index(data, counts),
        "digests/index.md": render_digests_index(data),
        "api/papers.json": papers_json(data),
    }
    for topic in data.shown_topics:
        if topic_slugs is None or topic.slug in topic_slugs:
            files[f"tags/{topic.slug}.md"] = render_topic(topic, members[topic.slug], data, topics)
    if topic_slugs is None:
        for page in topic_redirects(data):
            files[f"{page.path[:-1]}.md"] = render_redirect_markdown(page)
    for digest in data.catalog.digests:
        if digest_ids is None or digest.id in digest_ids:
            files[f"digests/{digest.id}.md"] = render_digest(digest, papers, data, topics)
    files.update(render_paper_pages(data, paper_ids))
    return files


def render_paper_pages(data: SiteData, paper_ids=None):
    """(docs path, Markdown) of every paper page, or of the papers named, produced lazily."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    digests = {d.id: d for d in data.catalog.digests}
    for paper in data.catalog.papers:
        if paper_ids is None or paper.id in paper_ids:
            yield f"papers/{paper.id}.md", render_paper(paper_view(paper, data, papers, topics, digests))


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
    return {slug: sorted(items, key=paper_sort_key) for slug, items in members.items()}


def shell_pages(data: SiteData, paper_ids=None, topic_slugs=None, digest_ids=None):
    """The fast path's pages (every paper, topic and digest page, or only those named), produced lazily."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    members = data.members
    for topic in data.shown_topics:
        if topic_slugs is None or topic.slug in topic_slugs:
            yield ShellPage(f"tags/{topic.slug}/", topic.name, topic.description, f"feeds/{topic.slug}",
                            f"Paper Digest: {topic.name}", render_topic_html(topic, members[topic.slug], data))
    if topic_slugs is None:
        yield from topic_redirects(data)
    for digest in data.catalog.digests:
        if digest_ids is None or digest.id in digest_ids:
            yield ShellPage(f"digests/{digest.id}/", f"{digest_title(digest)} ({digest.source})",
                            f"{len(digest.paper_ids)} papers", "feeds/all", "Paper Digest: all papers",
                            render_digest_html(digest, papers, data, topics))
    yield from paper_shell_pages(data, paper_ids)


def paper_shell_pages(data: SiteData, paper_ids=None):
    """The fast path's paper pages (all, or those named), produced lazily."""
    papers = data.papers_by_id()
    topics = {t.slug: t for t in data.topics}
    digests = {d.id: d for d in data.catalog.digests}
    for paper in data.catalog.papers:
        if paper_ids is None or paper.id in paper_ids:
            view = paper_view(paper, data, papers, topics, digests)
            yield ShellPage(f"papers/{paper.id}/", paper.title, snippet(paper.abstract, 160), "feeds/all",
                            "Paper Digest: all papers", render_paper_html(view))


def shell_page_paths(data: SiteData):
    """Every fast page's path (what `shell_pages` would make, redirects aside), without rendering: for the sitemap."""
    for topic in data.shown_topics:
        yield ShellPage(f"tags/{topic.slug}/", "", "", "", "", "")
    for digest in data.catalog.digests:
        yield ShellPage(f"digests/{digest.id}/", "", "", "", "", "")
    for paper in data.catalog.papers:
        yield ShellPage(f"papers/{paper.id}/", "", "", "", "", "")


def topic_redirects(data: SiteData) -> list[ShellPage]:
    """A page at tags/<alias>/ for every alias of a topic (a merged or renamed topic's old slug) that sends the
    visitor to the topic's page, or to the topics index while the topic is empty: published URLs keep working."""
    shown = {t.slug for t in data.shown_topics}
    pages = []
    for topic in data.topics:
        target = f"../{topic.slug}/" if topic.slug in shown else "../"
        for alias in topic.aliases:
            pages.append(ShellPage(f"tags/{alias}/", topic.name, f"This topic is now {topic.name}.",
                                   f"feeds/{topic.slug}", f"Paper Digest: {topic.name}", "", redirect=target))
    return pages


def render_redirect_markdown(page: ShellPage) -> str:
    """The Markdown twin of a redirect page (for a renderer that takes the Markdown as it is)."""
    target = page.redirect[3:-1] + ".md" if page.redirect != "../" else "index.md"
    return (front_matter(title=page.title, description=page.description)
            + f"# {md(page.title)}\n\nThis topic is now [{md(page.title)}]({target}).\n")

