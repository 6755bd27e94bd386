"""`python -m generator topics`: the maintainer's report on how the taxonomy tags the papers."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT
from generator.catalog import build_catalog
from generator.cli import main
from generator.ingest import read_dumps
from generator.topics import assign_topics, load_taxonomy

SMALL_TAXONOMY = """\
topics:
  - slug: vision
    name: Vision
    description: Images.
    include: [image, visual]
  - slug: language
    name: Language
    description: Text.
    include: [language model, text]
  - slug: speech
    name: Speech
    description: Speech.
    include: [speech]
  - slug: empty-one
    name: Nothing
    description: Never matches.
    include: [underwater basket weaving]
  - slug: other
    name: Other
    description: The rest.
    catch_all: true
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["topics", "--dumps", str(ROOT / "dumps"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def small(tmp_path: Path) -> Path:
    path = tmp_path / "topics.yml"
    path.write_text(SMALL_TAXONOMY, encoding="utf-8")
    return path


def test_json_report_counts_weak_papers_overlaps_and_suggestions(tmp_path, capsys):
    taxonomy = small(tmp_path)
    code, out, _ = run(capsys, "--topics", str(taxonomy), "--json")
    assert code == 0
    report = json.loads(out)
    dumps, _ = read_dumps([ROOT / "dumps"])
    papers = build_catalog(dumps)[0].papers
    tags = assign_topics(papers, load_taxonomy(taxonomy))
    assert report["papers"] == len(papers) == 485
    counts = {line["slug"]: line["papers"] for line in report["topics"]}
    for slug in ("vision", "language", "speech", "other"):
        assert counts[slug] == sum(slug in t for t in tags.values()), slug
    assert report["in_catch_all"] == counts["other"] > 0
    assert report["empty_topics"] == ["empty-one"]
    # Every paper in the catch-all is among the weakly tagged ones, which the clusters are made of.
    weak = {p["id"] for p in report["weak_papers"]}
    assert {pid for pid, t in tags.items() if t == ("other",)} <= weak
    titles = {p["title"] for p in report["weak_papers"]}
    assert report["suggestions"]
    for suggestion in report["suggestions"]:
        assert suggestion["papers"] >= 3 and suggestion["phrases"]
        assert suggestion["titles"] and set(suggestion["titles"]) <= titles
    pair = report["overlaps"][0]
    assert sorted(pair["topics"]) == pair["topics"] and 0 < pair["jaccard"] <= 1 and pair["papers"] >= 3
    # Same input, same report.
    assert run(capsys, "--topics", str(taxonomy), "--json")[1] == out


def test_text_report_reads_as_a_table_with_sections(tmp_path, capsys):
    code, out, _ = run(capsys, "--topics", str(small(tmp_path)), "--top", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("485 papers, 5 topics; 0 without a topic, ")
    assert "in the catch-all 'other'" in lines[0]
    assert any(line.split()[:1] == ["vision"] and line.split()[1].isdigit() for line in lines)
    assert "no papers (no page or feed yet): empty-one" in out
    assert "Papers tagged only by fallback or weak evidence:" in out
    overlap = lines.index("Most overlapping topics (papers with both, Jaccard):")
    assert " + " in lines[overlap + 1]
    suggested = lines.index("Suggested new topics (clusters of the weakly tagged papers):")
    assert lines[suggested + 1].startswith("  1. ") and lines[suggested + 2].startswith("       - ")
    assert sum(line.startswith(("  1. ", "  2. ", "  3. ", "  4. ")) for line in lines[suggested:]) <= 3


def test_shipped_taxonomy_report_runs(capsys):
    code, out, _ = run(capsys, "--topics", str(ROOT / "topics.yml"))
    assert code == 0 and "representation-learning" in out


def test_bad_taxonomy_is_one_line_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "topics.yml"
    bad.write_text("topics:\n  - slug: x\n    name: X\n    inclde: [x]\n", encoding="utf-8")
    code, out, err = run(capsys, "--topics", str(bad))
    assert code == 1 and out == ""
    assert err.strip() == f"{bad}:4: topic 'x': unknown key 'inclde'"


def test_help_has_an_example(capsys):
    try:
        main(["topics", "--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert "example:\n  python -m generator topics" in capsys.readouterr().out
