"""Stage progress: on a terminal each long stage's bar counts its real units (dumps parsed, papers related, pages
written) and moves as parts finish; off a terminal (CI, a pipe) the build prints its plain stage lines only."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios

from conftest import ROOT, SITE_URL, make_paper, make_project, run_generator
from generator import parallel
from generator.progress import Meter
from generator.related import RelatedIndex


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_meter_counts_up_in_its_units():
    screen = _Terminal()
    meter = Meter("related", screen, enabled=True, mininterval=0).start(5, "papers")
    for _ in range(5):
        meter.advance()
    meter.close()
    shown = re.findall(r"(\d)/5", screen.getvalue())
    assert shown[0] == "0" and "3" in shown and shown[-1] == "5", screen.getvalue()
    assert "papers" in screen.getvalue() and "related" in screen.getvalue()


def test_a_disabled_meter_draws_nothing():
    stream = io.StringIO()
    meter = Meter("parse", stream, enabled=False).start(5, "dumps")
    meter.advance(5)
    meter.close()
    assert stream.getvalue() == "" and meter.done == 5


def _double(items: list[int]) -> list[int]:
    return [2 * x for x in items]


def test_work_on_every_core_reports_each_part_as_it_finishes():
    for items, per_worker in ((list(range(2000)), 100), (list(range(30)), 1000)):  # forked, and in this process
        done: list[int] = []
        assert parallel.on_every_core(_double, items, per_worker, progress=done.append) == _double(items)
        assert sum(done) == len(items)
    assert len(done) == 1  # 30 items, parts of 1,000: one part


def test_related_papers_report_progress_in_papers():
    words = [f"{stem}{n}" for stem in ("graph", "token", "vision", "speech", "policy", "kernel") for n in range(12)]
    papers = [make_paper(id=f"p{i:03d}", title=" ".join(words[(i * 5 + j) % len(words)] for j in range(6)),
                         abstract=" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(40)) + ".")
              for i in range(300)]
    done: list[int] = []
    _, related = RelatedIndex.build(papers, progress=done.append)
    assert sum(done) == len(papers) and len(related) == len(papers)
    assert RelatedIndex.build(papers)[1] == related  # the same links with or without a meter


def test_a_terminal_sees_each_stage_in_its_units(tmp_path):
    project = make_project(tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SOURCE_DATE_EPOCH")}
    env.update(PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1", COLUMNS="120")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a terminal has a size
    proc = subprocess.Popen([sys.executable, "-m", "generator", "build", "--site-url", SITE_URL], cwd=project, env=env,
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=300) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert re.search(r"parse:.*/5 \[.*dumps/s", screen), screen[-3000:]
    assert re.search(r"related:.*/485 \[.*papers/s", screen), screen[-3000:]
    assert re.search(r"(write|pages):.*/485 \[.*paper pages/s", screen), screen[-3000:]
    assert "[build] parse: 5 dumps" in screen  # the stage lines stay


def test_plain_lines_off_a_terminal(tmp_path):
    project = make_project(tmp_path / "project")
    result = run_generator(project, "build", "--site-url", SITE_URL)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    stages = [line for line in lines if line.startswith("[build] ")]
    assert [line.split(":")[0].split(" (")[0] for line in stages] == [
        "[build] parse", "[build] tag", "[build] related", "[build] render", "[build] write", "[build] mkdocs",
        "[build] pages", "[build] search", "[build] publish"]
    assert all(re.search(r" \(\d+\.\d\d s\)$", line) for line in stages)
