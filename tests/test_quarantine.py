"""Bad dumps are quarantined, never fatal: `check` names the file and the cause, the build skips the dump with one
line and lists it in site/_report.json, the other dumps still publish, `--strict` still fails.

Each test here is one reproduction from issue 11 (input side). Builds run in-process without MkDocs (the writers
that broke, feeds included, all run before MkDocs); tests/test_site.py covers the full build."""

from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path

import pytest

from generator import validate
from generator.cli import main
from generator.ingest import read_dumps

ROOT = Path(__file__).resolve().parent.parent
SITE_URL = "https://example.org/digest/"
TINY_TOPICS = """topics:
  - slug: retrieval
    name: Retrieval
    description: Finding documents.
    include: [retrieval, search engine]
  - slug: other
    name: Other
    description: Everything else.
    catch_all: true
"""
GOOD_TITLES = ("Dense Retrieval With Small Models", "Sparse Attention For Long Context", "Graph Networks Revisited")


def good_dump(day: str = "Mar 11") -> str:
    """A text dump of three papers, the way a copied papers page reads."""
    body = "".join(f"{title}\n\nWe study {title.lower()} and report results on three benchmarks.\n\n" for title in GOOD_TITLES)
    return f"{day}\n\n{body}"


def api_dump(**paper) -> str:
    return json.dumps([{"paper": {"title": "Poisoned Paper", "summary": "An abstract.", **paper}}])


def make_project(tmp_path: Path, **dumps: str | bytes) -> Path:
    """A project with the real mkdocs.yml, a two-topic taxonomy, the good dump (dated by the manifest) and `dumps`."""
    project = tmp_path / "p"
    (project / "dumps").mkdir(parents=True)
    (project / "site_src").mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "topics.yml").write_text(TINY_TOPICS, encoding="utf-8")
    (project / "dumps" / "good.txt").write_text(good_dump(), encoding="utf-8")
    (project / "dumps" / "manifest.yml").write_text("dumps:\n  good.txt:\n    captured: 2025-03-11\n", encoding="utf-8")
    for name, content in dumps.items():
        path = project / "dumps" / name.replace("__", ".")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return project


def build_args(project: Path, *extra: str) -> list[str]:
    return ["build", "--no-mkdocs", "--quiet", "--dumps", str(project / "dumps"), "--site-dir", str(project / "site"),
            "--config", str(project / "mkdocs.yml"), "--topics", str(project / "topics.yml"), "--site-url", SITE_URL, *extra]


