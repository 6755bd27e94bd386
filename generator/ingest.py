"""Read dump files and the manifest into validated `Dump` records with settled digest days."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from . import store, validate
from .manifest import MAX_MANIFEST_BYTES, ManifestEntry, parse_manifest, settle_day
from .model import Dump, Problem


def load_manifests(folders: Iterable[Path]) -> tuple[dict[Path, ManifestEntry], list[Problem]]:
    """Manifest entries keyed by the dump's resolved path, from a `manifest.yml` in each folder."""
    entries: dict[Path, ManifestEntry] = {}
    problems: list[Problem] = []
    for folder in sorted(set(folders)):
        manifest_path = folder / store.MANIFEST_NAME
        try:
            text = store.read_text(manifest_path, max_bytes=MAX_MANIFEST_BYTES)
        except store.RefusedFile as error:
            problems.append(Problem(str(manifest_path), f"{error}; dumps are read without it"))
            continue
        except (OSError, UnicodeDecodeError) as error:
            reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror or str(error)
            problems.append(Problem(str(manifest_path), f"cannot read: {reason}; dumps are read without it"))
            continue
        if text is None:
            continue
        parsed, found = parse_manifest(text, str(manifest_path))
        problems.extend(found)
        resolved = folder.resolve()
        for name, entry in parsed.items():  # plain file names (parse_manifest checks): joined, never resolved
            entries[resolved / name] = entry
    return entries, problems


def read_dumps(paths: Iterable[str | Path], cache: dict[str, Dump] | None = None,
               parse_all: Callable[[list[tuple[str, bytes]]], list[Dump]] | None = None) -> tuple[list[Dump], list[Problem]]:
    """Every dump under `paths`, in path order, plus problems that belong to no single dump.

    Every dump is validated (generator/validate.py): one that is not a regular file, is too large, or would break a
    writer comes back quarantined (no papers; its cause is its one problem).

    `cache` (content hash -> what the reader made of those bytes) spares re-parsing unchanged dumps; it is filled as
    dumps are read. The manifest is applied afresh every time. `parse_all` reads a list of (path, bytes) into
    dumps, in order (the build passes one that uses every core); by default, one after the other.
    """
    files, missing = store.find_dumps(paths)
    problems = [Problem(path, "no such file or folder") for path in missing]
    manifest, manifest_problems = load_manifests(path.parent for path in files)
    problems.extend(manifest_problems)
    read: list[tuple[Path, bytes, str] | Dump] = []  # bytes to parse, or a dump refused without reading it
    for path in files:
        try:
            data = store.read_dump_file(path, validate.MAX_DUMP_BYTES)
        except store.RefusedFile as error:
            read.append(validate.refused(str(path), str(error)))
            continue
        except OSError as error:
            problems.append(Problem(str(path), f"cannot read: {error.strerror or error}"))
            continue
        read.append((path, data, hashlib.sha256(data).hexdigest()))
    cache = {} if cache is None else cache
    fresh = {item[2]: (str(item[0]), item[1]) for item in read if not isinstance(item, Dump) and item[2] not in cache}
    parsed = (parse_all or parse_each)(list(fresh.values()))
    cache.update(zip(fresh, parsed))
    dumps = []
    for item in read:
        if isinstance(item, Dump):
            dumps.append(item)
            continue
        path, _, key = item
        entry = manifest.get(path.resolve(), ManifestEntry())
        # The name, and what the manifest gives (URL, query, topic), are checked here; the papers were when read.
        dumps.append(validate.admit(with_manifest(_named(cache[key], str(path)), entry), papers=False))
    return dumps, problems


def parse_each(files: list[tuple[str, bytes]]) -> list[Dump]:
    """What the readers make of each (path, bytes), in order, validated (quarantined where they must be)."""
    return [validate.read_valid_dump(path, data, check_name=False) for path, data in files]  # cached by content


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
