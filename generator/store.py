"""All reading and writing of files: dumps in, generated files out, every write atomic and only if changed."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .readers import DUMP_SUFFIXES

MANIFEST_NAME = "manifest.yml"
IDS_NAME = "ids.json"  # the published id of every paper (generator/catalog.py: IDS_NAME); not a dump


class RefusedFile(OSError):
    """A dump path that is not a regular file (a symlink, a folder, a FIFO, a device), or is over the size limit."""


def find_dumps(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Dump paths among `paths` (files, or folders searched one level deep), sorted; plus paths that do not exist.

    Every name with a dump's suffix is listed, whatever it is (a symlink, a folder, a FIFO): `read_dump_file`
    refuses what is not a regular file, by name, so nothing is silently skipped and nothing is followed."""
    found: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():  # a folder named here may be a symlink (the operator chose it); its entries may not
            found.extend(
                child
                for child in sorted(path.iterdir())
                if child.suffix.lower() in DUMP_SUFFIXES and not child.name.startswith(".") and child.name != IDS_NAME
            )
        elif os.path.lexists(path):
            found.append(path)
        else:
            missing.append(str(raw))
    return found, missing


def read_dump_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a dump that is a regular file of at most `max_bytes`; `RefusedFile` otherwise.

    Opened without following a symlink and without blocking on a FIFO, and checked on the open file, so a file
    swapped for a symlink meanwhile is refused too; an oversized file is never read into memory."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISREG(mode):
        raise RefusedFile(f"{_kind(mode)}, not a regular file; not read")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RefusedFile("a symlink, not a regular file; not read") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(f"{_kind(info.st_mode)}, not a regular file; not read")
        if info.st_size > max_bytes:
            raise RefusedFile(f"{info.st_size:,} bytes, over the limit of {max_bytes:,} bytes per dump; not read")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise RefusedFile(f"over the limit of {max_bytes:,} bytes per dump; not read")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symlink"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


def read_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()


def read_text(path: Path, max_bytes: int | None = None) -> str | None:
    """The text of a file; None when it does not exist. With `max_bytes`, only a regular file (never a symlink) of
    at most that size is read (`RefusedFile` otherwise): for inputs that sit beside the dumps."""
    try:
        if max_bytes is None:
            return Path(path).read_text(encoding="utf-8")
        return read_dump_file(Path(path), max_bytes).decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_atomic(path: Path, data: bytes | str, durable: bool = False) -> None:
    """Write via a temporary file in the same folder and `os.replace`, so a reader never sees half a file.

    `durable` also syncs the bytes to disk first: for data that exists nowhere else (a stored dump, the manifest);
    generated files can always be made again, and syncing 50,000 pages would cost more than building them.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if not durable:
        _write_replace(path, payload)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _write_replace(path: Path, payload: bytes) -> None:
    """The cheap atomic write for generated files: one build writes at a time, so a per-process temporary name
    needs no random suffix, and the folder is made only when the first write finds it missing."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_if_changed(path: Path | str, data: bytes | str) -> bool:
    """True when the file was (re)written; an identical file keeps its bytes and its mtime.

    A file that does not exist yet is created in place (exclusively): no reader can be holding an older version of
    it, and skipping the temporary file and the rename saves a third of the cost of the 100,000 files a cold build
    of a large archive writes. An existing file is replaced atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    name = os.fspath(path)
    try:
        if os.stat(name).st_size == len(payload):
            with open(name, "rb") as handle:
                if handle.read() == payload:
                    return False
    except FileNotFoundError:
        if _create(name, payload):
            return True
    write_atomic(Path(name), payload)
    return True


def _create(name: str, payload: bytes) -> bool:
    """Write a new file; False if it appeared meanwhile (the caller then replaces it atomically)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(name, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(name), exist_ok=True)
        fd = os.open(name, flags, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
    except BaseException:
        os.unlink(name)
        raise
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


def sync_dir(source: Path, target: Path, keep=None, skip: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """Make `target` a copy of `source`, writing only files whose bytes differ and removing the rest, except the
    files `keep(relative path)` says another step owns and the top-level folders in `skip` (never looked into:
    another step owns all of them, and walking 50,000 page folders takes seconds)."""
    source, target = Path(source), Path(target)
    written = copy_changed(source, target) if source.is_dir() else []
    wanted = set(walk_files(source))
    removed = []
    for rel in walk_files(target, skip):
        if rel not in wanted and not (keep and keep(rel)):
            (target / rel).unlink()
            removed.append(rel)
            _remove_empty_parents(target, rel)
    return written, removed


def _remove_empty_parents(root: Path, rel: str) -> None:
    """Remove the folders above a removed file that it left empty, up to `root`."""
    folder = (root / rel).parent
    while folder != root and root in folder.parents and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def remove_stale(root: Path, patterns: Iterable[str], wanted: set[str]) -> list[str]:
    """Remove files under `root` matching `patterns` that are not in `wanted` (relative paths), and the folders
    that leaves empty.

    A pattern is `<folder>/*/<name>` (one level of sub-folders) or `<folder>/**/*` (everything below). Folders are
    listed with os.scandir and only unwanted paths are looked at: a pathlib glob over the 50,000 folders of a large
    archive's pages takes seconds."""
    root = Path(root)
    removed = []
    for pattern in patterns:
        folder, _, rest = pattern.partition("/")
        base = root / folder
        if not base.is_dir():
            continue
        if rest == "**/*":
            candidates = [f"{folder}/{rel}" for rel in walk_files(base)]
        elif rest.startswith("*/") and "*" not in rest[2:]:
            with os.scandir(base) as entries:
                candidates = [f"{folder}/{entry.name}/{rest[2:]}" for entry in entries if entry.is_dir(follow_symlinks=False)]
        else:
            raise ValueError(f"unsupported pattern {pattern!r}")
        for rel in sorted(candidates):
            if rel not in wanted and (root / rel).is_file():
                (root / rel).unlink()
                removed.append(rel)
                _remove_empty_parents(root, rel)
    return removed


def mirror(source: Path, target: Path, rels: Iterable[str]) -> None:
    """Make `target` hold exactly the files `rels` of `source`, hard-linked where the file system allows (else
    copied): a private view of some files for a tool that reads a whole folder."""
    source, target = Path(source), Path(target)
    remove_tree(target)
    for rel in rels:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source / rel, dest)
        except OSError:
            shutil.copy2(source / rel, dest)


def walk_files(root: Path, skip: Iterable[str] = ()) -> list[str]:
    """Relative paths of the files under `root`, sorted, without looking into the top-level folders in `skip`."""
    root, skip = Path(root), set(skip)
    found = []
    for parent, dirnames, filenames in os.walk(root):
        rel_parent = Path(parent).relative_to(root).as_posix()
        if rel_parent == ".":
            dirnames[:] = [d for d in dirnames if d not in skip]
        found += [name if rel_parent == "." else f"{rel_parent}/{name}" for name in filenames]
    return sorted(found)


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
