"""Shared test factories."""

from __future__ import annotations

import dataclasses

import pytest

from generator.model import Catalog, Digest, Paper


def make_paper(**overrides) -> Paper:
    """A plausible merged paper; override any field."""
    base = dict(
        id="a-study-of-things",
        title="A Study of Things",
        abstract="We study things. Things are studied with care and found to be interesting.",
        digests=("2025-03-11-aaaaaaaa",),
        first_seen="2025-03-11",
    )
    base.update(overrides)
    return Paper(**base)


def make_digest(**overrides) -> Digest:
    base = dict(
        id="2025-03-11-aaaaaaaa",
        source="000_aaaaaaaa.txt",
        format="text",
        day="2025-03-11",
        paper_ids=("a-study-of-things",),
    )
    base.update(overrides)
    return Digest(**base)


def make_catalog(papers, digests=None) -> Catalog:
    papers = tuple(sorted(papers, key=lambda p: p.id))
    if digests is None:
        by_digest: dict[str, list[str]] = {}
        days: dict[str, str] = {}
        for p in papers:
            for d in p.digests:
                by_digest.setdefault(d, []).append(p.id)
                days.setdefault(d, p.first_seen if d == p.digests[0] else "")
        digests = [
            make_digest(id=d, day=days[d], paper_ids=tuple(ids), source=f"{d}.txt")
            for d, ids in sorted(by_digest.items(), reverse=True)
        ]
    return Catalog(papers=papers, digests=tuple(digests), dumps=())


def render_sources(site) -> dict:
    """The pages MkDocs renders and api/papers.json for a `generator.model.Site`, as a fresh build renders them."""
    from generator import pages
    from generator.pages.common import Fragments

    return pages.sources(site, Fragments())


def fast_pages(site) -> list:
    """Every fast page (paper, topic, redirect, digest) of a `generator.model.Site`, as a complete build writes them."""
    from generator import pages
    from generator.pages.common import Fragments

    fragments = Fragments()
    return [page for kind in pages.FAST_KINDS for page in pages.fast_pages(site, fragments, kind, kind.keys(site))]


@pytest.fixture
def paper_factory():
    return make_paper


def replace(obj, **changes):
    return dataclasses.replace(obj, **changes)


# ---- building whole sites in a scratch copy of the project ---------------------------------------

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SITE_URL = "https://example.org/digest/"


def make_project(dest: Path, dumps: Path | None = None) -> Path:
    """A copy of the project's configuration, theme overrides and hand-written pages (not its generated files)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "overrides", dest / "overrides")
    from generator.build import GENERATED

    for source in sorted((ROOT / "site_src").iterdir()):
        if source.name in GENERATED:
            continue
        target = dest / "site_src" / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    shutil.copytree(dumps or ROOT / "dumps", dest / "dumps")
    return dest


def run_generator(project: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH",)}
    env["PYTHONPATH"] = str(ROOT)
    env["NO_MKDOCS_2_WARNING"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=project, capture_output=True, text=True, timeout=timeout, env=env
    )


def build_site(project: Path, *args: str) -> subprocess.CompletedProcess:
    result = run_generator(project, "build", "--site-url", SITE_URL, *args)
    return result


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The bundled dumps built once for the session; returns the project folder (site in ./site)."""
    project = make_project(tmp_path_factory.mktemp("bundled"))
    result = build_site(project)
    assert result.returncode == 0, result.stderr[-3000:]
    return project


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/<name>; `pytest --update-golden` rewrites the files instead."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = ROOT / "tests" / "golden" / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}: run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (pytest --update-golden to accept)"

    return check
