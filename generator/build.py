"""The orchestrator: gather the whole site's model (parse, tag, related), plan against the last one, then render,
write and publish what changed.

`_build` reads like a table of contents; each step is one function here calling into the module that owns the work.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import dataclasses
import functools
import datetime as dt
import gc
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from . import feeds as feeds_module
from . import pages, parallel, store, urls
from .progress import Meter
from .catalog import MAX_IDS_BYTES, CatalogMemo, IdMapError, build_catalog, ids_text, parse_ids, with_site_ids
from .pages.common import Fragments
from .plan import Plan, changes, plan
from .ingest import parse_each, read_dumps
from .model import Catalog, Dump, Problem, Site, printable
from .fastpages import (FAST_SECTIONS, SHELL_MARKDOWN, SHELL_SOURCE, FastPagesPlugin, TemplateCache, is_fast_output,
                        is_fast_page, linked_fast_pages, read_shell, rewrite_sitemap, write_pages)
from .lookup import lookup_files
from .related import RelatedIndex
from .search import build_index as build_search_index
from .similar_index import stage_index as stage_similar_index
from .topics import TaxonomyError, assign_topics, load_taxonomy, topic_for_label, topic_index

# What the generator owns inside docs_dir: everything else there (about.md, assets/) is hand-written.
GENERATED = ("index.md", "papers", "tags", "digests", "api", "feeds", "_shell", "_report.json")
REPORT = "_report.json"  # what the build read, skipped and complained about (site/_report.json)
SEARCH_FOLDER = "search-index"  # written into the site after MkDocs, like the fast pages


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
    markdown: bool = False  # also write the fast pages into the docs folder as Markdown (pages.markdown_sources)
    quiet: bool = False
    lock_wait: float = 0.0  # seconds to wait for another build of the same site folder (0: fail at once)


@dataclasses.dataclass
class BuildResult:
    papers: int
    digests: int
    topics: int
    problems: list[Problem]
    written: list[str]
    removed: list[str]
    timings: dict[str, float]
    incremental: bool = False
    state: "SiteState | None" = None


class Reporter:
    """Stage lines: a progress bar in the stage's units on a terminal (generator/progress.py), plain lines on CI or
    when piped."""

    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.interactive = self.stream.isatty() and not os.environ.get("CI")
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[dict]:
        info: dict = {"meter": Meter(name, self.stream, self.interactive and not self.quiet)}
        start = time.perf_counter()
        try:
            yield info
        finally:
            elapsed = time.perf_counter() - start
            self.timings[name] = elapsed
            info["meter"].close()
            if not self.quiet:
                detail = f": {info['detail']}" if info.get("detail") else ""
                print(f"[build] {name}{detail} ({elapsed:.2f} s)", file=self.stream, flush=True)

    def problem(self, problem: Problem | str) -> None:
        print(printable(str(problem)), file=self.stream, flush=True)


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


def build_report(catalog: Catalog, problems: list[Problem], dumps_dir: Path) -> str:
    """`_report.json`: the dumps read, those quarantined (with the cause) and every problem, by file name relative
    to the dumps folder; no time and no absolute path, so the same input gives the same bytes."""
    def name(path: str) -> str:
        try:
            return Path(path).resolve().relative_to(dumps_dir.resolve()).as_posix()
        except ValueError:
            return Path(path).name

    report = {
        "dumps": len(catalog.dumps),
        "papers": len(catalog.papers),
        "digests": len(catalog.digests),
        "quarantined": sorted(({"file": name(d.path), "cause": d.quarantined} for d in catalog.dumps if d.quarantined),
                              key=lambda item: item["file"]),
        "problems": sorted(({"file": name(p.path), "line": p.line, "severity": p.severity, "message": p.message}
                            for p in problems), key=lambda item: (item["file"], item["line"], item["message"])),
    }
    return json.dumps(report, indent=1) + "\n"  # ASCII: a file name may hold undecodable bytes


def source_date_epoch(catalog: Catalog) -> int:
    """The newest digest day at midnight UTC: what MkDocs stamps into the sitemap instead of the clock."""
    days = [d.day for d in catalog.digests if d.day]
    if not days:
        return 0
    newest = dt.date.fromisoformat(max(days))
    return calendar.timegm(newest.timetuple())


def forced_topics(catalog: Catalog, topics, index) -> tuple[dict[str, list[str]], list[Problem]]:
    """Paper id -> topic slugs named by its dumps' manifest entries (topic, or a query that names a topic)."""
    forced: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for digest in catalog.digests:
        for label, strict in ((digest.topic, True), (digest.query, False)):
            if not label:
                continue
            slug = topic_for_label(label, topics, index)
            if slug is None:
                if strict:
                    problems.append(Problem(digest.source, f"manifest topic {label!r} names no topic in the taxonomy", severity="warning"))
                continue
            for paper_id in digest.paper_ids:
                slugs = forced.setdefault(paper_id, [])
                if slug not in slugs:
                    slugs.append(slug)
    return forced, problems


