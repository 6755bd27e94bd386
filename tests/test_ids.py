"""Published ids never move: dumps/ids.json keeps the id each paper was first published under."""

from __future__ import annotations

import json

from generator.catalog import build_catalog, ids_text, parse_ids
from generator.models import Dump, Paper
from test_quarantine import make_project, run_build


def api_page(day: str, *papers: tuple[str, str]) -> str:
    """A daily papers API answer for `day` with (arXiv id, title) papers."""
    return json.dumps({"date": day, "dailyPapers": [
        {"paper": {"id": arxiv_id, "title": title, "summary": f"We study {title.lower()} in depth.",
                   "authors": [{"name": "Ada Lovelace"}]}} for arxiv_id, title in papers]})


def records(project) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads((project / "site_src" / "api" / "papers.json").read_text(encoding="utf-8"))}


def test_a_backdated_dump_with_an_existing_arxiv_id_does_not_move_the_published_page(tmp_path, capsys):
    project = make_project(tmp_path, first__json=api_page("2025-03-11", ("2503.00001", "Original Title Of The Paper")))
    assert run_build(project, capsys)[0] == 0
    assert "original-title-of-the-paper" in records(project)
    ids_before = (project / "dumps" / "ids.json").read_text(encoding="utf-8")

    # A capture of an earlier day carries the same arXiv id under the title the paper had then.
    (project / "dumps" / "older.json").write_text(api_page("2025-03-01", ("2503.00001", "Earlier Title: A Longer One")))
    assert run_build(project, capsys)[0] == 0
    published = records(project)
    assert "original-title-of-the-paper" in published and "earlier-title-a-longer-one" not in published
    assert published["original-title-of-the-paper"]["first_seen"] == "2025-03-01"  # the paper is merged, its URL kept
    assert published["original-title-of-the-paper"]["url"].endswith("/papers/original-title-of-the-paper/")
    assert ids_before != (project / "dumps" / "ids.json").read_text(encoding="utf-8")  # the new title is recorded too

    # Without the map the earliest sighting would name the paper: the map is what keeps the URL.
    (project / "dumps" / "ids.json").unlink()
    assert run_build(project, capsys)[0] == 0
    assert "earlier-title-a-longer-one" in records(project)


def test_same_dumps_and_id_map_give_the_same_bytes(tmp_path, capsys):
    project = make_project(tmp_path, first__json=api_page("2025-03-11", ("2503.00001", "A Paper"), ("2503.00002", "Another Paper")))
    assert run_build(project, capsys)[0] == 0
    snapshot = {p: p.read_bytes() for p in sorted((project / "site_src").rglob("*")) if p.is_file()}
    ids = (project / "dumps" / "ids.json").read_bytes()
    assert run_build(project, capsys)[0] == 0
    assert {p: p.read_bytes() for p in sorted((project / "site_src").rglob("*")) if p.is_file()} == snapshot
    assert (project / "dumps" / "ids.json").read_bytes() == ids


def test_an_id_once_published_is_never_given_to_another_paper(tmp_path, capsys):
    long_start = "Shared Words " * 8  # slugs are cut at 80 characters: two titles, one slug
    project = make_project(tmp_path, first__json=api_page("2025-03-11", ("2503.00001", long_start + "Part One")))
    assert run_build(project, capsys)[0] == 0
    [old_id] = [pid for pid in records(project) if pid.startswith("shared-words")]
    (project / "dumps" / "first.json").unlink()  # the paper goes away; its URL stays reserved for it
    (project / "dumps" / "second.json").write_text(api_page("2025-03-12", ("2503.00009", long_start + "Part Two")))
    assert run_build(project, capsys)[0] == 0
    new_ids = [pid for pid in records(project) if pid.startswith("shared-words")]
    assert len(new_ids) == 1 and new_ids[0] != old_id and new_ids[0].startswith(old_id)


def test_a_corrupt_id_map_fails_the_build_with_one_line(tmp_path, capsys):
    project = make_project(tmp_path)
    (project / "dumps" / "ids.json").write_text('{"version": 1, "ids": {"a": ["title:x"], "b": ["title:x"]}}')
    code, err = run_build(project, capsys)
    assert code == 1 and "ids.json" in err and "belongs to both" in err and "Traceback" not in err


def test_id_map_round_trips_and_the_catalog_prefers_the_arxiv_id():
    dump = Dump("d.json", "json", (Paper(title="New Title", abstract="A.", arxiv_id="2503.00001"),), day="2025-03-01",
                content_hash="ab" * 32)
    published = {"arxiv:2503.00001": "old-id", "title:new title": "some-other-id"}
    catalog, problems = build_catalog([dump], published=published)
    assert [p.id for p in catalog.papers] == ["old-id"]
    assert any("some-other-id" in p.message for p in problems)  # two published papers are one now: said, not hidden
    assert parse_ids(ids_text(catalog.ids)) == catalog.ids


def test_authors_merge_in_first_seen_order_without_repeats():
    one = Dump("a.json", "json", (Paper(title="T", abstract="A.", authors=("B", "A")),), day="2025-03-01", content_hash="a" * 64)
    two = Dump("b.json", "json", (Paper(title="T", abstract="A.", authors=("C", "A", "B", "D")),), day="2025-03-02", content_hash="b" * 64)
    catalog, _ = build_catalog([two, one])
    assert catalog.papers[0].authors == ("B", "A", "C", "D")
