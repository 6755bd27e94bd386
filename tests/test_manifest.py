"""The manifest as data: read through a safe loader (no aliases, dates checked, unknown keys reported) and edited
through a YAML library that keeps it valid, its comments and its order."""

from __future__ import annotations

import pytest

from generator import manifest
from generator.manifest import ManifestError, add_entry, parse_manifest, with_entry
from generator.topics import TaxonomyError, parse_taxonomy

NEW = {"captured": "2025-04-01T10:00:00Z", "url": "https://huggingface.co/papers?date=2025-04-01&x=#a: b"}
BILLION_LAUGHS = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"]
                           + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)])


@pytest.mark.parametrize("text", [
    "dumps: {}\n",
    "dumps:\n    old.txt:\n        captured: 2025-03-11\n",  # four-space indent
    "dumps:\n  old.txt:\n    captured: 2025-03-11\nextra: 1\n",  # a key after dumps:
    "dumps:\n  old.txt:\n    captured: 2025-03-11\n...\n",  # an explicit document end
    "# header comment\ndumps:\n  old.txt:   # why this dump\n    captured: 2025-03-11\n",
    "",
    "# only a comment\n",
    "dumps:\n",
])
def test_adding_an_entry_keeps_every_manifest_style_valid(text):
    before, _ = parse_manifest(text)
    after_text = with_entry(text, "2025-04-01-abc.html", NEW)
    after, problems = parse_manifest(after_text)
    assert after["2025-04-01-abc.html"] == manifest.ManifestEntry(**NEW)
    assert {name: entry for name, entry in after.items() if name != "2025-04-01-abc.html"} == before
    assert not [p for p in problems if "not valid" in p.message]
    for line in text.splitlines():
        if "#" in line:
            assert line.split("#", 1)[1] in after_text  # comments survive


def test_updating_an_entry_keeps_its_other_keys():
    text = "dumps:\n  a.txt:\n    captured: 2025-03-11  # the year is a guess\n    note: kept\n"
    after, _ = parse_manifest(with_entry(text, "a.txt", {"url": "https://x.example/"}))
    assert after["a.txt"] == manifest.ManifestEntry(captured="2025-03-11", url="https://x.example/", note="kept")


def test_add_entry_writes_the_file_atomically_and_leaves_no_temporary(tmp_path):
    (tmp_path / "manifest.yml").write_text("# kept\ndumps:\n  a.txt:\n    captured: 2025-03-11\n", encoding="utf-8")
    add_entry(tmp_path, "b.json", NEW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.yml"]
    text = (tmp_path / "manifest.yml").read_text(encoding="utf-8")
    assert text.startswith("# kept\n") and set(parse_manifest(text)[0]) == {"a.txt", "b.json"}


def test_add_entry_refuses_a_manifest_it_cannot_edit_and_leaves_it_as_it_was(tmp_path):
    for text in ("dumps: [a, b]\n", "dumps:\n  a.txt: {captured: [\n", BILLION_LAUGHS + "\ndumps: {}\n"):
        (tmp_path / "manifest.yml").write_text(text, encoding="utf-8")
        with pytest.raises(ManifestError):
            add_entry(tmp_path, "b.json", NEW)
        assert (tmp_path / "manifest.yml").read_text(encoding="utf-8") == text


def test_a_symlinked_manifest_is_not_followed(tmp_path):
    (tmp_path / "elsewhere.yml").write_text("dumps: {}\n", encoding="utf-8")
    (tmp_path / "manifest.yml").symlink_to(tmp_path / "elsewhere.yml")
    with pytest.raises(ManifestError, match="symlink"):
        add_entry(tmp_path, "b.json", NEW)
    assert (tmp_path / "elsewhere.yml").read_text(encoding="utf-8") == "dumps: {}\n"


def test_an_entry_must_name_a_file_beside_the_manifest():
    entries, problems = parse_manifest('dumps:\n  ../x.txt: {}\n  "a\\0b": {}\n  ok.txt: {}\n')
    assert list(entries) == ["ok.txt"] and len(problems) == 2
    assert all("not the name of a file beside the manifest" in p.message for p in problems)


def test_an_unknown_top_level_key_is_reported():
    _, problems = parse_manifest("dump:\n  a.txt:\n    captured: 2025-03-11\n")
    assert [p.message for p in problems] == ["unknown top-level key(s) 'dump'; known: dumps"]


def test_impossible_dates_and_nested_values_are_problems_not_crashes():
    entries, problems = parse_manifest(
        "dumps:\n  a.txt:\n    captured: 2025-02-30\n    day: 2025-13-45\n    note: [1, 2]\n  b.txt:\n    captured: 2025-03-11T10:00:00Z\n")
    messages = " | ".join(p.message for p in problems)
    assert "captured '2025-02-30' is not a date" in messages and "day '2025-13-45' is not a date" in messages
    assert "note is a list" in messages
    assert entries["a.txt"] == manifest.ManifestEntry() and entries["b.txt"].captured == "2025-03-11T10:00:00Z"


def test_aliases_are_refused_in_the_manifest_before_they_expand():
    # Expanded, the nine levels are 387 million strings (68 s and 3.1 GB before this was refused).
    entries, problems = parse_manifest(BILLION_LAUGHS + "\ndumps:\n  a.txt:\n    note: *i\n")
    assert entries == {} and "aliases" in problems[0].message


def test_aliases_are_refused_in_the_taxonomy_with_the_line():
    with pytest.raises(TaxonomyError, match=r"topics.yml:2: YAML aliases"):
        parse_taxonomy(BILLION_LAUGHS + "\ntopics: []\n")
