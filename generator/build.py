"""The orchestrator: gather everything (ingest, catalog, topics, related, pages, feeds), then write, then render.

Reads like a table of contents; each step is one call into the module that owns it.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from . import feeds as feeds_module
from . import store
from .catalog import build_catalog
from .ingest import read_dumps
from .models import Catalog, Problem
from .fastpages import SHELL_MARKDOWN, SHELL_SOURCE, FastPagesPlugin, read_shell, rewrite_sitemap, write_pages
from .related import compute_related
from .render import SiteData, render_site, shell_pages
from .topics import TaxonomyError, assign_topics, load_taxonomy, topic_for_label

# What the generator owns inside docs_dir: everything else there (about.md, assets/) is hand-written.
GENERATED = ("index.md", "papers", "tags", "digests", "api", "feeds", "_shell")


class BuildError(Exception):
    """A build that must not publish: one line saying why."""


@dataclasses.dataclass
class BuildOptions:
    dumps: Path = Path("dumps")
    site_dir: Path = Path("site")
    config: Path = Path("mkdocs.yml")
    topics: Path = Path("topics.yml")
    site_url: str | None = None
    feed_limit: int = 50
    allow_shrink: bool = False
    strict: bool = False
    run_mkdocs: bool = True
    quiet: bool = False


@dataclasses.dataclass
class BuildResult:
    papers: int
    digests: int
    topics: int
    problems: list[Problem]
    written: list[str]
    removed: list[str]
    timings: dict[str, float]


class Reporter:
    """Stage lines: a progress bar on a terminal, plain lines on CI or when piped."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.interactive = self.stream.isatty() and not os.environ.get("CI")
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[dict]:
        info: dict = {}
        bar = None
        if self.interactive and not self.quiet:
            from tqdm import tqdm

            bar = tqdm(total=1, desc=name, file=self.stream, leave=False, bar_format="{desc}: {elapsed}")
        start = time.perf_counter()
        try:
            yield info
        finally:
            elapsed = time.perf_counter() - start
            self.timings[name] = elapsed
            if bar is not None:
                bar.close()
            if not self.quiet:
                detail = f": {info['detail']}" if info.get("detail") else ""
                print(f"[build] {name}{detail} ({elapsed:.2f} s)", file=self.stream, flush=True)

    def problem(self, problem: Problem | str) -> None:
        print(str(problem), file=self.stream, flush=True)


def read_config(config_file: Path) -> dict:
    """The few MkDocs settings the generator needs (site_url, docs_dir), without loading MkDocs."""
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader) or {}
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"{config_file}: cannot read the MkDocs configuration ({error})") from error
    return config if isinstance(config, dict) else {}


class _LenientLoader(yaml.SafeLoader):
    """mkdocs.yml may carry `!ENV` and `!!python/name` tags; only site_url is wanted here."""


_LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def source_date_epoch(catalog: Catalog) -> int:
    """The newest digest day at midnight UTC: what MkDocs stamps into the sitemap instead of the clock."""
    days = [d.day for d in catalog.digests if d.day]
    if not days:
        return 0
    newest = dt.date.fromisoformat(max(days))
    return calendar.timegm(newest.timetuple())


def forced_topics(catalog: Catalog, topics) -> tuple[dict[str, list[str]], list[Problem]]:
    """Paper id -> topic slugs named by its dumps' manifest entries (topic, or a query that names a topic)."""
    forced: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for digest in catalog.digests:
        for label, strict in ((digest.topic, True), (digest.query, False)):
            if not label:
                continue
            slug = topic_for_label(label, topics)
            if slug is None:
                if strict:
                    problems.append(Problem(digest.source, f"manifest topic {label!r} names no topic in the taxonomy", severity="warning"))
                continue
            for paper_id in digest.paper_ids:
                slugs = forced.setdefault(paper_id, [])
                if slug not in slugs:
                    slugs.append(slug)
    return forced, problems


