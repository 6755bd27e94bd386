"""Merge the papers of every dump into one record per paper: the only place that decides "same paper"."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePath

from slugify import slugify

from .model import Catalog, Digest, Dump, Paper, Problem, digest_order
from .textclean import normalize_title

SLUG_MAX_LENGTH = 80


def digest_id(dump: Dump) -> str:
    """`<day>-<8 hex of the content hash>`: stable for the same bytes, distinct for two dumps of one day."""
    return f"{dump.day or 'undated'}-{dump.content_hash[:8]}"


def dump_order(dump: Dump) -> tuple:
    """Oldest digest first, undated ones last, then by file name: the order in which papers are "seen"."""
    return (dump.day == "", dump.day, PurePath(dump.path).name, dump.path)


@dataclasses.dataclass
class CatalogMemo:
    """What one catalog build keeps for the next (the preview server's kept state): merged papers by what they were
    merged from, normalised titles, slugs. Each build keeps only what it used: it never outgrows the catalog."""

    merged: dict = dataclasses.field(default_factory=dict)
    titles: dict[str, str] = dataclasses.field(default_factory=dict)
    slugs: dict[str, str] = dataclasses.field(default_factory=dict)

    def title(self, title: str, used: dict[str, str]) -> str:
        key = used[title] = self.titles[title] if title in self.titles else normalize_title(title)
        return key

    def slug(self, key: str, used: dict[str, str]) -> str:
        slug = used[key] = self.slugs[key] if key in self.slugs else _slug(key)
        return slug


def build_catalog(dumps: Sequence[Dump], memo: CatalogMemo | None = None,
                  published: Mapping[str, str] | None = None) -> tuple[Catalog, list[Problem]]:
    """Every distinct paper and every digest. `memo` (kept between builds, e.g. by the preview server) keeps merged
    papers by what they were merged from: a rebuild after one new dump re-merges only what it touched.

    `published` (from `parse_ids`: paper key -> id) holds the id each paper was first published under: a paper
    keeps it whatever dump arrives later; `Catalog.ids` is that map with this build's papers added."""
    memo = CatalogMemo() if memo is None else memo
    titles: dict[str, str] = {}
    slugs: dict[str, str] = {}
    published = published or {}
    used: dict = {}
    problems: list[Problem] = []
    ordered: list[Dump] = []
    seen_hashes: dict[str, str] = {}
    for dump in sorted(dumps, key=dump_order):
        if dump.quarantined:  # reported with its cause by whoever read it; none of it is published
            continue
        if dump.content_hash in seen_hashes:
            problems.append(Problem(dump.path, f"same content as {seen_hashes[dump.content_hash]}; counted once", severity="warning"))
            continue
        seen_hashes[dump.content_hash] = dump.path
        ordered.append(dump)

    sightings = [(dump, paper) for dump in ordered for paper in dump.papers]
    groups = _group_sightings([paper for _, paper in sightings], lambda title: memo.title(title, titles))
    merged: list[tuple[Paper, tuple[str, ...]]] = []  # (paper without id, its keys: titles, then arXiv id)
    group_of_sighting: dict[int, int] = {}
    for group_index, members in enumerate(groups):
        for member in members:
            group_of_sighting[member] = group_index
        group = [sightings[i] for i in members]
        key = tuple((digest_id(dump), dump.day, paper) for dump, paper in group)
        used[key] = memo.merged[key] if key in memo.merged else _merge(group, titles)
        merged.append(used[key])
    ids, id_problems = _assign_ids(merged, published, lambda key: memo.slug(key, slugs))
    problems += id_problems
    papers_by_group = []
    for (paper, _), paper_id in zip(merged, ids):
        key = (paper, paper_id)
        used[key] = memo.merged[key] if key in memo.merged else dataclasses.replace(paper, id=paper_id)
        papers_by_group.append(used[key])
    memo.merged, memo.titles, memo.slugs = used, titles, slugs  # what this build used, no more

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

    digests.sort(key=digest_order)
    ids_after = dict(published)
    for (_, keys), paper_id in zip(merged, ids):
        for key in keys:
            ids_after.setdefault(key, paper_id)  # a key keeps the id it was first published under
    catalog = Catalog(papers=tuple(sorted(papers_by_group, key=lambda p: p.id)), digests=tuple(digests), dumps=tuple(dumps),
                      ids=ids_after)
    return catalog, problems


def paper_keys(paper: Paper, normal: Callable[[str], str] = normalize_title) -> list[str]:
    """The one rule for "same paper": two sightings sharing a key (the normalised title, the arXiv id) are one paper."""
    keys = ["t:" + normal(paper.title)]
    if paper.arxiv_id:
        keys.append("a:" + paper.arxiv_id)
    return keys


def distinct_papers(papers: Sequence[Paper]) -> int:
    """How many papers these sightings are, by the one "same paper" rule (what `check` reports per dump)."""
    return len(_group_sightings(papers, normalize_title))


def _group_sightings(papers: Sequence[Paper], normal: Callable[[str], str]) -> list[list[int]]:
    """Sightings of the same paper (same arXiv id, or same normalised title), each group in sighting order."""
    parent = list(range(len(papers)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, paper in enumerate(papers):
        for key in paper_keys(paper, normal):
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


def _merge(sightings: list[tuple[Dump, Paper]], titles: Mapping[str, str]) -> tuple[Paper, tuple[str, ...]]:
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
    keys = [TITLE_KEY + title for title in dict.fromkeys(titles[p.title] for p in papers)]  # normalised when grouped
    keys += [ARXIV_KEY + arxiv_id for arxiv_id in dict.fromkeys(p.arxiv_id for p in papers if p.arxiv_id)]
    return paper, tuple(keys)


def _union(lists) -> tuple[str, ...]:
    """Every item once, in first-seen order; a dict, so 450,000 authors take a moment, not minutes."""
    return tuple(dict.fromkeys(item for items in lists for item in items))


def _slug(key: str) -> str:
    return slugify(key, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "paper"


def _assign_ids(merged: list[tuple[Paper, tuple[str, ...]]], published: Mapping[str, str],
                slug_of: Callable[[str], str] = lambda key: _slug(key)) -> tuple[list[str], list[Problem]]:
    """A paper published before keeps its id (found by its arXiv id, else by any of its titles). A new paper gets a
    slug of its normalised title; when that is taken (by a published paper, or by a new one seen earlier) it gets a
    suffix from its title's hash, so no published id moves when papers are added."""
    problems: list[Problem] = []
    ids: list[str] = [""] * len(merged)
    taken = set(published.values())
    claimed: set[str] = set()
    for index, (paper, keys) in enumerate(merged):
        found = list(dict.fromkeys(published[key] for key in (*_arxiv_first(keys),) if key in published))
        free = [paper_id for paper_id in found if paper_id not in claimed]
        if free:
            ids[index] = free[0]
            claimed.add(free[0])
            if len(found) > 1:
                others = ", ".join(found[1:])
                problems.append(Problem(IDS_NAME, f"papers published as {ids[index]} and {others} are one paper now; "
                                                    f"it stays at {ids[index]}", severity="warning"))
    fresh = [index for index in range(len(merged)) if not ids[index]]
    by_slug: dict[str, list[int]] = {}
    for index in fresh:
        by_slug.setdefault(slug_of(merged[index][1][0].removeprefix(TITLE_KEY)), []).append(index)
    for slug, members in by_slug.items():
        members.sort(key=lambda i: (merged[i][0].first_seen == "", merged[i][0].first_seen, merged[i][1][0]))
        for rank, index in enumerate(members):
            candidate = slug
            if rank > 0 or slug == "paper" or slug in taken or slug in claimed:
                title_key = merged[index][1][0].removeprefix(TITLE_KEY)
                digest = hashlib.sha256(title_key.encode("utf-8")).hexdigest()
                length = 6
                candidate = f"{slug}-{digest[:length]}"
                while candidate in taken or candidate in claimed:  # a published id or another new paper has it
                    length += 2
                    candidate = f"{slug}-{digest[:length]}" if length <= 64 else f"{slug}-{digest}-{length}"
            ids[index] = candidate
            claimed.add(candidate)
    return ids, problems


def _arxiv_first(keys: tuple[str, ...]) -> list[str]:
    """An arXiv id names a paper more surely than a title: look it up first."""
    return sorted(keys, key=lambda key: not key.startswith(ARXIV_KEY))


# ---- the published ids (dumps/ids.json) ----------------------------------------------------------

IDS_NAME = "ids.json"  # beside the dumps (store.IDS_NAME)
MAX_IDS_BYTES = 256 * 1024 * 1024  # 5,000 papers take 0.9 MB
TITLE_KEY = "title:"
ARXIV_KEY = "arxiv:"
IDS_VERSION = 1


class IdMapError(ValueError):
    """The id map cannot be read; a build must not go on without it (published ids could move)."""


def parse_ids(text: str | None) -> dict[str, str]:
    """Paper key (`arxiv:<id>` or `title:<normalised title>`) -> published id, from the text of `ids.json`."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise IdMapError(f"not valid JSON ({str(error).split(':')[0]})") from None
    if not isinstance(data, dict) or data.get("version") != IDS_VERSION or not isinstance(data.get("ids"), dict):
        raise IdMapError(f'expected {{"version": {IDS_VERSION}, "ids": {{id: [keys]}}}}')
    out: dict[str, str] = {}
    for paper_id, keys in data["ids"].items():
        if not isinstance(keys, list) or not all(isinstance(k, str) and k.startswith((TITLE_KEY, ARXIV_KEY)) for k in keys):
            raise IdMapError(f"id {paper_id!r}: expected a list of 'title:…' or 'arxiv:…' keys")
        for key in keys:
            if out.setdefault(key, paper_id) != paper_id:
                raise IdMapError(f"key {key!r} belongs to both {out[key]!r} and {paper_id!r}")
    return out


# An id as _slug and _assign_ids make them: what a copy of the map from elsewhere may name (it becomes a path).
_PUBLISHED_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")


def with_site_ids(committed: Mapping[str, str], site_text: str | None) -> tuple[dict[str, str], str]:
    """The committed map (dumps/ids.json) and what the published site's copy of it (api/ids.json) knows besides:
    the ids a deployment published but never committed back (a CI runner writes dumps/ids.json on its own disk
    only). The committed map wins: a key it has, or an id it gives to some key, is not taken from the site's copy,
    nor is an entry whose id is no id this code would make. Returns the map and a reason when some or all of the
    site's copy went unused ("" when all was fine)."""
    try:
        site = parse_ids(site_text)
    except IdMapError as error:
        return dict(committed), f"not used: {error}"
    merged = dict(committed)
    taken = set(committed.values())
    odd = 0
    for key, paper_id in site.items():
        if not _PUBLISHED_ID.fullmatch(paper_id):
            odd += 1
        elif key not in merged and paper_id not in taken:
            merged[key] = paper_id
    return merged, f"{odd} entries whose id is not a slug were not used" if odd else ""


def ids_text(ids: Mapping[str, str]) -> str:
    """`ids.json`: one line per published id with its keys, sorted, so the same map gives the same bytes."""
    by_id: dict[str, list[str]] = {}
    for key, paper_id in ids.items():
        by_id.setdefault(paper_id, []).append(key)
    lines = [f"{json.dumps(paper_id)}: {json.dumps(sorted(keys))}" for paper_id, keys in sorted(by_id.items())]
    return f'{{"version": {IDS_VERSION}, "ids": {{\n' + ",\n".join(lines) + "\n}}\n"
