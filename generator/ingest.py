"""Read dump files and the manifest into `Dump` records with settled digest days."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
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


def read_dumps(paths: Iterable[str | Path]) -> tuple[list[Dump], list[Problem]]:
    """Every dump under `paths`, in path order, plus problems that belong to no single dump."""
    files, missing = store.find_dumps(paths)
    problems = [Problem(path, "no such file or folder") for path in missing]
    manifest, manifest_problems = load_manifests(path.parent for path in files)
    problems.extend(manifest_problems)
    dumps = []
    for path in files:
        try:
            data = store.read_bytes(path)
        except OSError as error:
            problems.append(Problem(str(path), f"cannot read: {error.strerror or error}"))
            continue
        entry = manifest.get(path.resolve(), ManifestEntry())
        dumps.append(with_manifest(read_dump(str(path), data), entry))
    return dumps, problems


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
