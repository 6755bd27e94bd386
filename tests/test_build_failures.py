"""Builds that die or collide: one build at a time per site folder, and the site switched whole.

Each build here is a real subprocess; a killed one is killed with SIGKILL from inside, mid-stage, by a wrapper that
counts the file operations of that stage (KILL_AT below), so the kill lands where files are half written.
"""

from __future__ import annotations

import fcntl
import filecmp
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SITE_URL, build_site, make_project
from test_site import internal_targets

NEW_DUMP = """Mar 14, 2025

A Freshly Captured Paper About Retrieval Agents

We build retrieval agents that read papers and answer questions about retrieval.

Another New Paper On Speech Synthesis

A text-to-speech model that speaks the abstracts of new papers aloud.
"""

# argv: stage, the file operation to count (or "-": die as the stage ends), how many to let through, build args...
KILL_AT = """
import contextlib, os, signal, sys
from generator import build, cli, store

stage_name, hook, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
main = os.getpid()
armed = [False]
seen = [0]

def die():
    os.kill(main, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)

def counting(real):
    def wrapper(*args, **kwargs):
        if armed[0]:
            seen[0] += 1
            if seen[0] > count:
                die()
        return real(*args, **kwargs)
    return wrapper

if hook == "rename":
    os.rename, os.replace = counting(os.rename), counting(os.replace)
elif hook != "-":
    setattr(store, hook, counting(getattr(store, hook)))

real_stage = build.Reporter.stage

@contextlib.contextmanager
def stage(self, name):
    with real_stage(self, name) as info:
        armed[0] = name == stage_name
        yield info
        if armed[0]:
            die()  # fewer operations than counted: die as the stage ends, before the next begins

build.Reporter.stage = stage
sys.exit(cli.main(["build", *sys.argv[4:]]))
"""

# argv: stage, a file to wait for, build args...: the build stops as that stage begins until the file exists
PAUSE_AT = """
import contextlib, os, sys, time
from generator import build, cli

stage_name, go = sys.argv[1], sys.argv[2]
real_stage = build.Reporter.stage

@contextlib.contextmanager
def stage(self, name):
    if name == stage_name:
        print("paused", file=sys.stderr, flush=True)
        while not os.path.exists(go):
            time.sleep(0.05)
    with real_stage(self, name) as info:
        yield info

build.Reporter.stage = stage
sys.exit(cli.main(["build", *sys.argv[3:]]))
"""

# stage, file operation counted, operations let through before the kill
STAGES = [
    ("parse", "-", 0),
    ("tag", "-", 0),
    ("related", "-", 0),
    ("render", "-", 0),
    ("write", "write_if_changed", 40),  # generated Markdown half rewritten
    ("mkdocs", "write_private", 0),  # MkDocs has rendered the theme's pages; the sitemap is being rewritten
    ("pages", "write_private", 3),  # some paper, topic and digest pages staged
    ("search", "write_private", 2),  # part of the new search index staged
]


def site_files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def broken_links(site: Path, pages: list[Path] | None = None) -> list[str]:
    broken = []
    for page in pages if pages is not None else site.rglob("*.html"):
        for link, target in internal_targets(site, page):
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
    return broken


def reachable_pages(site: Path) -> list[Path]:
    """The HTML pages a visitor can reach from the home page by following internal links."""
    seen, todo = set(), [site / "index.html"]
    while todo:
        page = todo.pop()
        if page in seen or not page.is_file() or page.suffix != ".html":
            continue
        seen.add(page)
        todo += [target for _, target in internal_targets(site, page)]
    return sorted(seen)


def run_killed(project: Path, stage: str, hook: str, count: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILL_AT, stage, hook, str(count), "--site-url", SITE_URL],
                          cwd=project, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"})


