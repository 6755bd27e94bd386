"""The paper page (papers/<id>/): its view and its one rendering, and which paper pages a change touches."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from .. import urls
from ..model import Digest, Paper, Related, Site, Topic, long_day
from .common import (ALL_PAPERS_FEED, Fragments, ShellPage, attr, chips_html, external_links, full_text_url, linkify,
                     plural, snippet)

CLOSE_SCORE = 0.30  # a related paper this similar is called "close" (about the top tenth of links), others "some overlap"
DESCRIPTION_LENGTH = 160
_VERSIONS_NOTE = "The same work under another title or in another edition (nearly the same text, or this title inside that one)."


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


def paper_view(paper: Paper, site: Site) -> PaperView:
    papers, topics, digests = site.papers_by_id, site.topics_by_slug, site.digests_by_id
    meta = [f"First seen {long_day(paper.first_seen)}" if paper.first_seen else "Undated"]
    if paper.arxiv_id:
        meta.append(f"arXiv {paper.arxiv_id}")
    if paper.upvotes:
        meta.append(plural(paper.upvotes, "upvote"))
    links_to = [(papers[r.id], r) for r in site.related.get(paper.id, ()) if r.id in papers and r.id != paper.id]
    return PaperView(
        paper=paper,
        meta=tuple(meta),
        tags=tuple(topics[s] for s in site.tags.get(paper.id, ()) if s in topics),
        links=tuple(external_links(paper)),
        digests=tuple((digests[d], site.digest_names[d]) for d in paper.digests if d in digests),
        related=tuple((other, r) for other, r in links_to if not r.version),
        versions=tuple((other, r) for other, r in links_to if r.version),
    )


def render(view: PaperView) -> str:
    """The body of the paper page as HTML."""
    paper = view.paper
    here = urls.paper(paper.id)
    e = html.escape
    parts = [f'<p class="pd-meta">{" · ".join(e(m) for m in view.meta)}</p>\n']
    if paper.authors:
        parts.append(f'<p class="pd-authors">{e(", ".join(paper.authors))}</p>\n')
    if view.tags:
        parts.append(f"<p>{chips_html(view.tags)}</p>\n")
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


# ---- the output table's row (pages/__init__.py) ------------------------------------------------


def keys(site: Site) -> list[str]:
    return [p.id for p in site.catalog.papers]


def affected(site: Site, previous: Site, papers: frozenset[str], digests: frozenset[str]) -> Iterable[str]:
    """The new or changed papers' pages: another paper's page lists no paper added since (related papers are found
    for the new papers only; see README, incremental builds)."""
    return papers


def page(site: Site, fragments: Fragments, key: str) -> ShellPage:
    paper = site.papers_by_id[key]
    return ShellPage(urls.paper(paper.id), paper.title, snippet(paper.abstract, DESCRIPTION_LENGTH), *ALL_PAPERS_FEED,
                     render(paper_view(paper, site)))
