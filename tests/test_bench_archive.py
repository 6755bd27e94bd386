"""bench/make_archive.py writes an archive that the real readers take without a problem."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import make_archive  # noqa: E402

from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402

N = 120


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("archive") / "dumps"
    make_archive.make_archive(N, out, seed=0)
    return out


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_reads_cleanly_into_the_requested_number_of_papers(archive):
    dumps, general = read_dumps([archive])
    catalog, merged = build_catalog(dumps)
    problems = [*general, *merged, *(p for d in dumps for p in d.problems)]
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert [str(p) for p in problems] == []  # not even a warning: every dump is dated, none repeats another
    assert len(catalog.papers) == N


def test_both_formats_dated_days_increasing_and_repeats(archive):
    dumps, _ = read_dumps([archive])
    assert {d.format for d in dumps} == {"text", "json"}
    formats = [d.format for d in sorted(dumps, key=lambda d: d.day)]
    assert formats.count("text") > formats.count("json")
    days = sorted(d.day for d in dumps)
    assert all(days) and days[0] == "2023-01-02"
    dates = [dt.date.fromisoformat(d) for d in days]
    assert all((b - a).days == 1 for a, b in zip(dates, dates[1:]))  # one digest a day, consecutive days
    catalog, _ = build_catalog(dumps)
    entries = sum(d.entries for d in dumps)
    assert entries > N  # some papers appear on more than one day
    assert sum(len(d.repeats) for d in catalog.digests) == entries - N
    for digest in catalog.digests:  # a repeat was first seen on an earlier day
        for paper_id in digest.repeats:
            paper = next(p for p in catalog.papers if p.id == paper_id)
            assert paper.first_seen < digest.day
    papers = catalog.papers
    assert all(8 <= len(p.title.split()) <= 14 + 2 for p in papers)
    assert all(1100 <= len(p.abstract) <= 1800 and p.abstract.endswith(".") and not p.truncated for p in papers)
    assert any(p.links for p in papers)
    assert any(p.arxiv_id for p in papers) and any(p.authors for p in papers)


def test_text_dumps_look_like_copied_pages_and_have_capture_dates(archive):
    text = sorted(archive.glob("*.txt"))
    assert text
    first = text[0].read_text(encoding="utf-8").split("\n\n")
    assert first[:5] == ["new", "Get trending papers in your email inbox!", "Subscribe", "byAK and the research community", "Jan 2"]
    manifest = (archive / "manifest.yml").read_text(encoding="utf-8")
    assert all(f"  {p.name}:\n    captured: {p.name[:10]}\n" in manifest for p in text)


def test_papers_get_topics_from_the_taxonomy(archive):
    from generator.topics import assign_topics, load_taxonomy

    dumps, _ = read_dumps([archive])
    catalog, _ = build_catalog(dumps)
    tags = assign_topics(catalog.papers, load_taxonomy(make_archive.ROOT / "topics.yml"))
    counts = [len(t) for t in tags.values()]
    assert min(counts) >= 1 and max(counts) <= 5
    assert sum(1 <= c <= 4 for c in counts) >= 0.95 * len(counts)
    assert len({s for t in tags.values() for s in t}) >= 20


def test_same_seed_same_bytes_other_seed_other_bytes(archive, tmp_path):
    make_archive.make_archive(N, tmp_path / "again", seed=0)
    assert tree_bytes(tmp_path / "again") == tree_bytes(archive)
    make_archive.make_archive(N, tmp_path / "other", seed=1)
    assert tree_bytes(tmp_path / "other") != tree_bytes(archive)


def test_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(SystemExit):
        make_archive.make_archive(5, tmp_path, seed=0)
    assert (tmp_path / "mine.txt").read_text() == "precious"
