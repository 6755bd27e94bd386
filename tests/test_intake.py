"""generator/intake.py without HTTP: an upload stored once, told to whoever waits, and nothing left when writing fails."""

from __future__ import annotations

import errno

import pytest

from generator import intake, store
from test_server import papers_page

PAGE = papers_page("2025-03-13", [("2503.11111", "A Brand New Retrieval Paper", "We retrieve new things.")])


def test_an_upload_is_stored_once_and_each_new_dump_is_announced(tmp_path):
    stored = []
    dumps = intake.Intake(tmp_path / "dumps", on_stored=lambda: stored.append(True), log=lambda line: None)

    status, answer = dumps.take(PAGE, "text/html", "https://huggingface.co/papers?date=2025-03-13")
    assert (status, answer["status"], answer["new"], dumps.count(), stored) == (201, "stored", 1, 1, [True])
    assert (tmp_path / "dumps" / answer["dump"]).read_bytes() == PAGE

    assert dumps.take(PAGE, "text/html", "")[:1] == (200,) and stored == [True]
    status, answer = dumps.take(b"<html>nothing here</html>", "text/html", "")
    assert status == 422 and answer["error"].startswith("refused: `check` would fail on it")


@pytest.mark.parametrize("code,full", [(errno.ENOSPC, True), (errno.EACCES, False)])
def test_a_failed_write_is_not_stored_and_says_whether_the_disk_is_full(tmp_path, monkeypatch, code, full):
    dumps = intake.Intake(tmp_path / "dumps", log=lambda line: None)

    def failing(path, data, durable=False):
        raise OSError(code, "no can do", str(path))

    monkeypatch.setattr(store, "write_atomic", failing)
    with pytest.raises(intake.NotStored) as caught:
        dumps.take(PAGE, "text/html", "")
    assert (caught.value.full, caught.value.reason) == (full, "no can do")
    assert dumps.count() == 0 and not [p for p in (tmp_path / "dumps").iterdir() if p.name != "manifest.yml"]
