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
from .catalog import newest_first, paper_order
from .models import Catalog, Digest, Paper, Related, Topic
from .textclean import find_urls, is_code_url

# Characters that mean something to Markdown, its extensions or a template engine: written as
# numeric references, which every Markdown flavour passes through as the literal character.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]#+!|~^=$<>&]")
_LIST_START = re.compile(r"^(\d+)([.)])")
SNIPPET_LENGTH = 180
HOME_SNIPPET_LENGTH = 120  # about one line beside the title on a desktop screen
HOME_STRIP_LIMIT = 8  # papers in each of the home page's "most seen" and "most upvoted" strips
CLOSE_SCORE = 0.30  # a related paper this similar is called "close" (about the top tenth of links), others "some overlap"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


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
    def digest_names(self) -> dict[str, str]:
        """Digest id -> what a visitor reads for it (`digest_name`)."""
        # A manifest may name a topic by an old slug (an alias) or by its name: each reads as the topic's name today.
        topics = {**{key: t for t in self.topics for key in (*t.aliases, t.name.lower())}, **{t.slug: t for t in self.topics}}
        return {d.id: digest_name(d, n, topics) for d, n in _numbered(self.catalog.digests)}

    @functools.cached_property
    def digest_sequence(self) -> tuple[Digest, ...]:
        """Every digest in the order they were captured: oldest day first, a day's digests by file name, undated last
        (the order papers are "seen" in, catalog.dump_order)."""
        return tuple(sorted(self.catalog.digests, key=_capture_order))

    @functools.cached_property
    def digest_places(self) -> dict[str, int]:
        """Digest id -> its place in `digest_sequence`."""
        return {d.id: at for at, d in enumerate(self.digest_sequence)}

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


def long_day(day: str) -> str:
    """An ISO day as people write it: "2025-03-12" -> "12 March 2025"; "" -> "Undated"."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", day) or not 1 <= int(day[5:7]) <= 12:
        return day or "Undated"
    return f"{int(day[8:])} {_MONTHS[int(day[5:7]) - 1]} {day[:4]}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _capture_order(digest: Digest) -> tuple:
    return (digest.day == "", digest.day, digest.source, digest.id)


def _numbered(digests: Sequence[Digest]):
    """(digest, its place among the digests of its day in capture order, from 1)."""
    seen: dict[str, int] = {}
    for digest in sorted(digests, key=_capture_order):
        seen[digest.day] = seen.get(digest.day, 0) + 1
        yield digest, seen[digest.day]


def digest_name(digest: Digest, number: int, topics: Mapping[str, Topic]) -> str:
    """A digest as people name it: its day, "#2" for a day's second digest (the first keeps the plain day, so a capture
    of the same day added later under a later file name renames nothing), and the topic or query the manifest gives.
    Never its file name."""
    name = long_day(digest.day)
    if number > 1:
        name += f" #{number}"
    if digest.topic:
        topic = topics.get(digest.topic) or topics.get(digest.topic.lower())
        name += f" · {topic.name if topic else digest.topic}"
    if digest.query and digest.query != digest.topic:
        name += f" · \u201c{digest.query}\u201d"
    return name


def external_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, url) for the paper page: arXiv, its PDF and Hugging Face (or a title search on both), then the GitHub,
    other code and project links, web addresses only."""
    if paper.arxiv_id:
        links = [
            ("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}"),
            ("PDF", f"https://arxiv.org/pdf/{paper.arxiv_id}"),
            ("Hugging Face", f"https://huggingface.co/papers/{paper.arxiv_id}"),
        ]
    else:
        query = quote_plus(paper.title)
        links = [
            ("Search arXiv", f"https://arxiv.org/search/?query={query}&searchtype=title"),
            ("Search Hugging Face", f"https://huggingface.co/papers?q={query}"),
        ]
    for url in paper.links:
        if not url.lower().startswith(("http://", "https://")):
            continue  # only a web address becomes a link
        if re.match(r"https?://(www\.)?github\.com/", url, re.I):
            links.append(("GitHub", url))
        else:
            links.append(("Code" if is_code_url(url) else "Project page", url))
    return links


def full_text_url(paper: Paper) -> str:
    return external_links(paper)[0][1]


def chips(slugs: Sequence[str], topics: Mapping[str, Topic], here: str) -> str:
    """Topic chips in a Markdown page whose folder is `here`."""
    return " ".join(f"[{md(topics[s].name)}]({urls.relative(here, urls.source(urls.topic(s)))}){{ .pd-chip }}"
                    for s in slugs if s in topics)


