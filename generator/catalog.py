"""Merge the papers of every dump into one record per paper: the only place that decides "same paper"."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Sequence
from pathlib import PurePath

from slugify import slugify

from .models import Catalog, Digest, Dump, Paper, Problem
from .textclean import normalize_title

SLUG_MAX_LENGTH = 80


def digest_id(dump: Dump) -> str:
    """`<day>-<8 hex of the content hash>`: stable for the same bytes, distinct for two dumps of one day."""
    return f"{dump.day or 'undated'}-{dump.content_hash[:8]}"


def dump_order(dump: Dump) -> tuple:
    """Oldest digest first, undated ones last, then by file name: the order in which papers are "seen"."""
    return (dump.day == "", dump.day, PurePath(dump.path).name, dump.path)


def build_catalog(dumps: Sequence[Dump], memo: dict | None = None) -> tuple[Catalog, list[Problem]]:
    """Every distinct paper and every digest. `memo` (a dict kept between builds, e.g. by the preview server) keeps
    merged papers by what they were merged from: a rebuild after one new dump re-merges only what it touched."""
    memo = {} if memo is None else memo
    used: dict = {}
    problems: list[Problem] = []
    ordered: list[Dump] = []
    seen_hashes: dict[str, str] = {}
    for dump in sorted(dumps, key=dump_order):
        if dump.content_hash in seen_hashes:
            problems.append(Problem(dump.path, f"same content as {seen_hashes[dump.content_hash]}; counted once", severity="warning"))
            continue
        seen_hashes[dump.content_hash] = dump.path
        ordered.append(dump)

    sightings = [(dump, paper) for dump in ordered for paper in dump.papers]
    groups = _group_sightings([paper for _, paper in sightings])
    merged: list[tuple[Paper, str]] = []  # (paper without id, key for its id)
    group_of_sighting: dict[int, int] = {}
    for group_index, members in enumerate(groups):
        for member in members:
            group_of_sighting[member] = group_index
        group = [sightings[i] for i in members]
        key = tuple((digest_id(dump), dump.day, paper) for dump, paper in group)
        used[key] = memo[key] if key in memo else _merge(group)
        merged.append(used[key])
    ids = _assign_ids(merged)
    papers_by_group = []
    for (paper, _), paper_id in zip(merged, ids):
        key = (paper, paper_id)
        used[key] = memo[key] if key in memo else dataclasses.replace(paper, id=paper_id)
        papers_by_group.append(used[key])
    memo.clear()  # what this build used, no more: the memo never outgrows the catalog
    memo.update(used)

    digests = []
    earlier: set[str] = set()
    position = 0
    for dump in ordered:
        page_ids: list[str] = []
        for _ in dump.papers:
            paper_id = papers_by_group[group_of_sighting[position]].id
            position += 1
            if paper_id not in page_ids:
                page_ids.append(paper_id)
        digests.append(
            Digest(
                id=digest_id(dump),
                source=PurePath(dump.path).name,
                format=dump.format,
                day=dump.day,
                paper_ids=tuple(page_ids),
                repeats=frozenset(pid for pid in page_ids if pid in earlier),
                url=dump.url,
                query=dump.query,
                topic=dump.topic,
            )
        )
        earlier.update(page_ids)

    digests.sort(key=lambda d: (d.day == "", newest_first(d.day), d.id))
    catalog = Catalog(papers=tuple(sorted(papers_by_group, key=lambda p: p.id)), digests=tuple(digests), dumps=tuple(dumps))
    return catalog, problems


def newest_first(day: str) -> str:
    """A key that sorts ISO days newest first."""
    return day.translate(_NEWEST_FIRST)


_NEWEST_FIRST = {code: 255 - code for code in range(256)}


def _group_sightings(papers: Sequence[Paper]) -> list[list[int]]:
    """Sightings of the same paper (same arXiv id, or same normalised title), each group in sighting order."""
    parent = list(range(len(papers)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, paper in enumerate(papers):
        keys = ["t:" + normalize_title(paper.title)]
        if paper.arxiv_id:
            keys.append("a:" + paper.arxiv_id)
        for key in keys:
            if key in owner:
                a, b = find(owner[key]), find(index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[key] = index
    groups: dict[int, list[int]] = {}
    for index in range(len(papers)):
        groups.setdefault(find(index), []).append(index)
    return [members for _, members in sorted(groups.items())]


def _merge(sightings: list[tuple[Dump, Paper]]) -> tuple[Paper, str]:
    """One record from every sighting: nothing is lost, and the first sighting names the paper."""
    first = sightings[0][1]
    papers = [paper for _, paper in sightings]
    longest = max(papers, key=lambda p: len(p.abstract))  # max keeps the earliest among equals
    digests: list[str] = []
    for dump, _ in sightings:
        if digest_id(dump) not in digests:
            digests.append(digest_id(dump))
    days = [dump.day for dump, _ in sightings if dump.day]
    paper = Paper(
        title=first.title,
        abstract=longest.abstract,
        arxiv_id=next((p.arxiv_id for p in papers if p.arxiv_id), ""),
        authors=_union(p.authors for p in papers),
        upvotes=max(p.upvotes for p in papers),
        links=_union(p.links for p in papers),
        published=min((p.published for p in papers if p.published), default=""),
        truncated=longest.truncated,
        digests=tuple(digests),
        first_seen=min(days, default=""),
    )
    return paper, normalize_title(first.title)


def _union(lists) -> tuple[str, ...]:
    out: list[str] = []
    for items in lists:
        out.extend(item for item in items if item not in out)
    return tuple(out)


@functools.lru_cache(maxsize=200_000)
def _slug(key: str) -> str:
    """Cached: the preview server rebuilds the catalog of the same titles again and again."""
    return slugify(key, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "paper"


def _assign_ids(merged: list[tuple[Paper, str]]) -> list[str]:
    """A slug of the normalised title; on a collision the paper seen first keeps the bare slug (it was published
    first), the others get a suffix from their title's hash, so no published id moves when papers are added."""
    slugs = []
    for _, key in merged:
        slugs.append(_slug(key))
    by_slug: dict[str, list[int]] = {}
    for index, slug in enumerate(slugs):
        by_slug.setdefault(slug, []).append(index)
    ids = list(slugs)
    for slug, members in by_slug.items():
        if len(members) == 1 and slug != "paper":
            continue
        members.sort(key=lambda i: (merged[i][0].first_seen == "", merged[i][0].first_seen, merged[i][1]))
        keep_bare = slug != "paper"
        for rank, index in enumerate(members):
            if rank == 0 and keep_bare:
                continue
            digest = hashlib.sha256(merged[index][1].encode("utf-8")).hexdigest()[:6]
            ids[index] = f"{slug}-{digest}"
    return ids
