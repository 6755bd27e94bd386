"""All reading and writing of files: dumps in, generated files out, every write atomic and only if changed."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .readers import DUMP_SUFFIXES

MANIFEST_NAME = "manifest.yml"


def find_dumps(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Dump files among `paths` (files, or folders searched one level deep), sorted; plus paths that do not exist."""
    found: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                child
                for child in sorted(path.iterdir())
                if child.is_file() and child.suffix.lower() in DUMP_SUFFIXES and not child.name.startswith(".")
            )
        elif path.is_file():
            found.append(path)
        else:
            missing.append(str(raw))
    return found, missing


def read_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()


def read_text(path: Path) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write via a temporary file in the same folder and `os.replace`, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """True when the file was (re)written; an identical file keeps its bytes and its mtime."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    try:
        if path.stat().st_size == len(payload) and path.read_bytes() == payload:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, payload)
    return True


def sync_tree(root: Path, files: Mapping[str, str | bytes], managed: Iterable[str]) -> tuple[list[str], list[str]]:
    """Make the `managed` parts of `root` hold exactly `files` (relative paths): write what changed, remove what is stale.

    A managed entry is a folder (`papers/`) or a single file (`index.md`); nothing outside them is touched.
    """
    root = Path(root)
    written = sorted(rel for rel, data in files.items() if write_if_changed(root / rel, data))
    wanted = set(files)
    removed: list[str] = []
    for entry in managed:
        target = root / entry
        if target.is_file() and entry not in wanted:
            target.unlink()
            removed.append(entry)
        elif target.is_dir():
            for path in sorted(target.rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and rel not in wanted:
                    path.unlink()
                    removed.append(rel)
            for folder in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()
    return written, removed


def read_tree(root: Path, pattern: str) -> dict[str, str]:
    """Text of the files under `root` matching `pattern`, keyed by path relative to `root`."""
    root = Path(root)
    if not root.is_dir():
        return {}
    out = {}
    for path in sorted(root.glob(pattern)):
        if path.is_file():
            try:
                out[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
    return out


def sync_dir(source: Path, target: Path) -> tuple[list[str], list[str]]:
    """Make `target` a copy of `source`, writing only files whose bytes differ and removing the rest."""
    source, target = Path(source), Path(target)
    files = {p.relative_to(source).as_posix(): p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}
    target.mkdir(parents=True, exist_ok=True)
    return sync_tree(target, files, [p.name for p in sorted(target.iterdir())] + [name for name in files if "/" not in name])


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def write_plain(path: Path, data: bytes | str) -> None:
    """A plain write, for files in a private staging folder that nobody reads until the build is done."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def copy_changed(source: Path, target: Path) -> list[str]:
    """Copy every file of `source` into `target` whose bytes differ; nothing in `target` is removed."""
    source, target = Path(source), Path(target)
    return [
        path.relative_to(source).as_posix()
        for path in sorted(source.rglob("*"))
        if path.is_file() and write_if_changed(target / path.relative_to(source), path.read_bytes())
    ]
