"""What a build writes: the site's model compared with the last one built, a full build being one against nothing.

`changes` compares two catalogs: the papers and digests that are new or differ (every one, against nothing). After
tagging, `plan` turns that into the pages to write: those papers' pages, the pages of every topic they are or were
in, those digests' pages; against nothing, every page, with stale outputs removed and the search index made. The
index pages, api/papers.json, the feeds of those topics and the all-papers feed are rendered in every build (they
list everything), and only what changed byte for byte is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .models import Catalog, Paper


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
    """The pages a build writes (by paper id, topic slug, digest id) and whether it is complete: every output
    written, stale ones removed, the search index made."""

    papers: frozenset[str]
    topics: frozenset[str]
    digests: frozenset[str]
    complete: bool


def plan(change: Change, old_tags: Mapping[str, Sequence[str]], tags: Mapping[str, Sequence[str]],
         topic_slugs: Sequence[str]) -> Plan:
    """The pages `change` affects: its papers', its digests', and every topic one of its papers is or was in."""
    if change.complete:
        return Plan(change.paper_ids, frozenset(topic_slugs), change.digest_ids, complete=True)
    topics = {slug for pid in change.paper_ids for slug in (*old_tags.get(pid, ()), *tags.get(pid, ()))}
    return Plan(change.paper_ids, frozenset(topics), change.digest_ids, complete=False)
