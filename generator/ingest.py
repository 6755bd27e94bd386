"""Read dump files and the manifest into `Dump` records with settled digest days."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from . import store
from .manifest import ManifestEntry, parse_manifest, settle_day
from .models import Dump, Problem
from .readers import read_dump


def load_manifests(folders: Iterable[Path]) -> tuple[dict[Path, ManifestEntry], list[Problem]]:
    """Manifest entries keyed by the dump's resolved path, from a `manifest.yml` in each folder."""
    entries: dict[Path, ManifestEntry] = {}
    problems: list[Problem] = []
    for folder in sorted(set(folders)):
        manifest_path = folder / store.MANIFEST_NAME
        text = store.read_text(manifest_path)
        if text is None:
            continue
        parsed, found = parse_manifest(text, str(manifest_path))
        problems.extend(found)
        for name, entry in parsed.items():
            entries[(folder / name).resolve()] = entry
    return entries, problems


def read_dumps(paths: Iterable[str | Path], cache: dict[str, Dump] | None = None,
               parse_all: Callable[[list[tuple[str, bytes]]], list[Dump]] | None = None) -> tuple[list[Dump], list[Problem]]:
    """Every dump under `paths`, in path order, plus problems that belong to no single dump.

    `cache` (content hash -> what the reader made of those bytes) spares re-parsing unchanged dumps; it is filled as
    dumps are read. The manifest is applied afresh every time. `parse_all` reads a list of (path, bytes) into
    dumps, in order (the build passes one that uses every core); by default, one after the other.
    """
    files, missing = store.find_dumps(paths)
    problems = [Problem(path, "no such file or folder") for path in missing]
    manifest, manifest_problems = load_manifests(path.parent for path in files)
    problems.extend(manifest_problems)
    read: list[tuple[Path, bytes, str]] = []
    for path in files:
        try:
            data = store.read_bytes(path)
        except OSError as error:
            problems.append(Problem(str(path), f"cannot read: {error.strerror or error}"))
            continue
        read.append((path, data, hashlib.sha256(data).hexdigest()))
    cache = {} if cache is None else cache
    fresh = {key: (str(path), data) for path, data, key in read if key not in cache}
    parsed = (parse_all or parse_each)(list(fresh.values()))
    cache.update(zip(fresh, parsed))
    dumps = []
    for path, data, key in read:
        entry = manifest.get(path.resolve(), ManifestEntry())
        dumps.append(with_manifest(_named(cache[key], str(path)), entry))
    return dumps, problems


def parse_each(files: list[tuple[str, bytes]]) -> list[Dump]:
    """What the readers make of each (path, bytes), in order."""
    return [read_dump(path, data) for path, data in files]


def with_manifest(dump: Dump, entry: ManifestEntry) -> Dump:
    """The dump with its day settled and what the manifest knows about it attached."""
    day = settle_day(dump.month_day, dump.day, entry, dump.url)
    problems = list(dump.problems)
    if not day and dump.papers:
        hint = f"header {dump.month_day} without a year" if dump.month_day else "no day header"
        problems.append(
            Problem(dump.path, f"no digest day ({hint}, nothing in the manifest); its papers sort as undated", severity="warning")
        )
    return dataclasses.replace(
        dump,
        day=day,
        url=dump.url or entry.url,
        query=entry.query,
        topic=entry.topic,
        problems=tuple(problems),
    )


def _named(dump: Dump, path: str) -> Dump:
    if dump.path != path:
        # The same bytes under another name: the problems must name this file.
        dump = dataclasses.replace(dump, path=path, problems=tuple(dataclasses.replace(p, path=path) for p in dump.problems))
    return dump