def wait_unlocked(project: Path, timeout: float = 30) -> None:
    """Until no process holds the site's lock (a killed build's workers die with it, a moment later)."""
    lock = project / ".site.lock"
    deadline = time.monotonic() + timeout
    while lock.exists() and time.monotonic() < deadline:
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(0.1)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The bundled dumps built once: the previous site every killed build must leave in place."""
    project = make_project(tmp_path_factory.mktemp("built") / "p")
    result = build_site(project)
    assert result.returncode == 0, result.stderr[-3000:]
    return project


def copy_with_new_dump(built: Path, dest: Path) -> Path:
    shutil.copytree(built, dest, symlinks=True)
    (dest / "dumps" / "zzz_new.txt").write_text(NEW_DUMP, encoding="utf-8")
    return dest


@pytest.mark.parametrize("stage,hook,count", STAGES, ids=[s[0] for s in STAGES])
def test_a_build_killed_mid_stage_leaves_the_previous_site_whole(built, tmp_path, stage, hook, count):
    project = copy_with_new_dump(built, tmp_path / "p")
    before = site_files(built / "site")

    killed = run_killed(project, stage, hook, count)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert f"[build] {stage}" not in killed.stderr  # it died inside the stage
    site = project / "site"
    assert site_files(site) == before
    changed = [rel for rel in before if not filecmp.cmp(built / "site" / rel, site / rel, shallow=False)]
    assert not changed, changed[:10]
    assert not broken_links(site)

    wait_unlocked(project)
    again = build_site(project)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (site / "papers" / "a-freshly-captured-paper-about-retrieval-agents" / "index.html").is_file()
    assert not broken_links(site)
    assert not (project / ".site.staging").exists() and not (project / ".site.publish").exists()


def test_a_build_killed_while_publishing_leaves_no_reachable_broken_link_and_the_next_build_finishes_it(built, tmp_path):
    project = copy_with_new_dump(built, tmp_path / "p")
    killed = run_killed(project, "publish", "rename", 2)  # two new folders moved in, nothing replaced yet
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    site = project / "site"
    assert (project / ".site.publish").is_file()
    pages = reachable_pages(site)
    assert len(pages) > 500
    assert not broken_links(site, pages)

    wait_unlocked(project)
    again = build_site(project)
    assert again.returncode == 0, again.stderr[-3000:]
    assert not (project / ".site.publish").exists() and not (project / ".site.staging").exists()
    assert not broken_links(site)
    fresh = make_project(tmp_path / "fresh", dumps=project / "dumps")
    assert build_site(fresh).returncode == 0
    assert site_files(site) == site_files(fresh / "site")


def test_a_second_build_of_the_same_site_exits_1_with_one_line_and_the_site_stays_whole(built, tmp_path):
    """`make site` twice, the second started while the first runs (the issue: 0.7 s apart): the second refuses
    instead of sharing the first one's staging folder."""
    project = copy_with_new_dump(built, tmp_path / "p")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    go = tmp_path / "go"
    first = subprocess.Popen([sys.executable, "-c", PAUSE_AT, "pages", str(go), "--site-url", SITE_URL], cwd=project,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while (line := first.stderr.readline()) and line.strip() != "paused":  # MkDocs has rendered into the staging
        pass
    second = subprocess.run([sys.executable, "-m", "generator", "build", "--site-url", SITE_URL], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)
    go.touch()
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err[-2000:]
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"error: another build (pid {first.pid}) is writing site; its lock is {project / '.site.lock'}"]
    assert not broken_links(project / "site")
    assert (project / "site" / "papers" / "a-freshly-captured-paper-about-retrieval-agents" / "index.html").is_file()


def test_a_lock_left_by_a_dead_build_is_taken_over(built, tmp_path):
    project = copy_with_new_dump(built, tmp_path / "p")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (project / ".site.lock").write_text(dead.stdout)
    (project / ".site.staging" / "papers" / "left-over").mkdir(parents=True)  # what a killed build staged
    (project / ".site.staging" / "papers" / "left-over" / "index.html").write_text("<a href='../nowhere/'>x</a>")
    result = build_site(project)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (project / "site" / "papers" / "left-over").exists()
    assert not (project / ".site.lock").exists()
    assert not broken_links(project / "site")