@dataclasses.dataclass
class Cache:
    """What a build keeps to skip work in the next one, whatever else changed: parsed dumps by content, the catalog's
    merge memo, the theme's compiled templates, the taxonomy's phrase index."""

    dumps: dict[str, Dump] = dataclasses.field(default_factory=dict)
    catalog: CatalogMemo = dataclasses.field(default_factory=CatalogMemo)
    templates: TemplateCache = dataclasses.field(default_factory=TemplateCache)
    taxonomy: tuple = ((), None)  # the topics and their index for tagging (topics.topic_index)


@dataclasses.dataclass
class SiteState:
    """All a finished build leaves for the next one (the only state the preview server holds between builds): the
    cache, the site it derived with its rendered fragments, and the related-papers index, so that the next build
    redoes only what new dumps change when nothing else changed."""

    inputs: str  # fingerprint of the configuration, theme overrides, taxonomy and hand-written pages
    cache: Cache
    site: Site
    fragments: Fragments
    related_index: RelatedIndex


@dataclasses.dataclass(frozen=True)
class Setup:
    """What a build reads besides the dumps: where the docs are, the public URL, and the fingerprint of it all."""

    docs_dir: Path
    site_url: str
    inputs: str


def inputs_fingerprint(options: BuildOptions, docs_dir: Path) -> str:
    """A change to anything but the dumps (config, taxonomy, overrides, hand-written pages) needs a full build."""
    digest = hashlib.sha256()
    hand_written = [p for p in sorted(docs_dir.iterdir()) if p.name not in GENERATED] if docs_dir.is_dir() else []
    for root in [options.config, options.topics, options.config.parent / "overrides", *hand_written]:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build(options: BuildOptions, reporter: Reporter | None = None, previous: SiteState | None = None) -> BuildResult:
    """Dumps to finished site. With `previous` (a state from an earlier build in this process) only what the new
    dumps change is recomputed and rewritten, when nothing else changed; otherwise everything is.

    Python's cyclic garbage collector is paused meanwhile: a build allocates millions of acyclic records, and each
    full collection walks all of them (a second of an incremental build at 50,000 papers; in forked workers it
    also copies every page it touches). What cycles a build leaves are collected once it is over."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        with store.site_lock(options.site_dir, wait=options.lock_wait):
            store.recover_site(options.site_dir)  # what a killed build left: finish its publish, or drop its staging
            return _build(options, reporter or Reporter(options.quiet), previous)
    except store.SiteLocked as error:
        raise BuildError(str(error)) from None
    finally:
        if collecting:
            gc.enable()


def _build(options: BuildOptions, reporter: Reporter, previous: SiteState | None) -> BuildResult:
    """Gather the whole site's model, compare it with the previous one (nothing, for a full build), write what
    changed. One path for both: a full build is an incremental build against nothing."""
    setup = read_setup(options)
    kept = previous if previous is not None and previous.inputs == setup.inputs else None  # else: against nothing
    cache = previous.cache if previous is not None else Cache()
    catalog, ids_before, problems = parse(options, cache, reporter)
    change = changes(kept.site.catalog if kept else None, catalog)
    with parallel.Jobs() as jobs:
        if change.complete and options.run_mkdocs:  # the search index needs only the catalog: made on the other core
            jobs.start("search", build_search_index, catalog.papers)
        site, related_index = enrich(options, setup, catalog, change, kept, cache, problems, reporter)
        todo = plan(change, site, kept.site if kept else None)
        fragments = Fragments() if todo.complete else kept.fragments.without(todo.papers)
        sources = render(options, site, fragments, todo, problems, reporter)
        written, removed = write_sources(options, setup, sources, todo, problems, reporter)
        if options.run_mkdocs:
            publish_site(options, setup, site, fragments, todo, related_index, cache, jobs, reporter, written)
    keep_ids(options, sources[urls.IDS_JSON], ids_before)
    return BuildResult(len(catalog.papers), len(catalog.digests), len(site.topics), problems, written, removed,
                       reporter.timings, incremental=not todo.complete,
                       state=SiteState(setup.inputs, cache, site, fragments, related_index))


def read_setup(options: BuildOptions) -> Setup:
    config = read_config(options.config)
    docs_dir = options.config.parent / str(config.get("docs_dir") or "docs")
    try:
        site_url = feeds_module.normalise_site_url(options.site_url or str(config.get("site_url") or ""))
    except feeds_module.FeedError as error:
        raise BuildError(str(error)) from error
    return Setup(docs_dir, site_url, inputs_fingerprint(options, docs_dir))


def parse(options: BuildOptions, cache: Cache, reporter: Reporter) -> tuple[Catalog, str | None, list[Problem]]:
    """Stage "parse": the catalog of every dump (only new ones parsed), ids.json as it was, the problems found."""
    with reporter.stage("parse") as info:
        catalog, ids_before, problems = read_catalog(options.dumps, options.site_dir, cache.dumps, cache.catalog, info["meter"])
        quarantined = sum(1 for d in catalog.dumps if d.quarantined)
        info["detail"] = (f"{len(catalog.dumps)} dumps, {sum(d.entries for d in catalog.dumps)} entries, "
                          f"{len(catalog.papers)} papers" + (f", {quarantined} dumps quarantined" if quarantined else ""))
    if not catalog.papers:
        raise BuildError(f"{options.dumps}: no papers in any dump; nothing to publish")
    return catalog, ids_before, problems


def enrich(options: BuildOptions, setup: Setup, catalog: Catalog, change, kept: SiteState | None, cache: Cache,
           problems: list[Problem], reporter: Reporter) -> tuple[Site, RelatedIndex]:
    """Stages "tag" and "related": the derived site, its topics and related papers found for what `change` holds
    (everything, against nothing), the rest taken from the kept site."""
    with reporter.stage("tag") as info:
        try:
            topics = load_taxonomy(options.topics)
        except (TaxonomyError, OSError) as error:
            raise BuildError(str(error)) from error
        if cache.taxonomy[0] != topics:
            cache.taxonomy = (topics, topic_index(topics))
        forced, found = forced_topics(catalog, topics, cache.taxonomy[1])
        problems += found
        tags = {**(kept.site.tags if not change.complete else {}), **assign_topics(change.papers, topics, forced=forced, index=cache.taxonomy[1])}
        info["detail"] = f"{len(topics)} topics" + ("" if change.complete else f", {len(change.papers)} papers retagged")

    with reporter.stage("related") as info:
        if change.complete:
            related_index, related = RelatedIndex.build(
                catalog.papers, progress=info["meter"].start(len(catalog.papers), "papers").callback)
        else:  # the new papers' neighbours, against the vocabulary the complete build fitted
            related_index = kept.related_index
            related = {**kept.site.related, **related_index.add(change.new_papers)}
        links = sum(1 for rels in related.values() for r in rels if not r.version)
        versions = sum(1 for rels in related.values() for r in rels if r.version)
        info["detail"] = f"{links} links" + (f", {versions} to other versions" if versions else "")
    return Site(catalog, topics, tags, related, setup.site_url), related_index


def render(options: BuildOptions, site: Site, fragments: Fragments, todo: Plan, problems: list[Problem],
           reporter: Reporter) -> dict[str, str]:
    """Stage "render": the generated sources for the docs folder (the pages MkDocs renders, the API, the report,
    the look-up shards, the feeds the plan touches), by path relative to it."""
    with reporter.stage("render") as info:
        files = {**pages.sources(site, fragments), SHELL_SOURCE: SHELL_MARKDOWN,
                 REPORT: build_report(site.catalog, problems, options.dumps),
                 urls.IDS_JSON: ids_text(site.catalog.ids),  # published, so that a build elsewhere keeps these ids
                 **lookup_files(site.catalog.papers, site.related, fragments.lookups),  # the extension's (api/lookup/)
                 **render_feeds_guarded(options, site, todo),
                 **(pages.markdown_sources(site, fragments, todo.pages) if options.markdown else {})}
        info["detail"] = f"{len(files)} files"
    return files


def write_sources(options: BuildOptions, setup: Setup, files: dict[str, str], todo: Plan, problems: list[Problem],
                  reporter: Reporter) -> tuple[list[str], list[str]]:
    """The problems reported (none allowed with --strict), then stage "write": the sources into the docs folder
    (a complete plan also removes the generated files no longer made)."""
    for problem in problems:
        reporter.problem(problem)
    if options.strict and problems:
        raise BuildError(f"{len(problems)} problem(s) with --strict; nothing written")
    with reporter.stage("write") as info:
        written, removed = store.sync_tree(setup.docs_dir, files, GENERATED if todo.complete else ())
        info["detail"] = f"{len(written)} written, {len(removed)} removed"
    return written, removed


def publish_site(options: BuildOptions, setup: Setup, site: Site, fragments: Fragments, todo: Plan,
                 related_index: RelatedIndex, cache: Cache, jobs: parallel.Jobs, reporter: Reporter,
                 rewritten: list[str]) -> None:
    """Stages "mkdocs", "pages", "search" and "publish": everything for the site folder is staged beside it and moved
    in at the end (store.SiteUpdate), so a build that dies before then leaves the previous site as it was.
    `rewritten`: the sources the write stage changed in the docs folder."""
    update = store.SiteUpdate(options.site_dir)
    try:
        with reporter.stage("mkdocs") as info:
            shell, theme_written, theme_removed = render_theme_pages(options, setup.docs_dir, update, setup.site_url, site,
                                                                      full=todo.complete, templates=cache.templates,
                                                                      rewritten=rewritten)
            info["detail"] = f"{len(theme_written)} files written, {len(theme_removed)} removed"
        if "search" in jobs:  # "papers like this": made and staged by a forked process while pages are written
            jobs.start("similar", stage_similar_index, update.write, related_index, site.catalog.papers, f"{SEARCH_FOLDER}/")
        with reporter.stage("pages") as info:
            pages_written, pages_removed = write_fast_pages(update, shell, site, fragments, todo, info["meter"])
            info["detail"] = f"{len(pages_written)} written, {len(pages_removed)} removed"
        if "search" in jobs:  # an incremental build leaves search to the next complete build
            with reporter.stage("search") as info:
                try:
                    index_files = jobs.result("search")
                    similar_written, similar_files = jobs.result("similar")
                except RuntimeError as error:  # the forked indexer died (killed, out of memory)
                    raise BuildError(f"search index: {error}") from error
                search_written, search_removed = write_search_index(update, index_files, similar_files)
                info["detail"] = (f"{len(search_written) + len(similar_written)} index files written "
                                  f"({len(similar_written)} papers-like-this), {len(search_removed)} removed")
        with reporter.stage("publish") as info:
            renames, removed_files = update.publish()
            info["detail"] = f"{renames} renames, {removed_files} removed"
    finally:
        update.discard()


def keep_ids(options: BuildOptions, ids_after: str, ids_before: str | None) -> None:
    """Every id this build published (`ids_after`, as api/ids.json holds it), kept beside the dumps for the next
    build (written only when it changed)."""
    if options.dumps.is_dir() and ids_after != ids_before:
        store.write_atomic(options.dumps / store.IDS_NAME, ids_after, durable=True)


def read_catalog(dumps_dir: Path, site_dir: Path, dump_cache: dict[str, Dump], memo: CatalogMemo,
                 meter: Meter | None = None) -> tuple[Catalog, str | None, list[Problem]]:
    """Every dump read (only new ones parsed) and merged into the catalog, with the published ids kept (those of
    dumps/ids.json, and those the site's published copy of it holds besides: see catalog.with_site_ids): the
    catalog, ids.json as it was, and the problems found."""
    ids_path = dumps_dir / store.IDS_NAME
    try:
        ids_before = store.read_text(ids_path, max_bytes=MAX_IDS_BYTES) if dumps_dir.is_dir() else None
        published = parse_ids(ids_before)
    except (IdMapError, OSError, UnicodeDecodeError) as error:
        raise BuildError(f"{ids_path}: {error}; restore it (e.g. from git): without it published ids could move") from error
    problems: list[Problem] = []
    site_ids_path = site_dir / urls.IDS_JSON
    try:
        site_ids = store.read_text(site_ids_path, max_bytes=MAX_IDS_BYTES)
    except (OSError, UnicodeDecodeError) as error:
        site_ids, problems = None, [Problem(str(site_ids_path), f"the published id map cannot be read ({error}); "
                                                                 "ids it alone holds may move", severity="warning")]
    if site_ids is not None and site_ids != ids_before:  # else it says nothing the committed map does not
        published, unused = with_site_ids(published, site_ids)
        if unused:
            problems.append(Problem(str(site_ids_path), f"the published id map: {unused}", severity="warning"))
    dumps, found = read_dumps([dumps_dir], cache=dump_cache, parse_all=lambda files: parse_on_every_core(files, meter))
    problems += found + [p for dump in dumps for p in dump.problems]
    catalog, merged = build_catalog(dumps, memo=memo, published=published)
    return catalog, ids_before, problems + merged


def render_feeds_guarded(options: BuildOptions, site: Site, todo: Plan) -> dict[str, str]:
    """The feeds the plan touches, refused (BuildError) when one would lose more than half of the items subscribers
    have (the shrink guard), unless --allow-shrink. A complete build also compares the feeds that would go away."""
    try:
        feed_files = feeds_module.render_feeds(site.catalog, site.topics, site.tags, site.site_url,
                                               limit=options.feed_limit, only=None if todo.complete else todo.topics)
    except feeds_module.FeedError as error:
        raise BuildError(str(error)) from error
    published = store.read_tree(options.site_dir, "feeds/*.xml")
    if not todo.complete:
        published = {path: text for path, text in published.items() if path in feed_files}
    shrinking = feeds_module.check_shrink(published, feed_files, limit=options.feed_limit)
    if shrinking and not options.allow_shrink:
        raise BuildError(f"refusing to publish: {shrinking[0]}" + (f" (and {len(shrinking) - 1} more feeds)" if len(shrinking) > 1 else ""))
    return feed_files


def render_theme_pages(options: BuildOptions, docs_dir: Path, update: store.SiteUpdate, site_url: str,
                       site: Site, full: bool, templates: TemplateCache | None = None, rewritten: Iterable[str] = ()):
    """A strict MkDocs build of the theme's pages (home, indexes, about) and the fast pages' shell, with the clock
    pinned to the newest digest so the same input gives the same bytes. MkDocs reads a view of the docs folder
    without the fast pages (hard links, beside the staging folder) and renders into the update's staging folder;
    what it made that the site already holds byte for byte is then dropped from the update, and a full build also
    lists for removal what MkDocs no longer makes; an incremental build has MkDocs copy only the static files the
    write stage `rewritten` (the site holds every other one as the last build left it). Returns the shell and what
    changed / went stale."""
    staging = update.staging
    epoch = source_date_epoch(site.catalog)
    lastmod = dt.datetime.fromtimestamp(epoch, dt.timezone.utc).date().isoformat()
    theme_docs = staging.parent / f"{staging.name}-docs"
    theme_files = [rel for rel in store.walk_files(docs_dir, skip=("papers",)) if not is_fast_page(rel)]
    linked = linked_fast_pages({rel: store.read_text(docs_dir / rel) or "" for rel in theme_files if rel.endswith(".md")})
    fast = {urls.source(path) for path in pages.fast_paths(site)}
    try:
        store.mirror(docs_dir, theme_docs, theme_files)
        plugin = FastPagesPlugin(linked & fast, str(docs_dir.resolve()), templates, copy_only=None if full else rewritten)
        _mkdocs_into(options.config, theme_docs, staging, site_url, epoch, plugin)
    finally:
        store.remove_tree(theme_docs)
    shell = read_shell(staging)
    rewrite_sitemap(staging, site_url, [urls.page_file(path) for path in pages.fast_paths(site, sitemap_only=True)], lastmod, epoch)
    # papers/ and the search index are the fast pages' and the search stage's own; so are tags/<slug>/ and
    # digests/<id>/, beside the index pages MkDocs makes there
    written, removed = update.take_rendered(keep=is_fast_output, skip=("papers", SEARCH_FOLDER), remove_stale=full)
    return shell, written, removed


def write_fast_pages(update: store.SiteUpdate, shell: list[str], site: Site, fragments: Fragments, todo: Plan,
                     meter: Meter | None = None) -> tuple[list[str], list[str]]:
    """The plan's fast pages, kind by kind from the output table (pages.FAST_KINDS), put into the shell and staged
    if changed (a kind with many independent pages on every core); a complete plan also lists the pages that went
    away as stale."""
    written: list[str] = []
    for kind in pages.FAST_KINDS:
        keys = [key for key in kind.keys(site) if key in todo.pages[kind.name]]
        job = functools.partial(_write_pages, site, fragments, kind, shell, update)
        if kind.on_every_core:
            progress = meter.start(len(keys), f"{kind.name} pages").callback if meter else None
            written += parallel.on_every_core(job, keys, _PAGES_A_WORKER, progress)
        else:
            written += job(keys)
    removed: list[str] = []
    if todo.complete:
        wanted = {urls.page_file(path) for path in pages.fast_paths(site)}
        removed = store.find_stale(update.site, [f"{section}*/index.html" for section in FAST_SECTIONS], wanted)
        update.remove(removed)
    return sorted(written), removed


_PAGES_A_WORKER = 500  # fewer pages than this are not worth a process
_DUMPS_A_WORKER = 50


def parse_on_every_core(files: list[tuple[str, bytes]], meter: Meter | None = None) -> list[Dump]:
    """What the readers make of each (path, bytes), in order."""
    progress = meter.start(len(files), "dumps").callback if meter else None
    return parallel.on_every_core(parse_each, files, _DUMPS_A_WORKER, progress)


def _write_pages(site: Site, fragments: Fragments, kind: pages.PageKind, shell: list[str], update: store.SiteUpdate,
                 keys: list[str]) -> list[str]:
    return write_pages(shell, pages.fast_pages(site, fragments, kind, keys), update.write)


def write_search_index(update: store.SiteUpdate, files: dict[str, str], staged: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """The search index (generator/search.py) for site/search-index: changed files staged, stale ones listed;
    `staged`: the files another step put there already (site-relative), which are not stale."""
    written = sorted(name for name, text in files.items() if update.write(f"{SEARCH_FOLDER}/{name}", text))
    wanted = {f"{SEARCH_FOLDER}/{name}" for name in files} | set(staged)
    removed = store.find_stale(update.site, [f"{SEARCH_FOLDER}/**/*"], wanted)
    update.remove(removed)
    return written, removed


def _mkdocs_into(config_file: Path, docs_dir: Path, staging: Path, site_url: str, epoch: int, plugin) -> None:
    from mkdocs import exceptions
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    saved = {key: os.environ.get(key) for key in ("SOURCE_DATE_EPOCH", "NO_MKDOCS_2_WARNING")}
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    logger = logging.getLogger("mkdocs")
    handler = _MkDocsLogHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        config = load_config(str(config_file), docs_dir=str(docs_dir.resolve()), site_dir=str(staging),
                             site_url=site_url or None, strict=True)
        config.plugins["paper-digest/fast-pages"] = plugin
        mkdocs_build(config)
    except (exceptions.MkDocsException, exceptions.Abort) as error:
        detail = "; ".join(handler.warnings[:3]) or str(error)
        raise BuildError(f"mkdocs build failed: {detail}") from error
    finally:
        logger.removeHandler(handler)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
        markdown=args.markdown,
        quiet=args.quiet,
    )


def cmd_build(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    try:
        result = build(options)
    except BuildError as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return 1
    print(
        f"built {result.papers} papers, {result.topics} topics, {result.digests} digests into {printable(str(options.site_dir))} "
        f"({len(result.problems)} problem(s); {sum(result.timings.values()):.1f} s)",
        file=sys.stderr,
    )
    return 0
