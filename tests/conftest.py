"""Shared test factories."""

from __future__ import annotations

import dataclasses

import pytest

from generator.models import Catalog, Digest, Paper


def make_paper(**overrides) -> Paper:
    """A plausible merged paper; override any field."""
    base = dict(
        id="a-study-of-things",
        title="A Study of Things",
        abstract="We study things. Things are studied with care and found to be interesting.",
        digests=("2025-03-11-aaaaaaaa",),
        first_seen="2025-03-11",
    )
    base.update(overrides)
    return Paper(**base)


def make_digest(**overrides) -> Digest:
    base = dict(
        id="2025-03-11-aaaaaaaa",
        source="000_aaaaaaaa.txt",
        format="text",
        day="2025-03-11",
        paper_ids=("a-study-of-things",),
    )
    base.update(overrides)
    return Digest(**base)


def make_catalog(papers, digests=None) -> Catalog:
    papers = tuple(sorted(papers, key=lambda p: p.id))
    if digests is None:
        by_digest: dict[str, list[str]] = {}
        days: dict[str, str] = {}
        for p in papers:
            for d in p.digests:
                by_digest.setdefault(d, []).append(p.id)
                days.setdefault(d, p.first_seen if d == p.digests[0] else "")
        digests = [
            make_digest(id=d, day=days[d], paper_ids=tuple(ids), source=f"{d}.txt")
            for d, ids in sorted(by_digest.items(), reverse=True)
        ]
    return Catalog(papers=papers, digests=tuple(digests), dumps=())


@pytest.fixture
def paper_factory():
    return make_paper


def replace(obj, **changes):
    return dataclasses.replace(obj, **changes)