def build(options: BuildOptions, reporter: Reporter | None = None) -> BuildResult:
    reporter = reporter or Reporter(options.quiet)
    problems: list[Problem] = []
    config = read_config(options.config)
    docs_dir = options.config.parent / str(config.get("docs_dir") or "docs")
    site_url = options.site_url or str(config.get("site_url") or "")

    with reporter.stage("parse") as info:
        dumps, found = read_dumps([options.dumps])
        problems += found + [p for dump in dumps for p in dump.problems]
        catalog, merged = build_catalog(dumps)
        problems += merged
        info["detail"] = f"{len(dumps)} dumps, {sum(d.entries for d in dumps)} entries, {len(catalog.papers)} papers"
    if not catalog.papers:
        raise BuildError(f"{options.dumps}: no papers in any dump; nothing to publish")

    with reporter.stage("tag") as info:
        try:
            topics = load_taxonomy(options.topics)
        except (TaxonomyError, OSError) as error:
            raise BuildError(str(error)) from error
        forced, found = forced_topics(catalog, topics)
        problems += found
        tags = assign_topics(catalog.papers, topics, forced=forced)
        info["detail"] = f"{len(topics)} topics"

    with reporter.stage("related") as info:
        related = compute_related(catalog.papers)
        info["detail"] = f"{sum(len(r) for r in related.values())} links"

    with reporter.stage("render") as info:
        try:
            site_url = feeds_module.normalise_site_url(site_url)
            site_data = SiteData(catalog, topics, tags, related, site_url)
            files = render_site(site_data)
            files[SHELL_SOURCE] = SHELL_MARKDOWN
            feed_files = feeds_module.render_feeds(catalog, topics, tags, site_url, limit=options.feed_limit)
        except feeds_module.FeedError as error:
            raise BuildError(str(error)) from error
        shrinking = feeds_module.check_shrink(store.read_tree(options.site_dir, "feeds/*.xml"), feed_files)
        if shrinking and not options.allow_shrink:
            raise BuildError(f"refusing to publish: {shrinking[0]}" + (f" (and {len(shrinking) - 1} more feeds)" if len(shrinking) > 1 else ""))
        info["detail"] = f"{len(files) + len(feed_files)} files"

    for problem in problems:
        reporter.problem(problem)
    if options.strict and problems:
        raise BuildError(f"{len(problems)} problem(s) with --strict; nothing written")

    with reporter.stage("write") as info:
        written, removed = store.sync_tree(docs_dir, {**files, **feed_files}, GENERATED)
        info["detail"] = f"{len(written)} written, {len(removed)} removed"

    if options.run_mkdocs:
        with reporter.stage("mkdocs") as info:
            site_written, site_removed = run_mkdocs(options.config, options.site_dir, site_url, catalog, site_data)
            info["detail"] = f"{options.site_dir}: {len(site_written)} files written, {len(site_removed)} removed"

    return BuildResult(len(catalog.papers), len(catalog.digests), len(topics), problems, written, removed, reporter.timings)


def run_mkdocs(config_file: Path, site_dir: Path, site_url: str, catalog: Catalog, site_data: SiteData) -> tuple[list[str], list[str]]:
    """A strict MkDocs build with the clock pinned to the newest digest, so the same input gives the same bytes.

    MkDocs renders into a staging folder; only a finished build is synced into `site_dir`, rewriting just the
    files that changed, so a failed build leaves the previous site served and a no-op build touches nothing.
    """
    from mkdocs import exceptions
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    epoch = source_date_epoch(catalog)
    saved = {key: os.environ.get(key) for key in ("SOURCE_DATE_EPOCH", "NO_MKDOCS_2_WARNING")}
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    logger = logging.getLogger("mkdocs")
    handler = _MkDocsLogHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    staging = site_dir.resolve().parent / f".{site_dir.resolve().name}.staging"
    try:
        config = load_config(str(config_file), site_dir=str(staging), site_url=site_url or None, strict=True)
        config.plugins["paper-digest/fast-pages"] = FastPagesPlugin()
        mkdocs_build(config)
        page_paths = write_pages(staging, read_shell(staging), shell_pages(site_data))
        lastmod = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).date().isoformat()
        rewrite_sitemap(staging, site_url, page_paths, lastmod, epoch)
        index_for_search(staging)
        return store.sync_dir(staging, site_dir)
    except (exceptions.MkDocsException, exceptions.Abort) as error:
        detail = "; ".join(handler.warnings[:3]) or str(error)
        raise BuildError(f"mkdocs build failed: {detail}") from error
    finally:
        store.remove_tree(staging)
        logger.removeHandler(handler)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def index_for_search(site: Path) -> None:
    """Pagefind's sharded index: a query downloads a few small chunks, not one index of the whole archive."""
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site), "--quiet"], capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BuildError(f"pagefind failed: {detail[-1] if detail else result.returncode}")


class _MkDocsLogHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage().splitlines()[0])


def options_from_args(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        dumps=Path(args.dumps),
        site_dir=Path(args.site_dir),
        config=Path(args.config),
        topics=Path(args.topics),
        site_url=args.site_url,
        feed_limit=args.feed_limit,
        allow_shrink=args.allow_shrink,
        strict=args.strict,
        run_mkdocs=not args.no_mkdocs,
        quiet=args.quiet,
    )


def cmd_build(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    try:
        result = build(options)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"built {result.papers} papers, {result.topics} topics, {result.digests} digests into {options.site_dir} "
        f"({len(result.problems)} problem(s); {sum(result.timings.values()):.1f} s)",
        file=sys.stderr,
    )
    return 0
