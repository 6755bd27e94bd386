"""What a build writes: the site's model compared with the last one built, a full build being one against nothing.

`changes` compares two catalogs: the papers and digests that are new or differ (every one, against nothing). Once
the new site is derived, `plan` asks each kind of the output table (generator/pages) which of its pages that touches:
those papers' pages, the pages of every topic they are or were in, those digests' pages and their neighbours';
against nothing, every page, with stale outputs removed and the search index made. The index pages,
api/papers.json, the feeds of the topics written and the all-papers feed are rendered in every build (they list
everything), and only what changed byte for byte is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import Catalog, Paper, Site
from .pages import FAST_KINDS


@dataclass(frozen=True)
class Change:
    """The papers and digests that differ from the previous build's: all of them when there was none."""

    papers: tuple[Paper, ...]  # new or changed: to retag
    new_papers: tuple[Paper, ...]  # to find neighbours for
    digest_ids: frozenset[str]
    complete: bool  # against nothing: every output is redone, stale ones removed

    @property
    def paper_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.papers)


def changes(previous: Catalog | None, catalog: Catalog) -> Change:
    """What `catalog` changes over `previous`. Against nothing (no previous build, other inputs changed, or papers or
    digests went away, which takes their pages and links with them) everything is new."""
    if previous is not None:
        old_papers = {p.id: p for p in previous.papers}
        old_digests = {d.id: d for d in previous.digests}
        if set(old_papers) <= {p.id for p in catalog.papers} and set(old_digests) <= {d.id for d in catalog.digests}:
            changed = tuple(p for p in catalog.papers if old_papers.get(p.id) != p)
            return Change(changed, tuple(p for p in changed if p.id not in old_papers),
                          frozenset(d.id for d in catalog.digests if old_digests.get(d.id) != d), complete=False)
    return Change(catalog.papers, catalog.papers, frozenset(d.id for d in catalog.digests), complete=True)


@dataclass(frozen=True)
class Plan:
    """What a build writes: for each fast page kind (pages.FAST_KINDS) the keys of the pages to write, the feeds'
    topics, and whether it is complete (every output written, stale ones removed, the search index made)."""

    pages: Mapping[str, frozenset[str]]  # kind name -> keys
    complete: bool

    @property
    def papers(self) -> frozenset[str]:
        return self.pages["paper"]

    @property
    def topics(self) -> frozenset[str]:
        return self.pages["topic"]


def plan(change: Change, site: Site, previous: Site | None) -> Plan:
    """The outputs `change` affects, by the output table: against nothing (a complete change) every page; else what
    each kind says the changed papers and digests touch."""
    if change.complete or previous is None:
        return Plan({kind.name: frozenset(kind.keys(site)) for kind in FAST_KINDS}, complete=True)
    return Plan({kind.name: frozenset(kind.affected(site, previous, change.paper_ids, change.digest_ids))
                 for kind in FAST_KINDS}, complete=False)