def run_build(project: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(build_args(project, *extra))
    return code, capsys.readouterr().err


def run_check(path: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["check", *extra, str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def published_titles(project: Path) -> set[str]:
    return {record["title"] for record in json.loads((project / "site_src" / "api" / "papers.json").read_text())}


def report(project: Path) -> dict:
    return json.loads((project / "site_src" / "_report.json").read_text(encoding="utf-8"))


def assert_quarantined(project: Path, capsys, name: str, cause: str) -> None:
    """`check` fails naming the file and the cause; the build skips it with one line, lists it in the report and
    publishes the good dump; `--strict` fails."""
    code, out = run_check(project / "dumps", capsys)
    assert code == 1
    assert any(name in line and cause in line for line in out.splitlines()), out
    code, err = run_build(project, capsys)
    assert code == 0, err
    lines = [line for line in err.splitlines() if name in line]
    assert len(lines) == 1 and cause in lines[0] and "quarantined" in lines[0], err
    assert "Traceback" not in err
    assert set(GOOD_TITLES) <= published_titles(project)
    entries = report(project)["quarantined"]
    assert [entry["file"] for entry in entries] == [name] and cause in entries[0]["cause"]
    code, err = run_build(project, capsys, "--strict")
    assert code == 1 and "--strict" in err


# ---- poison that used to pass `check` and then fail every build --------------------------------------


@pytest.mark.parametrize("field", ["projectPage", "githubRepo"])
def test_lone_surrogate_in_a_link_field_is_quarantined(tmp_path, capsys, field):
    project = make_project(tmp_path, poison__json=api_dump(**{field: "https://x.example/\ud800"}))
    assert_quarantined(project, capsys, "poison.json", "U+D800")


def test_a_control_character_in_the_manifest_url_quarantines_the_dump(tmp_path, capsys):
    project = make_project(tmp_path, poison__txt=good_dump().replace("Dense", "Other"))
    with open(project / "dumps" / "manifest.yml", "a", encoding="utf-8") as handle:
        handle.write('  poison.txt:\n    url: "https://x.example/\\x07"\n')  # YAML itself refuses a lone surrogate
    assert_quarantined(project, capsys, "poison.txt", "U+0007")


def test_two_million_ampersands_in_an_abstract_are_quarantined_and_the_feeds_still_render(tmp_path, capsys):
    project = make_project(tmp_path, amp__txt=f"Mar 12\n\nA Title\n\n{'&' * 2_100_000}\n")
    assert_quarantined(project, capsys, "amp.txt", "over the limit of 20,000")
    assert (project / "site_src" / "feeds" / "all.xml").is_file()


# ---- inputs that gave a traceback and built nothing -------------------------------------------------


@pytest.mark.parametrize("value", [5, True, {"name": "A"}, "Ada Lovelace"])
def test_authors_that_are_not_a_list_are_a_problem_not_a_crash(tmp_path, capsys, value):
    project = make_project(tmp_path, odd__json=api_dump(authors=value))
    code, out = run_check(project / "dumps" / "odd.json", capsys)
    assert code == 1 and "authors is" in out and "not a list" in out, out
    code, err = run_build(project, capsys)
    assert code == 0 and "Traceback" not in err
    assert {*GOOD_TITLES, "Poisoned Paper"} <= published_titles(project)  # the paper itself is kept, without authors


@pytest.mark.parametrize("where", ["api", "html"])
def test_a_5000_digit_integer_in_json_is_a_problem_not_a_crash(tmp_path, capsys, where):
    text = api_dump(upvotes=0).replace('"upvotes": 0', '"upvotes": ' + "9" * 5000)
    if where == "html":
        text = f'<html><body><div data-target="DailyPapers" data-props="{html.escape(json.dumps({"dailyPapers": "X"}))}"></div></body></html>'
        text = text.replace("&quot;X&quot;", html.escape(api_dump(upvotes=0).replace('"upvotes": 0', '"upvotes": ' + "9" * 5000)))
    project = make_project(tmp_path, **{f"big__{'json' if where == 'api' else 'html'}": text})
    code, out = run_check(project / "dumps", capsys)
    assert code == 1 and "4300 digits" in out, out
    code, err = run_build(project, capsys)
    assert code == 0 and "Traceback" not in err
    assert set(GOOD_TITLES) <= published_titles(project)


def test_impossible_dates_in_the_manifest_are_reported_and_the_build_goes_on(tmp_path, capsys):
    project = make_project(tmp_path, other__txt="Mar 12\n\nA Second Title\n\nAn abstract of the second paper.\n")
    (project / "dumps" / "manifest.yml").write_text(
        "dumps:\n  good.txt:\n    captured: 2025-02-30\n  other.txt:\n    day: 2025-13-45\n", encoding="utf-8")
    code, out = run_check(project / "dumps", capsys)
    assert code == 1
    assert "captured '2025-02-30' is not a date" in out and "day '2025-13-45' is not a date" in out, out
    code, err = run_build(project, capsys)
    assert code == 0 and "Traceback" not in err
    assert {*GOOD_TITLES, "A Second Title"} <= published_titles(project)


def test_an_impossible_date_in_a_page_url_leaves_the_dump_undated(tmp_path, capsys):
    page = ('<html><head><link rel="canonical" href="https://huggingface.co/papers?date=2099-02-31"></head><body>'
            '<article><h3><a href="/papers/2503.11111">A Dated Paper</a></h3><p>An abstract.</p></article></body></html>')
    project = make_project(tmp_path, page__html=page)
    code, out = run_check(project / "dumps" / "page.html", capsys)
    assert "undated" in out and "no digest day" in out, out
    code, err = run_build(project, capsys)
    assert code == 0 and "Traceback" not in err
    assert "A Dated Paper" in published_titles(project)


def test_a_200_mb_page_is_refused_without_being_read(tmp_path, capsys):
    project = make_project(tmp_path)
    with open(project / "dumps" / "huge.html", "wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.write(b"<html><body>")
        handle.truncate(200 * 1024 * 1024)
    assert_quarantined(project, capsys, "huge.html", "over the limit of 10,485,760 bytes per dump")


# ---- limits -------------------------------------------------------------------------------------------


def test_too_many_papers_in_one_dump_is_quarantined(tmp_path, capsys):
    body = "".join(f"Paper Number {i}\n\nAbstract number {i}.\n\n" for i in range(validate.MAX_PAPERS + 1))
    project = make_project(tmp_path, many__txt=f"Mar 12\n\n{body}")
    assert_quarantined(project, capsys, "many.txt", f"over the limit of {validate.MAX_PAPERS:,} per dump")


def test_too_many_authors_on_one_paper_is_quarantined(tmp_path, capsys):
    authors = [{"name": f"Author {i}"} for i in range(validate.MAX_AUTHORS + 1)]
    project = make_project(tmp_path, crowd__json=api_dump(authors=authors))
    assert_quarantined(project, capsys, "crowd.json", f"over the limit of {validate.MAX_AUTHORS:,} per paper")


def test_an_overlong_title_is_quarantined(tmp_path, capsys):
    project = make_project(tmp_path, long__json=json.dumps([{"paper": {"title": "T" * 1001, "summary": "S."}}]))
    assert_quarantined(project, capsys, "long.json", "over the limit of 1,000")


def test_a_dump_of_a_million_bad_items_prints_fifty_problems_and_a_count(tmp_path, capsys):
    project = make_project(tmp_path, junk__json="[" + ",".join(["{}"] * 1_000_000) + "]")
    code, out = run_check(project / "dumps" / "junk.json", capsys)
    lines = [line for line in out.splitlines() if "junk.json: error" in line]
    assert code == 1 and len(lines) == validate.MAX_PROBLEMS + 1 and "and 999,950 more problems" in lines[-1]


def test_the_validator_serve_calls_refuses_what_check_would_quarantine():
    assert validate.read_valid_dump("upload.json", api_dump(projectPage="https://x/\ud800").encode("utf-8", "surrogatepass")).quarantined
    bad_url = validate.read_valid_dump("upload.json", api_dump().encode(), page_url="https://x/\x00")
    assert "URL" in bad_url.quarantined
    big = validate.read_valid_dump("upload.html", b" " * (validate.MAX_DUMP_BYTES + 1))
    assert "over the limit" in big.quarantined and not big.papers
    good = validate.read_valid_dump("upload.json", api_dump().encode(), page_url="https://huggingface.co/papers")
    assert not good.quarantined and good.papers[0].title == "Poisoned Paper"


# ---- only regular files -------------------------------------------------------------------------------


def test_a_symlink_in_dumps_is_refused_by_name_and_never_followed(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    project = make_project(tmp_path)
    (project / "dumps" / "p.txt").symlink_to(secret)
    assert_quarantined(project, capsys, "p.txt", "a symlink, not a regular file")
    published = "".join(path.read_text(encoding="utf-8") for path in (project / "site_src").rglob("*") if path.is_file())
    assert "root:x" not in published


def test_a_fifo_and_a_folder_in_dumps_are_refused_by_name(tmp_path, capsys):
    project = make_project(tmp_path)
    os.mkfifo(project / "dumps" / "pipe.txt")  # reading it would block the build forever
    (project / "dumps" / "folder.json").mkdir()
    code, out = run_check(project / "dumps", capsys)
    assert code == 1 and "pipe.txt: error: quarantined: a FIFO" in out and "folder.json: error: quarantined: a folder" in out, out
    code, err = run_build(project, capsys)
    assert code == 0 and set(GOOD_TITLES) <= published_titles(project)
    assert [entry["file"] for entry in report(project)["quarantined"]] == ["folder.json", "pipe.txt"]


# ---- printed names ------------------------------------------------------------------------------------


def test_file_names_with_newlines_ansi_escapes_or_workflow_commands_are_printed_escaped(tmp_path, capsys):
    names = ["evil\n::error file=x::pwned.txt", "ansi\x1b[31mred.txt", "::warning::x.txt"]
    project = make_project(tmp_path, **{name.replace(".", "__"): good_dump().replace("Dense", "Other") for name in names})
    code, out = run_check(project / "dumps", capsys)
    code_build, err = run_build(project, capsys)
    assert code_build == 0
    for text in (out, err):
        assert "\x1b" not in text
        assert not any(line.lstrip().startswith("::") for line in text.splitlines()), text
    assert "evil\\x0a::error file=x::pwned.txt" in out and "ansi\\x1b[31mred.txt" in out
    assert "\\x3a:warning::x.txt" in err or "dumps/::warning::x.txt" in err  # never at the start of a line
    # The name itself cannot be published (it lands in pages): the dump is quarantined, by name.
    quarantined = {entry["file"] for entry in report(project)["quarantined"]}
    assert quarantined == {names[0], names[1]}


def test_build_report_has_no_absolute_path_and_is_the_same_bytes_twice(tmp_path, capsys):
    project = make_project(tmp_path, poison__json=api_dump(projectPage="https://x/\ud800"))
    assert run_build(project, capsys)[0] == 0
    first = (project / "site_src" / "_report.json").read_bytes()
    assert str(tmp_path) not in first.decode() and b"poison.json" in first
    assert run_build(project, capsys)[0] == 0
    assert (project / "site_src" / "_report.json").read_bytes() == first


def test_read_dumps_lists_every_dump_name_with_its_cause(tmp_path):
    project = make_project(tmp_path, poison__json=api_dump(projectPage="https://x/\ud800"))
    dumps, _ = read_dumps([project / "dumps"])
    assert [(Path(d.path).name, bool(d.quarantined)) for d in dumps] == [("good.txt", False), ("poison.json", True)]


def test_the_full_build_publishes_its_report_and_keeps_the_committed_ids(bundled_site):
    """The MkDocs build carries site/_report.json; the bundled dumps give exactly the committed dumps/ids.json."""
    published = json.loads((bundled_site / "site" / "_report.json").read_text(encoding="utf-8"))
    assert published["quarantined"] == [] and published["papers"] == 485
    assert str(bundled_site) not in json.dumps(published)
    assert (bundled_site / "dumps" / "ids.json").read_bytes() == (ROOT / "dumps" / "ids.json").read_bytes()
