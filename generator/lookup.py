"""The browser extension's look-up shards (api/lookup/): one paper and its related papers, found by arXiv id or by
normalised title in two small static files, instead of the whole catalog (api/papers.json).

Layout (JSON, UTF-8, keys sorted: the same catalog gives the same bytes):

- `api/lookup/index.json`: `{"version": 1, "arxiv": A, "title": T}`, the number of shards in each key space
  (powers of two, the fewest that keep every shard within its limit).
- `api/lookup/title/<n>.json`: `{"<normalised title>": record, ...}`, every paper under the key the catalog merges
  titles by (`textclean.normalize_title`, unique per paper), n = shard_of(key, T).
- `api/lookup/arxiv/<n>.json`: `{"<arXiv id>": "<normalised title>", ...}`, a pointer into the title shards for
  every paper with an arXiv id (no version, no "arXiv:" prefix), n = shard_of(id, A).

A record: `{"id", "title", "related": [{"id", "title", "score"}, ...]}`, related papers best first, other versions
of the same work left out (as in api/papers.json); a paper's page is `papers/<id>/` under the site URL.

A look-up (extension/lib/lookup.js) reads index.json, the arXiv shard of the page's id when it has one, and one
title shard (the pointed-to key, else the page's own title): at most index.json + ARXIV_SHARD_BYTES +
TITLE_SHARD_BYTES, under 30 KB.
"""

from __future__ import annotations

import hashlib
import json
import re

from .model import Paper
from .textclean import normalize_title

LOOKUP_DIR = "api/lookup"
VERSION = 1
ARXIV_SHARD_BYTES = 2_500
TITLE_SHARD_BYTES = 24_000
_VERSION_SUFFIX = re.compile(r"v\d+$")


def arxiv_key(arxiv_id: str) -> str:
    """'arXiv:2401.12345v2' -> '2401.12345'; '' for no id."""
    text = arxiv_id.strip()
    if text[:6].lower() == "arxiv:":
        text = text[6:]
    return _VERSION_SUFFIX.sub("", text)


def title_key(title: str) -> str:
    return normalize_title(title)


def shard_of(key: str, count: int) -> int:
    """The first 32 bits of the key's SHA-256 (big-endian) modulo count: what the extension computes too."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big") % count


def _json(value) -> str:
    """Compact, deterministic JSON, with `<`, `>`, `&` as `\\u` escapes like every JSON file of the site (pages.common.json_text)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def lookup_files(papers, related: dict, memo: dict | None = None) -> dict[str, str]:
    """Path (relative to the docs folder) -> text, for index.json and every shard.

    `related` is what the build computed: paper id -> its Related links (versions marked). `memo` (paper id -> its
    entry: title key, record, arXiv key, the ids it names) holds the entries of an earlier build for the papers that
    did not change since (pages.common.Fragments); the entries made here are added to it."""
    memo = {} if memo is None else memo
    by_id: dict[str, Paper] = {paper.id: paper for paper in papers}
    titles: dict[str, str] = {}
    arxiv: dict[str, str] = {}
    for paper in papers:
        entry = memo.get(paper.id)
        if entry is None:
            links = [r for r in related.get(paper.id, ()) if not r.version and r.id in by_id]
            record = _json({"id": paper.id, "title": paper.title,
                            "related": [{"id": r.id, "title": by_id[r.id].title, "score": r.score} for r in links]})
            entry = memo[paper.id] = (title_key(paper.title), record, arxiv_key(paper.arxiv_id) if paper.arxiv_id else "",
                                      frozenset(r.id for r in links))
        key, record, akey, _ = entry
        if not key or key in titles:  # the catalog merges equal keys: a second one would be another paper's
            continue
        titles[key] = record
        if akey:
            arxiv.setdefault(akey, _json(key))
    arxiv_count, arxiv_files = _shards("arxiv", arxiv, ARXIV_SHARD_BYTES)
    title_count, title_files = _shards("title", titles, TITLE_SHARD_BYTES)
    index = _json({"version": VERSION, "arxiv": arxiv_count, "title": title_count})
    return {f"{LOOKUP_DIR}/index.json": index + "\n", **arxiv_files, **title_files}


def _shards(space: str, entries: dict[str, str], limit: int) -> tuple[int, dict[str, str]]:
    """The fewest shards (a power of two) whose largest stays within `limit` bytes, and their files."""
    items = sorted((_json(key), shard_of(key, 1 << 32), value) for key, value in entries.items())
    sizes = [len(key.encode()) + len(value.encode()) + 2 for key, _, value in items]  # '"key":value,'
    count = 1
    while count * limit < sum(sizes):
        count *= 2
    while count < len(items):
        totals = [2] * count
        for (_, h, _), size in zip(items, sizes):
            totals[h % count] += size
        if max(totals) <= limit:
            break
        count *= 2
    buckets: list[list[str]] = [[] for _ in range(count)]
    for key, h, value in items:
        buckets[h % count].append(f"{key}:{value}")
    return count, {f"{LOOKUP_DIR}/{space}/{n}.json": "{" + ",".join(b) + "}\n" for n, b in enumerate(buckets)}