def home_line(paper: Paper, new: bool, topics: Mapping[str, Topic], tags: Sequence[str]) -> str:
    """A paper on the home page: title, "seen before" unless new, a one-line snippet, its topics."""
    here = urls.HOME
    line = f"- [{md(paper.title)}]({urls.relative(here, urls.source(urls.paper(paper.id)))})"
    if not new:
        line += ' <span class="pd-repeat">seen before</span>'
    if paper.abstract:
        line += f'<br><span class="pd-snippet pd-one-line">{md(snippet(paper.abstract, HOME_SNIPPET_LENGTH))}</span>'
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
    digests: tuple[tuple[Digest, str], ...]  # with the name a visitor reads
    related: tuple[tuple[Paper, Related], ...]
    versions: tuple[tuple[Paper, Related], ...] = ()  # other versions of the same work, never merged


def paper_view(paper: Paper, data: SiteData, papers: Mapping[str, Paper], topics: Mapping[str, Topic],
               digests: Mapping[str, Digest]) -> PaperView:
    meta = [f"First seen {long_day(paper.first_seen)}" if paper.first_seen else "Undated"]
    if paper.arxiv_id:
        meta.append(f"arXiv {paper.arxiv_id}")
    if paper.upvotes:
        meta.append(plural(paper.upvotes, "upvote"))
    links_to = [(papers[r.id], r) for r in data.related.get(paper.id, ()) if r.id in papers and r.id != paper.id]
    return PaperView(
        paper=paper,
        meta=tuple(meta),
        tags=tuple(topics[s] for s in data.tags.get(paper.id, ()) if s in topics),
        links=tuple(external_links(paper)),
        digests=tuple((digests[d], data.digest_names[d]) for d in paper.digests if d in digests),
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
    parts.append('<h2 id="links">Links</h2>\n<ul class="pd-inline">\n')
    parts.extend(f"<li>{_link_html(label, url)}</li>\n" for label, url in view.links)
    parts.append('</ul>\n<h2 id="digests">Digests</h2>\n<ul class="pd-inline">\n')
    parts.extend(f'<li><a href="{urls.UP}{urls.digest(d.id)}">{e(name)}</a></li>\n' for d, name in view.digests)
    parts.append("</ul>\n")
    if view.versions:
        parts.append(f'<h2 id="other-versions">Other versions</h2>\n<p>{_VERSIONS_NOTE}</p>\n<ul>\n')
        for other, item in view.versions:
            parts.append(f'<li><a href="{urls.relative(here, urls.paper(other.id))}">{e(other.title)}</a> <span class="pd-score">{_shared(item)}</span></li>\n')
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
    """How near a related paper is, in a word (the score itself means nothing to a reader; it stays in the API),
    and the terms that make it so."""
    kind, word = ("close", "close") if item.score >= CLOSE_SCORE else ("some", "some overlap")
    return f'<span class="pd-closeness pd-closeness--{kind}">{word}</span>' + (f" · {_shared(item)}" if item.terms else "")


def _shared(item: Related) -> str:
    return "shared: " + ", ".join(html.escape(t) for t in item.terms) if item.terms else ""


def _link_html(label: str, url: str) -> str:
    if label in ("Code", "GitHub"):
        return f'{label}: <a href="{attr(url)}" rel="nofollow"><code>{html.escape(url)}</code></a>'
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
        f'<p>{plural(len(papers), "paper")} · subscribe: <a href="{urls.UP}{urls.feed(topic.slug)}">RSS</a> · '
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
    """Every topic with papers, by number of papers and again A to Z: the second list shows in place of the first when
    its anchor is the target (CSS, no script), and without CSS both read in turn."""
    here = urls.TOPICS

    def to(path: str) -> str:
        return urls.relative(here, path)

    def entry(topic: Topic) -> str:
        return (f"- [{md(topic.name)}]({to(urls.source(urls.topic(topic.slug)))}) · {plural(counts.get(topic.slug, 0), 'paper')} · "
                f"[RSS]({to(urls.feed(topic.slug))}) · [Atom]({to(urls.feed(topic.slug, 'atom'))})"
                f"<br><span class=\"pd-topic-desc\">{md(topic.description)}</span>\n")

    by_count = sorted(data.shown_topics, key=lambda t: (-counts.get(t.slug, 0), t.name.casefold(), t.slug))
    by_name = sorted(data.shown_topics, key=lambda t: (t.name.casefold(), t.slug))
    return "".join([
        front_matter(title="Topics", description="Every topic with its papers and feeds.", rss=urls.feed(urls.ALL_FEED)),
        "# Topics\n\n",
        f"Subscribe to everything: [RSS]({to(urls.feed(urls.ALL_FEED))}) · [Atom]({to(urls.feed(urls.ALL_FEED, 'atom'))}) · "
        f"every topic feed at once: [OPML]({to(urls.OPML)})\n\n",
        '<p class="pd-sort">Sort: <a href="#by-count">by number of papers</a> · <a href="#a-z">A\u2013Z</a></p>\n\n',
        "## By number of papers { #by-count }\n\n", *(entry(t) for t in by_count), "\n",
        "## A\u2013Z { #a-z }\n\n", *(entry(t) for t in by_name),
    ])


def digest_meta(digest: Digest) -> list[str]:
    new = len(digest.paper_ids) - len(digest.repeats)
    return [plural(len(digest.paper_ids), "paper"), f"{new} new", f"{len(digest.repeats)} seen before"]


def digest_neighbours(digest: Digest, data: SiteData) -> tuple[Digest | None, Digest | None]:
    """The digests captured just before and just after `digest`."""
    sequence = data.digest_sequence
    at = data.digest_places[digest.id]
    return (sequence[at - 1] if at else None), (sequence[at + 1] if at + 1 < len(sequence) else None)


def _digest_nav(digest: Digest, data: SiteData) -> str:
    before, after = digest_neighbours(digest, data)
    names = data.digest_names

    def link(other: Digest | None, rel: str, label: str, arrow: str) -> str:
        if other is None:
            return f'<span class="pd-digest-nav__none">{label}: none</span>'
        text = f"{arrow} {label}: {html.escape(names[other.id])}" if rel == "prev" else f"{label}: {html.escape(names[other.id])} {arrow}"
        return f'<a href="{urls.UP}{urls.digest(other.id)}" rel="{rel}">{text}</a>'

    previous, following = link(before, "prev", "Previous", "\u2190"), link(after, "next", "Next", "\u2192")
    return (f'<nav class="pd-digest-nav" aria-label="Other digests">{previous} · '
            f'<a href="{urls.UP}{urls.DIGESTS}">All digests</a> · {following}</nav>\n')


def render_digest_html(digest: Digest, papers: Mapping[str, Paper], data: SiteData, topics: Mapping[str, Topic]) -> str:
    """The digest page's body as HTML."""
    e = html.escape
    nav = _digest_nav(digest, data)
    parts = [nav, f'<p class="pd-meta">{" · ".join(e(m) for m in digest_meta(digest))}</p>\n']
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
    parts.append(nav)
    return "".join(parts)


def render_digests_index(data: SiteData) -> str:
    parts = [front_matter(title="Digests", description="Every captured digest, newest first.", rss=urls.feed(urls.ALL_FEED)),
             "# Digests\n\n", "| Digest | Papers | New |\n|---|---:|---:|\n"]
    # newest day first like the catalog, but a day's digests in capture order, so "#2" follows the first
    ordered = sorted(data.catalog.digests, key=lambda d: (d.day == "", newest_first(d.day), data.digest_places[d.id]))
    for digest in ordered:
        link = urls.relative(urls.DIGESTS, urls.source(urls.digest(digest.id)))
        parts.append(f"| [{md(data.digest_names[digest.id])}]({link}) | {len(digest.paper_ids)} "
                     f"| {len(digest.paper_ids) - len(digest.repeats)} |\n")
    return "".join(parts)


def newest_day(data: SiteData) -> tuple[Digest, ...]:
    """The digests of the newest dated day in capture order (the undated ones when no digest has a day)."""
    digests = data.catalog.digests
    if not digests:
        return ()
    day = next((d.day for d in digests if d.day), "")
    return tuple(d for d in data.digest_sequence if d.day == day)


def day_papers(day: Sequence[Digest]) -> list[tuple[str, bool]]:
    """(paper id, new) for every paper of `day`'s digests once, in capture and page order; new when its first
    digest that day is where it was first seen."""
    out: dict[str, bool] = {}
    for digest in day:
        for paper_id in digest.paper_ids:
            out.setdefault(paper_id, paper_id not in digest.repeats)
    return list(out.items())


def render_home(data: SiteData, papers: Mapping[str, Paper], topics: Mapping[str, Topic], counts: Mapping[str, int]) -> str:
    catalog = data.catalog
    here = urls.HOME

    def to(path: str) -> str:
        return urls.relative(here, urls.source(path))

    day = newest_day(data)
    listed = day_papers(day)
    new = sum(1 for _, is_new in listed if is_new)
    day_name = long_day(day[0].day) if day else ""
    parts = [
        front_matter(title="Paper Digest", description="AI research papers from daily digests, by topic, with related papers.",
                     rss=urls.feed(urls.ALL_FEED), rss_title="Paper Digest: all papers"),
        "# Paper Digest\n\n",
        f"{plural(len(catalog.papers), 'paper')} · {plural(len(catalog.digests), 'digest')} · {plural(len(data.shown_topics), 'topic')}"
        + (f" · **{new} new** on {day_name}" if day else "")
        + f" · subscribe: [RSS]({urls.feed(urls.ALL_FEED)}) · [Atom]({urls.feed(urls.ALL_FEED, 'atom')}) · "
        f"[OPML of every topic]({urls.OPML})\n\n",
    ]
    # The topics come first, as one compact strip: on a desktop screen they show without scrolling.
    ranked = sorted(data.shown_topics, key=lambda t: (-counts.get(t.slug, 0), t.slug))
    parts.append("## Topics { #topics }\n\n")
    parts.append(" ".join(f"[{md(t.name)} ({counts.get(t.slug, 0)})]({to(urls.topic(t.slug))}){{ .pd-chip }}"
                          for t in ranked) + "\n\n")
    parts.append(f"By number of papers; A\u2013Z and with descriptions on [the topics page]({to(urls.TOPICS)}).\n\n")
    if not day:
        return "".join(parts)
    links = " and ".join(f"[{md(data.digest_names[d.id])}]({to(urls.digest(d.id))}) "
                         f"({plural(len(d.paper_ids), 'paper')}, {len(d.paper_ids) - len(d.repeats)} new)" for d in day)
    parts.append(f"## Latest {'digests' if len(day) > 1 else 'digest'}: {md(day_name)} {{ #latest }}\n\n"
                 f"{plural(new, 'new paper')} and {len(listed) - new} seen before, from {links}.\n\n")
    day_ids = [pid for pid, _ in listed]
    several = sorted((pid for pid in day_ids if len(papers[pid].digests) > 1),
                     key=lambda pid: (-len(papers[pid].digests), paper_order(papers[pid])))[:HOME_STRIP_LIMIT]
    upvoted = sorted((pid for pid in day_ids if papers[pid].upvotes > 0),
                     key=lambda pid: (-papers[pid].upvotes, paper_order(papers[pid])))[:HOME_STRIP_LIMIT]
    if several:
        parts.append("### Seen in several digests\n\n")
        parts.extend(f"- [{md(papers[pid].title)}]({to(urls.paper(pid))}) <span class=\"pd-date\">"
                     f"in {len(papers[pid].digests)} digests</span>\n" for pid in several)
        parts.append("\n")
    if upvoted:
        parts.append("### Most upvoted\n\n")
        parts.extend(f"- [{md(papers[pid].title)}]({to(urls.paper(pid))}) <span class=\"pd-date\">"
                     f"{plural(papers[pid].upvotes, 'upvote')}</span>\n" for pid in upvoted)
        parts.append("\n")
    parts.append(f"### Every paper of {md(day_name)}\n\n")
    parts.extend(home_line(papers[pid], is_new, topics, data.tags.get(pid, ())) + "\n" for pid, is_new in listed)
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
    if digest_ids is not None:
        digest_ids = _with_neighbours(digest_ids, data)
    for digest in data.catalog.digests:
        if digest_ids is None or digest.id in digest_ids:
            yield ShellPage(urls.digest(digest.id), f"Digest: {data.digest_names[digest.id]}",
                            plural(len(digest.paper_ids), "paper"), *_ALL_PAPERS, render_digest_html(digest, papers, data, topics))
    yield from paper_shell_pages(data, paper_ids)


def _with_neighbours(digest_ids, data: SiteData) -> set[str]:
    """`digest_ids`, the digests captured just before and after each (a new digest changes their links to it) and
    the other digests of its day (one captured earlier the same day renumbers those after it)."""
    wanted = set(digest_ids)
    days = {d.day for d in data.catalog.digests if d.id in digest_ids}
    for digest in data.catalog.digests:
        if digest.id in digest_ids:
            wanted.update(d.id for d in digest_neighbours(digest, data) if d is not None)
        elif digest.day in days:
            wanted.add(digest.id)
    return wanted


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
