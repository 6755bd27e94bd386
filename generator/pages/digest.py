"""The digest page (digests/<id>/): one captured digest's papers in page order, with links to the digests captured
before and after; its one rendering, and which digest pages a change touches."""

from __future__ import annotations

import html
from collections.abc import Iterable

from .. import urls
from ..model import Digest, Site
from .common import ALL_PAPERS_FEED, Fragments, ShellPage, attr, chips_html, plural


def digest_meta(digest: Digest) -> list[str]:
    new = len(digest.paper_ids) - len(digest.repeats)
    return [plural(len(digest.paper_ids), "paper"), f"{new} new", f"{len(digest.repeats)} seen before"]


def _nav(digest: Digest, site: Site) -> str:
    before, after = site.digest_neighbours(digest)
    names = site.digest_names

    def link(other: Digest | None, rel: str, label: str, arrow: str) -> str:
        if other is None:
            return f'<span class="pd-digest-nav__none">{label}: none</span>'
        text = f"{arrow} {label}: {html.escape(names[other.id])}" if rel == "prev" else f"{label}: {html.escape(names[other.id])} {arrow}"
        return f'<a href="{urls.UP}{urls.digest(other.id)}" rel="{rel}">{text}</a>'

    previous, following = link(before, "prev", "Previous", "\u2190"), link(after, "next", "Next", "\u2192")
    return (f'<nav class="pd-digest-nav" aria-label="Other digests">{previous} · '
            f'<a href="{urls.UP}{urls.DIGESTS}">All digests</a> · {following}</nav>\n')


def render(digest: Digest, site: Site) -> str:
    """The digest page's body as HTML."""
    e = html.escape
    papers, topics = site.papers_by_id, site.topics_by_slug
    nav = _nav(digest, site)
    parts = [nav, f'<p class="pd-meta">{" · ".join(e(m) for m in digest_meta(digest))}</p>\n']
    if digest.url.startswith(("http://", "https://")):
        parts.append(f'<p class="pd-meta">Captured from <a href="{attr(digest.url)}" rel="nofollow">{e(digest.url)}</a></p>\n')
    parts.append('<ol>\n')
    for paper_id in digest.paper_ids:
        paper = papers[paper_id]
        repeat = ' <span class="pd-repeat">seen before</span>' if paper_id in digest.repeats else ""
        parts.append(f'<li><a href="{urls.UP}{urls.paper(paper.id)}">{e(paper.title)}</a>{repeat}<br>'
                     f'{chips_html(topics[s] for s in site.tags.get(paper_id, ()) if s in topics)}</li>\n')
    parts.append("</ol>\n")
    parts.append(nav)
    return "".join(parts)


# ---- the output table's row (pages/__init__.py) ------------------------------------------------


def keys(site: Site) -> list[str]:
    return [d.id for d in site.catalog.digests]


def affected(site: Site, previous: Site, papers: frozenset[str], digests: frozenset[str]) -> Iterable[str]:
    """The new or changed digests, the digests captured just before and after each (a new digest changes their
    links to it) and the other digests of its day (one captured earlier the same day renumbers those after it)."""
    wanted = set(digests)
    days = {d.day for d in site.catalog.digests if d.id in digests}
    for digest in site.catalog.digests:
        if digest.id in digests:
            wanted.update(d.id for d in site.digest_neighbours(digest) if d is not None)
        elif digest.day in days:
            wanted.add(digest.id)
    return wanted


def page(site: Site, fragments: Fragments, key: str) -> ShellPage:
    digest = site.digests_by_id[key]
    return ShellPage(urls.digest(digest.id), f"Digest: {site.digest_names[digest.id]}",
                     plural(len(digest.paper_ids), "paper"), *ALL_PAPERS_FEED, render(digest, site))
