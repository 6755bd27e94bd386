"""Published ids never move: dumps/ids.json keeps the id each paper was first published under."""

from __future__ import annotations

import json
import shutil

from generator.catalog import build_catalog, ids_text, parse_ids
from generator.model import Dump, Paper
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


def ci_runner(project, committed_ids: str, published_ids: str | bytes | None) -> None:
    """What a deploy runner starts from: the committed dumps/ids.json, and a site folder holding only what
    .ci/restore_feeds.py fetched from the live site (its feeds and, when given, its api/ids.json)."""
    (project / "dumps" / "ids.json").write_text(committed_ids, encoding="utf-8")
    site = project / "site"
    shutil.rmtree(site, ignore_errors=True)
    if published_ids is not None:
        (site / "api").mkdir(parents=True)
        (site / "api" / "ids.json").write_bytes(published_ids.encode("utf-8") if isinstance(published_ids, str) else published_ids)


def test_an_id_a_deployment_published_but_never_committed_is_kept_by_the_next_deployment(tmp_path, capsys):
    project = make_project(tmp_path)
    assert run_build(project, capsys)[0] == 0
    committed = (project / "dumps" / "ids.json").read_text(encoding="utf-8")  # what git has

    # A deployment builds a new dump; its runner's dumps/ids.json is thrown away with the runner.
    (project / "dumps" / "first.json").write_text(api_page("2025-03-11", ("2503.00001", "Original Title Of The Paper")))
    assert run_build(project, capsys)[0] == 0
    published = (project / "site_src" / "api" / "ids.json").read_text(encoding="utf-8")  # what the site publishes
    assert "original-title-of-the-paper" in published and "original-title-of-the-paper" not in committed

    # The next deployment: a backdated capture of the paper under its earlier title arrives.
    (project / "dumps" / "older.json").write_text(api_page("2025-03-01", ("2503.00001", "Earlier Title: A Longer One")))
    ci_runner(project, committed, published)
    code, err = run_build(project, capsys)
    assert code == 0 and "Traceback" not in err
    assert "original-title-of-the-paper" in records(project) and "earlier-title-a-longer-one" not in records(project)
    assert "original-title-of-the-paper" in (project / "dumps" / "ids.json").read_text(encoding="utf-8")

    # Without the published copy the paper would move: the copy is what keeps the URL.
    ci_runner(project, committed, None)
    assert run_build(project, capsys)[0] == 0
    assert "earlier-title-a-longer-one" in records(project)


def test_the_committed_id_map_wins_over_the_published_copy_and_a_bad_copy_is_only_a_warning(tmp_path, capsys):
    project = make_project(tmp_path, first__json=api_page("2025-03-11", ("2503.00001", "Original Title Of The Paper")))
    assert run_build(project, capsys)[0] == 0
    committed = (project / "dumps" / "ids.json").read_text(encoding="utf-8")
    ids = records(project)

    # A copy that gives the paper another id, an id that is a path, and one that takes a committed id for a new key.
    hostile = json.dumps({"version": 1, "ids": {"elsewhere": ["arxiv:2503.00001"], "../../escape": ["title:new one"],
                                                "original-title-of-the-paper": ["title:unrelated paper"]}})
    ci_runner(project, committed, hostile)
    (project / "dumps" / "second.json").write_text(api_page("2025-03-12", ("2503.00002", "New One"), ("2503.00003", "Unrelated Paper")))
    code, err = run_build(project, capsys)
    assert code == 0 and "Traceback" not in err
    after = records(project)
    assert set(ids) <= set(after) and "elsewhere" not in after
    assert {"new-one", "unrelated-paper"} <= set(after)
    assert "1 entries whose id is not a slug were not used" in err
    assert not (project / "escape").exists() and not any("escape" in p.name for p in project.rglob("*"))

    for broken in (b'{"version": 1, "ids": [', b'{"version": 2}', b"\xff\xfe not text"):
        ci_runner(project, committed, broken)
        code, err = run_build(project, capsys)
        assert code == 0 and "Traceback" not in err, err
        assert "site/api/ids.json: warning: " in err and set(ids) <= set(records(project))
