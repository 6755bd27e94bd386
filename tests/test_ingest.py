"""Ingestion: every dump format in, one clean deduplicated catalog out."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.catalog import build_catalog
from generator.ingest import read_dumps
from generator.readers import read_dump
from generator.readers.text import PAGE_CHROME, parse_day_header
from generator.textclean import clean_text, find_urls, looks_truncated

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "dumps"
EXPECTED_ENTRIES = {
    "000_efc7d801c89ff12f.txt": 86,
    "001_120a7a50bfe0627e.txt": 225,
    "002_c5d5f6f2fd791c7f.txt": 67,
    "003_9c018e98a1853f2f.txt": 81,
    "004_d8829a0779a8d458.txt": 65,
}


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


# ---- the bundled dumps -------------------------------------------------------------------------


def test_check_bundled_dumps_counts_every_entry_and_distinct_paper():
    result = run_cli("check", "--json", "dumps")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    per_file = {Path(d["path"]).name: d["entries"] for d in report["dumps"]}
    assert per_file == EXPECTED_ENTRIES
    assert sum(per_file.values()) == 524
    assert report["papers"] == 485
    assert all(d["format"] == "text" for d in report["dumps"])


def test_check_text_output_summarises_and_warns_about_the_undated_dump():
    result = run_cli("check", "dumps")
    assert result.returncode == 0
    assert "5 dumps, 524 entries, 485 distinct papers" in result.stdout
    assert "001_120a7a50bfe0627e.txt: warning: no digest day" in result.stdout


def test_check_counts_a_dumps_papers_by_the_catalogs_rule(tmp_path):
    """One paper seen under two titles (same arXiv id) is one paper for `check`, as for the catalog."""
    page = {"date": "2025-03-11", "dailyPapers": [
        {"paper": {"id": "2503.00001", "title": "A First Title", "summary": "We study things."}},
        {"paper": {"id": "2503.00001", "title": "A Revised Title", "summary": "We study things again."}},
        {"paper": {"id": "2503.00002", "title": "Another Paper", "summary": "Something else."}}]}
    (tmp_path / "d.json").write_text(json.dumps(page), encoding="utf-8")
    result = run_cli("check", "--json", str(tmp_path / "d.json"))
    report = json.loads(result.stdout)
    assert [d["papers"] for d in report["dumps"]] == [2] and report["papers"] == 2, result.stdout + result.stderr


def test_bundled_days_come_from_headers_and_the_manifest_year():
    dumps, problems = read_dumps([BUNDLED])
    assert not problems
    days = {Path(d.path).name: d.day for d in dumps}
    assert days["000_efc7d801c89ff12f.txt"] == "2025-03-11"
    assert days["002_c5d5f6f2fd791c7f.txt"] == "2025-03-12"
    assert days["001_120a7a50bfe0627e.txt"] == ""  # no header, no capture date: undated, never today


def test_subscribe_glued_to_the_first_title_is_dropped():
    dumps, _ = read_dumps([BUNDLED / "001_120a7a50bfe0627e.txt"])
    assert dumps[0].papers[0].title.startswith("FusionRetro: Molecule Representation Fusion")


def test_page_chrome_never_becomes_a_paper():
    dumps, _ = read_dumps([BUNDLED])
    titles = {p.title.casefold() for d in dumps for p in d.papers}
    assert not titles & PAGE_CHROME
    assert not any(t.startswith("subscribe") for t in titles)


def test_catalog_merges_repeats_and_keeps_every_digest():
    dumps, _ = read_dumps([BUNDLED])
    catalog, _ = build_catalog(dumps)
    assert len(catalog.papers) == 485
    repeated = [p for p in catalog.papers if len(p.digests) > 1]
    assert repeated, "the seeds repeat papers across files"
    assert len({p.id for p in catalog.papers}) == 485
    assert sum(len(d.paper_ids) for d in catalog.digests) == 524
    for paper in repeated:
        days = [d.day for d in catalog.digests if d.id in paper.digests and d.day]
        assert paper.first_seen == (min(days) if days else "")


# ---- line ends, BOM, odd input -----------------------------------------------------------------


def test_crlf_and_bom_give_the_same_papers(tmp_path):
    original = (BUNDLED / "000_efc7d801c89ff12f.txt").read_bytes()
    variants = {
        "lf.txt": original,
        "crlf.txt": original.replace(b"\n", b"\r\n"),
        "bom.txt": b"\xef\xbb\xbf" + original,
        "spaces.txt": original.replace(b"\n", b"   \n"),
    }
    results = {}
    for name, data in variants.items():
        results[name] = read_dump(name, data)
    reference = results["lf.txt"].papers
    assert len(reference) == 86
    for name, dump in results.items():
        assert dump.papers == reference, name
        assert dump.month_day == "03-11"
        assert dump.clean


def test_blank_lines_between_entries_are_optional():
    tight = "Mar 11\nTitle One\nAbstract one is here.\nTitle Two\nAbstract two is here.\n"
    loose = "Mar 11\n\nTitle One\n\nAbstract one is here.\n\n\nTitle Two\n\nAbstract two is here.\n"
    assert read_dump("a.txt", tight.encode()).papers == read_dump("b.txt", loose.encode()).papers


@pytest.mark.parametrize(
    ("name", "data", "cause"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n  ", "empty file"),
        ("binary.txt", bytes(range(256)) * 4, "binary file"),
        ("page.html", b"<html><body><h1>Nothing here</h1></body></html>", "HTML page with no papers"),
        ("none.json", b"[]", "no papers"),
        ("broken.json", b"{not json", "not valid JSON"),
        ("lonely.txt", b"Mar 11\nA title and nothing else\n", "title with no abstract"),
    ],
)
def test_bad_dumps_get_a_one_line_problem_naming_file_and_cause(tmp_path, name, data, cause):
    path = tmp_path / name
    path.write_bytes(data)
    result = run_cli("check", str(path))
    assert result.returncode == 1
    problem_lines = [line for line in result.stdout.splitlines() if "error:" in line]
    assert problem_lines, result.stdout
    assert str(path) in problem_lines[0] and cause in problem_lines[0]
    assert "Traceback" not in result.stderr


def test_odd_lines_are_reported_and_the_readable_rest_kept(tmp_path):
    long_line = "x " * 400
    text = (
        "Mar 11\n"
        "Good Title One\nA readable abstract of the first paper.\n"
        f"{long_line}\n"
        "Good Title Two\nA readable abstract of the second paper.\n"
        "Orphan Title\n"
        "Good Title Three\n" + ("A long abstract that clearly is one. " * 12) + "\n"
    )
    path = tmp_path / "odd.txt"
    path.write_text(text)
    dump = read_dump(str(path), text.encode())
    titles = [p.title for p in dump.papers]
    assert titles[:2] == ["Good Title One", "Good Title Two"]
    assert "Good Title Three" in titles
    messages = [str(p) for p in dump.problems]
    assert any("fits nowhere" in m and ":4:" in m for m in messages), messages
    assert any("title with no abstract" in m and "Orphan Title" in m for m in messages), messages
    result = run_cli("check", str(path))
    assert result.returncode == 1


def test_undecodable_bytes_are_reported_and_the_rest_read():
    data = "Mar 11\nTitle A\nAbstract A.\n".encode() + b"Title \xff B\nAbstract B.\n"
    dump = read_dump("latin.txt", data)
    assert [p.title[:5] for p in dump.papers] == ["Title", "Title"]
    assert any("undecodable bytes" in str(p) for p in dump.problems)
    assert not dump.clean


def test_check_usage_errors_exit_2():
    assert run_cli("check").returncode == 2
    assert run_cli("frobnicate").returncode == 2


# ---- HTML and JSON dumps -----------------------------------------------------------------------


def _api_items():
    return [
        {
            "paper": {
                "id": "2503.01234",
                "title": "Dense Retrieval With <b>Tricks</b>",
                "summary": "We retrieve \\& rerank. Code: https://github.com/org/repo.",
                "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
                "upvotes": 42,
                "githubRepo": "https://github.com/org/repo",
                "projectPage": "https://org.github.io/repo/",
                "publishedAt": "2025-03-10T17:00:00.000Z",
            },
            "publishedAt": "2025-03-11T06:00:00.000Z",
            "numComments": 3,
            "thumbnail": "https://cdn.example/thumb.png",
        },
        {
            "paper": {
                "id": "2503.05678",
                "title": "Video Diffusion at Scale",
                "summary": "A video model.",
                "authors": [],
                "upvotes": 7,
            },
            "publishedAt": "2025-03-11T06:00:00.000Z",
        },
    ]


def test_html_hydration_json_gives_ids_upvotes_authors_links_and_day():
    props = html.escape(json.dumps({"dateString": "2025-03-11", "dailyPapers": _api_items()}), quote=True)
    page = f'<!doctype html><html><head><link rel="canonical" href="https://huggingface.co/papers?date=2025-03-11"></head><body><div data-target="DailyPapers" data-props="{props}"></div></body></html>'
    dump = read_dump("page.html", page.encode())
    assert dump.format == "html" and dump.clean
    assert dump.day == "2025-03-11"
    first, second = dump.papers
    assert (first.arxiv_id, first.upvotes, second.arxiv_id, second.upvotes) == ("2503.01234", 42, "2503.05678", 7)
    assert first.authors == ("Ada Lovelace", "Alan Turing")
    assert first.links[:2] == ("https://org.github.io/repo/", "https://github.com/org/repo")
    assert first.abstract == "We retrieve & rerank. Code: https://github.com/org/repo."
    assert first.title == "Dense Retrieval With <b>Tricks</b>"  # kept as text; escaped where it lands


def test_html_search_page_reads_search_results():
    items = [item["paper"] for item in _api_items()]
    props = html.escape(json.dumps({"searchResults": items}), quote=True)
    page = f'<html><body><section data-target="DailyPapers" data-props="{props}"></section></body></html>'
    dump = read_dump("search.html", page.encode())
    assert [p.arxiv_id for p in dump.papers] == ["2503.01234", "2503.05678"]


def test_html_cards_rendered_twice_dedupe_by_id():
    def card(arxiv_id, title, abstract, votes):
        return (
            f'<article class="x{arxiv_id}"><div><div class="u">{votes}</div></div>'
            f'<h3><a href="/papers/{arxiv_id}">{title}</a></h3><p>{abstract}</p></article>'
        )

    cards = card("2503.00001", "First &amp; Best", "Abstract one.", 12) + card("2503.00002", "Second", "Abstract two.", "-")
    page = f"<html><body><div class='mobile'>{cards}</div><div class='desktop'>{cards}</div></body></html>"
    dump = read_dump("cards.html", page.encode())
    assert [(p.arxiv_id, p.title, p.upvotes) for p in dump.papers] == [
        ("2503.00001", "First & Best", 12),
        ("2503.00002", "Second", 0),
    ]


def test_api_json_gives_papers_and_the_day_they_were_posted():
    dump = read_dump("daily.json", json.dumps(_api_items()).encode())
    assert dump.format == "json" and dump.clean
    assert [(p.arxiv_id, p.upvotes) for p in dump.papers] == [("2503.01234", 42), ("2503.05678", 7)]
    assert dump.day == "2025-03-11"
    assert dump.papers[0].published == "2025-03-10"


def test_richer_dump_merges_into_text_sighting_without_changing_the_id(tmp_path):
    (tmp_path / "a.txt").write_text("Mar 10\nVideo Diffusion at Scale\nA video model, short version.\n")
    (tmp_path / "manifest.yml").write_text("dumps:\n  a.txt: {captured: 2025-03-10}\n")
    catalog_before, _ = build_catalog(read_dumps([tmp_path])[0])
    (tmp_path / "b.json").write_text(json.dumps(_api_items()))
    catalog_after, _ = build_catalog(read_dumps([tmp_path])[0])
    before = {p.title: p for p in catalog_before.papers}["Video Diffusion at Scale"]
    after = {p.title: p for p in catalog_after.papers}["Video Diffusion at Scale"]
    assert after.id == before.id
    assert after.arxiv_id == "2503.05678" and after.upvotes == 7
    assert after.abstract == "A video model, short version."  # the longest abstract wins
    assert after.first_seen == "2025-03-10"
    assert len(after.digests) == 2


def test_same_title_modulo_case_punctuation_and_spacing_is_one_paper(tmp_path):
    (tmp_path / "a.txt").write_text("Mar 10\nLLaMA-Adapter: Efficient  Fine-tuning\nShort.\n")
    (tmp_path / "b.txt").write_text("Mar 11\nllama adapter efficient fine tuning!\nA longer abstract wins. See https://github.com/x/y.\n")
    (tmp_path / "manifest.yml").write_text("dumps:\n  a.txt: {captured: 2025-03-10}\n  b.txt: {captured: 2025-03-11}\n")
    catalog, _ = build_catalog(read_dumps([tmp_path])[0])
    (paper,) = catalog.papers
    assert paper.title == "LLaMA-Adapter: Efficient Fine-tuning"
    assert paper.id == "llama-adapter-efficient-fine-tuning"
    assert paper.abstract.startswith("A longer abstract wins")
    assert paper.links == ("https://github.com/x/y",)
    assert paper.first_seen == "2025-03-10"
    newest, oldest = catalog.digests
    assert newest.repeats == frozenset({paper.id}) and not oldest.repeats


def test_slug_collisions_resolve_deterministically_keeping_the_first_published(tmp_path):
    long_a = "A " + "very " * 30 + "long title about alpha"
    long_b = "A " + "very " * 30 + "long title about beta"
    (tmp_path / "a.txt").write_text(f"Mar 10\n{long_b}\nAbstract b.\n")
    (tmp_path / "b.txt").write_text(f"Mar 11\n{long_a}\nAbstract a.\n")
    (tmp_path / "manifest.yml").write_text("dumps:\n  a.txt: {captured: 2025-03-10}\n  b.txt: {captured: 2025-03-11}\n")
    catalog, _ = build_catalog(read_dumps([tmp_path])[0])
    ids = {p.title.split()[-1]: p.id for p in catalog.papers}
    assert len(set(ids.values())) == 2
    assert not ids["beta"][-7:].startswith("-")  # seen first, keeps the bare slug
    assert ids["alpha"].startswith(ids["beta"]) and len(ids["alpha"]) == len(ids["beta"]) + 7


def test_year_comes_from_the_manifest_and_wraps_at_new_year(tmp_path):
    (tmp_path / "dec.txt").write_text("Dec 31\nTitle\nAbstract.\n")
    (tmp_path / "manifest.yml").write_text("dumps:\n  dec.txt:\n    captured: 2026-01-01T08:00:00Z\n")
    dumps, _ = read_dumps([tmp_path])
    assert dumps[0].day == "2025-12-31"


def test_duplicate_dump_content_counts_once(tmp_path):
    (tmp_path / "a.txt").write_text("Mar 10, 2025\nTitle\nAbstract.\n")
    (tmp_path / "b.txt").write_text("Mar 10, 2025\nTitle\nAbstract.\n")
    catalog, problems = build_catalog(read_dumps([tmp_path])[0])
    assert len(catalog.digests) == 1
    assert any("same content" in str(p) for p in problems)


# ---- clean text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (r"improves by 5\% on R\&D", "improves by 5% on R&D"),
        ("a ``quoted'' word", "a \u201cquoted\u201d word"),
        (r"a na\"{\i}ve baseline", "a na\u00efve baseline"),
        (r"see \url{https://example.org/x}", "see https://example.org/x"),
        (r"\modelname~achieves", "modelname achieves"),
        ("spaces\t and\u00a0\u200b newlines\n folded ", "spaces and newlines folded"),
        ("https://example.org/~user/page stays", "https://example.org/~user/page stays"),
    ],
)
def test_latex_leftovers_and_whitespace_are_made_readable(raw, clean):
    assert clean_text(raw) == clean


def test_urls_lose_trailing_punctuation_and_code_hosts_are_marked():
    spans = find_urls("Code at https://github.com/a/b. Demo: https://a.github.io/demo/, (https://x.org/p_(1)).")
    assert [s.url for s in spans] == ["https://github.com/a/b", "https://a.github.io/demo/", "https://x.org/p_(1)"]
    assert [s.is_code for s in spans] == [True, False, False]


def test_clipped_abstracts_are_flagged_truncated():
    assert looks_truncated("word " * 380 + "and then the page cut it mid")
    assert not looks_truncated("word " * 380 + "ends properly.")
    assert not looks_truncated("A short abstract with no period")
    assert not looks_truncated("word " * 380 + "code at https://github.com/a/b")


def test_day_headers():
    assert parse_day_header("Mar 11") == ("03-11", "")
    assert parse_day_header("March 11, 2025") == ("03-11", "2025")
    assert parse_day_header("Marvelous 11") == ("", "")  # not a month
    assert parse_day_header("Efficient Retrieval") == ("", "")


# ---- properties --------------------------------------------------------------------------------

_words = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=12)
_line = st.lists(_words, min_size=1, max_size=25).map(" ".join).map(clean_text)


def _plausible_title(title: str) -> bool:
    return (
        bool(title)
        and len(title) <= 200
        and title.casefold() not in PAGE_CHROME
        and not parse_day_header(title)[0]
        and not title.startswith("Subscribe")
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_line.filter(_plausible_title), _line.filter(lambda a: a and a.casefold() not in PAGE_CHROME)),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
    st.booleans(),
)
def test_text_dump_round_trips_any_title_abstract_pairs(pairs, blank_lines, header):
    sep = "\n\n" if blank_lines else "\n"
    body = sep.join(f"{t}{sep}{a}" for t, a in pairs)
    text = ("new\n\nSubscribe\n\nMar 11\n\n" if header else "") + body + "\n"
    dump = read_dump("prop.txt", text.encode("utf-8"))
    assert [(p.title, p.abstract) for p in dump.papers] == pairs
    assert dump.clean


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.sampled_from(["x.txt", "x.html", "x.json", "x"]))
def test_arbitrary_bytes_never_make_a_reader_raise(data, name):
    dump = read_dump(name, data)
    assert dump.format in {"text", "html", "json", "unknown"}
    for problem in dump.problems:
        assert "\n" not in str(problem)
