"""Every output the site is made of, as a table: each page kind says which pages exist, which ones a change
affects, and how one is rendered (its module holds its view and its one rendering).

Two groups:
- `FAST_KINDS`: paper, topic, redirect and digest pages, HTML bodies the fast path puts into the theme's shell
  (generator/fastpages.py); MkDocs never reads them. Keyed by paper id, topic slug, alias and digest id.
- `SOURCES`: the pages MkDocs renders with the theme (home, the topics and digests indexes), Markdown with YAML front
  matter, and api/papers.json: each lists everything, so every build renders them (only what changed byte for byte
  is written). The feeds are generator/feeds.py's.

With `build --markdown` the fast pages are also written into the docs folder as Markdown (`markdown_sources`): the
same rendering, their HTML inside a Markdown page, for a plain `mkdocs build` or another Markdown tool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from .. import urls
from ..model import Site
from . import api, digest, home, indexes, paper, topic
from .common import Fragments, ShellPage, markdown_page


@dataclass(frozen=True)
class PageKind:
    """One kind of fast page."""

    name: str
    path: Callable[[str], str]  # key -> the page's site path ("papers/<id>/")
    keys: Callable[[Site], list[str]]  # every page of the kind, in order
    affected: Callable[[Site, Site, frozenset, frozenset], Iterable[str]]  # (site, previous, papers, digests) -> keys
    page: Callable[[Site, Fragments, str], ShellPage]
    on_every_core: bool = False  # many pages, none sharing work: rendered in forked workers
    in_sitemap: bool = True


FAST_KINDS = (
    PageKind("topic", urls.topic, topic.keys, topic.affected, topic.page),
    PageKind("redirect", urls.topic, topic.redirect_keys, topic.redirect_affected, topic.redirect_page, in_sitemap=False),
    PageKind("digest", urls.digest, digest.keys, digest.affected, digest.page),
    PageKind("paper", urls.paper, paper.keys, paper.affected, paper.page, on_every_core=True),
)


def sources(site: Site, fragments: Fragments) -> dict[str, str]:
    """The generated pages MkDocs renders and api/papers.json, keyed by path relative to the docs folder."""
    return {
        urls.source(urls.HOME): home.render(site),
        urls.source(urls.TOPICS): indexes.render_topics(site),
        urls.source(urls.DIGESTS): indexes.render_digests(site),
        urls.PAPERS_JSON: api.render(site, fragments),
    }


def fast_pages(site: Site, fragments: Fragments, kind: PageKind, keys: Iterable[str]) -> Iterator[ShellPage]:
    """The pages of `kind` named by `keys`, produced lazily."""
    return (kind.page(site, fragments, key) for key in keys)


def markdown_sources(site: Site, fragments: Fragments, keys: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """The fast pages named by `keys` (kind name -> keys) as Markdown pages for the docs folder (`build --markdown`):
    each the same rendering, its HTML body inside a Markdown page with the shell's front matter, at the source path
    MkDocs would render to the same URL (papers/<id>.md -> papers/<id>/)."""
    files = {}
    for kind in FAST_KINDS:
        wanted = set(keys.get(kind.name, ()))
        for key in kind.keys(site):
            if key in wanted:
                page = kind.page(site, fragments, key)
                files[urls.source(page.path)] = markdown_page(page)
    return files


def fast_paths(site: Site, sitemap_only: bool = False) -> list[str]:
    """Every fast page's site path, without rendering (the sitemap's, without the redirects)."""
    return [kind.path(key) for kind in FAST_KINDS if kind.in_sitemap or not sitemap_only for key in kind.keys(site)]
