"""No input gives a traceback: arbitrary JSON dumps, manifests and taxonomies through `check` and `build`.

Each example runs the real commands in-process (a traceback would fail the test as an exception) without MkDocs,
on a project that also holds a good dump: its papers must still be built whenever the taxonomy is usable."""

from __future__ import annotations

import html
import json
import os
import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from test_quarantine import GOOD_TITLES, TINY_TOPICS, build_args, make_project, published_titles

NASTY_TEXT = ["\ud800", "\x00", "\x1b[31m", "&" * 50, "<script>", "2025-02-30", "https://x.example/\udfff", "9" * 40,
              "Mar 11", "::error::x", "\u202e", ""]
PAPER_KEYS = ["title", "summary", "authors", "id", "upvotes", "projectPage", "githubRepo", "publishedAt", "name", "paper"]
MANIFEST_SNIPPETS = [
    "dumps:\n  good.txt:\n    captured: 2025-02-30\n",
    "dumps:\n  good.txt:\n    day: 2025-13-45\n",
    "dump:\n  good.txt: {}\n",
    "a: &a [x, x]\nb: [*a, *a]\ndumps: {}\n",
    "dumps:\n  good.txt:\n    url: !!binary aGVsbG8=\n",
    "dumps:\n  good.txt: !!python/object:os.system {}\n",
    "dumps:\n  ? [a, b]\n  : {}\n",
    "dumps:\n  good.txt:\n    captured: " + "1" * 5000 + "\n",
    "dumps: " + "[" * 200 + "]" * 200 + "\n",
    "--- a\n--- b\n",
    'dumps:\n  "\\0": ~\n  ../../etc/passwd: {day: 2025-03-11}\n  ~: {}\n',
    "dumps:\n  good.txt:\n    url: https://huggingface.co/papers?date=2099-02-31\n",
]
TOPIC_SNIPPETS = [
    "topics: []\n",
    "topics:\n  - slug: a\n    name: A\n    description: 2025-02-30\n    include: [x]\n",
    "topics:\n  - &t {slug: a, name: A, description: d, include: [x]}\n  - *t\n",
    "topics:\n  - slug: a\n    include: " + "1" * 5000 + "\n",
    "topics: " + "[" * 300 + "]" * 300 + "\n",
    TINY_TOPICS.replace("catch_all: true", "catch_all: 7"),
    TINY_TOPICS,
]

text = st.one_of(st.text(max_size=20), st.sampled_from(NASTY_TEXT))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(), text)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(PAPER_KEYS), text), inner, max_size=5)),
    max_leaves=20)
papers = st.dictionaries(st.sampled_from(PAPER_KEYS), st.one_of(text, values), max_size=8)
items = st.one_of(papers, st.fixed_dictionaries({"paper": papers}, optional={"publishedAt": text, "title": text}), values)
documents = st.one_of(
    st.lists(items, max_size=5),
    st.fixed_dictionaries({"dailyPapers": st.one_of(st.lists(items, max_size=5), values)},
                          optional={"date": text, "dateString": text}),
    values,
)
yaml_text = st.one_of(
    st.sampled_from(MANIFEST_SNIPPETS + TOPIC_SNIPPETS),
    st.text(alphabet=string.printable + "&*!|>%@`\u00e9\ud800", max_size=80),
    values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    st.dictionaries(st.sampled_from(["dumps", "dump", "topics"]), values, max_size=3).map(yaml.safe_dump),
)
# A few examples a run keep the suite fast; FUZZ_EXAMPLES=500 searches harder.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path)


def as_dump(document, kind: str) -> str:
    raw = json.dumps(document)  # ASCII with `\ud800` escapes: what an API answer carries
    if kind == "json":
        return raw
    return f'<html><body><div data-target="DailyPapers" data-props="{html.escape(raw)}"></div></body></html>'


def check_and_build(project, capsys) -> tuple[int, int, str]:
    check = main(["check", str(project / "dumps")])
    built = main(build_args(project))
    out = capsys.readouterr()
    return check, built, out.out + out.err


@FUZZ
@given(document=documents, kind=st.sampled_from(["json", "html"]))
def test_any_json_shape_is_read_or_reported_and_the_other_dumps_still_publish(project, capsys, document, kind):
    for old in project.joinpath("dumps").glob("fuzz.*"):
        old.unlink()
    project.joinpath("dumps", f"fuzz.{kind}").write_text(as_dump(document, kind), encoding="utf-8")
    check, built, out = check_and_build(project, capsys)
    assert check in (0, 1) and built == 0, out
    assert "Traceback" not in out
    assert set(GOOD_TITLES) <= published_titles(project)


page_text = st.lists(st.one_of(text, st.sampled_from(["Mar 11", "Feb 30, 2025", "<html>", "<article><h3><a href=\"/papers/1\">",
                                                    "</a></h3><p>", "new", "Subscribe", "\n\n", "\r\n", "\ufeff"])),
                     max_size=30).map("".join)
raw_bytes = st.one_of(st.binary(max_size=200), page_text.map(lambda t: t.encode("utf-8", "surrogatepass")))


@FUZZ
@given(data=raw_bytes, suffix=st.sampled_from(["txt", "html", "json"]))
def test_any_bytes_are_read_or_reported_and_the_other_dumps_still_publish(project, capsys, data, suffix):
    for old in project.joinpath("dumps").glob("fuzz.*"):
        old.unlink()
    project.joinpath("dumps", f"fuzz.{suffix}").write_bytes(data)
    check, built, out = check_and_build(project, capsys)
    assert check in (0, 1) and built == 0, out
    assert "Traceback" not in out
    assert set(GOOD_TITLES) <= published_titles(project)


@FUZZ
@given(manifest=yaml_text)
def test_any_manifest_is_read_or_reported_and_the_dumps_still_publish(project, capsys, manifest):
    project.joinpath("dumps", "manifest.yml").write_text(manifest, encoding="utf-8", errors="surrogatepass")
    check, built, out = check_and_build(project, capsys)
    assert check in (0, 1) and built == 0, out
    assert "Traceback" not in out
    assert set(GOOD_TITLES) <= published_titles(project)


@FUZZ
@given(topics=yaml_text)
def test_any_taxonomy_builds_or_fails_with_one_line(project, capsys, topics):
    project.joinpath("topics.yml").write_text(topics, encoding="utf-8", errors="surrogatepass")
    built = main(build_args(project))
    err = capsys.readouterr().err
    assert built in (0, 1) and "Traceback" not in err
    if built == 0:
        assert set(GOOD_TITLES) <= published_titles(project)
    else:
        assert [line for line in err.splitlines() if line.startswith("error:")] == [err.strip().splitlines()[-1]]
