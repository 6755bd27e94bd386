"""Every file read and written: dumps in; generated files out, each written the one way its readers allow (in place
while nobody reads it, else replaced atomically, and only if its bytes changed); the site folder's lock and its
staged, whole switch."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
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


def read_text(path: Path, max_bytes: int | None = None) -> str | None:
    """The text of a file; None when it does not exist. With `max_bytes`, only a regular file (never a symlink) of
    at most that size is read (`RefusedFile` otherwise): for inputs that sit beside the dumps."""
    try:
        if max_bytes is None:
            return Path(path).read_text(encoding="utf-8")
        return read_dump_file(Path(path), max_bytes).decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


# ---- writing: three ways, one for each kind of file ------------------------------------------------------------
# Paths may be strings: SiteUpdate joins them as strings, because pathlib's joins cost a second at 50,000 pages.


def write_private(path: Path | str, data: bytes | str, exclusive: bool = False) -> bool:
    """Write a file no reader can see yet (in a staging folder, or one this creates) in place, with no temporary
    file and no rename; its folder is made when the write finds it missing. `exclusive`: only if the file does not
    exist yet (False, nothing written, when it does). A write that fails removes what it wrote."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    try:
        fd = _open_making_folder(path, flags)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
    except BaseException:
        os.unlink(path)
        raise
    return True


def write_atomic(path: Path | str, data: bytes | str, durable: bool = False) -> None:
    """Replace a file others may be reading: written to a temporary file beside it, then renamed over it, so a
    reader sees the old bytes or the new, never half of them.

    `durable` also syncs the bytes to disk before the rename: for data that exists nowhere else (a stored dump, the
    manifest, the id map), which may be written by several processes at once, so its temporary name is a random
    one. Generated files can always be made again, and syncing 50,000 pages would cost more than building them:
    one build writes them at a time, so a per-process temporary name does."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    name = os.fspath(path)
    folder, base = os.path.split(name)
    if durable:
        os.makedirs(folder or ".", exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=folder or ".")
    else:
        tmp = os.path.join(folder, f".{base}.{os.getpid()}.tmp")
        fd = _open_making_folder(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if durable:
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a dump is as readable as any file
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_if_changed(path: Path | str, data: bytes | str) -> bool:
    """Write a file others may read unless it holds these bytes already (then its bytes and mtime stay); True when
    written. A file that does not exist yet is created in place (`write_private`, exclusively): no reader can be
    holding an older version of it, and skipping the temporary file and the rename saves a third of the cost of the
    100,000 files a cold build of a large archive writes. An existing file is replaced atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if _holds(path, payload):
        return False
    if not write_private(path, payload, exclusive=True):  # it exists (or appeared meanwhile)
        write_atomic(path, payload)
    return True


def _holds(path: Path | str, payload: bytes) -> bool:
    """Whether the file holds exactly `payload` (False when there is no such file); read only when the size matches."""
    try:
        if os.stat(path).st_size != len(payload):
            return False
        with open(path, "rb") as handle:
            return handle.read() == payload
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return False


def _open_making_folder(path: Path | str, flags: int) -> int:
    """os.open with mode 644, making the file's folder when the first try finds it missing (cheaper than making
    sure of the folder before each of 50,000 writes)."""
    try:
        return os.open(path, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, flags, 0o644)


# ---- syncing: which files are not wanted, and removing them ----------------------------------------------------


def sync_tree(root: Path, files: Mapping[str, str | bytes], managed: Iterable[str]) -> tuple[list[str], list[str]]:
    """Make the `managed` parts of `root` hold exactly `files` (relative paths): write what changed, remove what is stale.

    A managed entry is a folder (`papers`) or a single file (`index.md`); nothing outside them is touched.
    """
    root = Path(root)
    written = sorted(rel for rel, data in files.items() if write_if_changed(root / rel, data))
    removed = remove_files(root, find_stale(root, _whole(root, managed), set(files)))
    return written, removed


def _whole(root: Path, entries: Iterable[str]) -> list[str]:
    """`find_stale`'s patterns for whole entries of `root`: every file below a folder, or a file itself."""
    return [f"{entry}/**/*" if os.path.isdir(os.path.join(root, entry)) else entry for entry in entries]


def find_stale(root: Path, patterns: Iterable[str], wanted: set[str]) -> list[str]:
    """The files under `root` matching `patterns` that are not in `wanted` (relative paths), in pattern order.

    A pattern is `<folder>/**/*` (every file below the folder), `<folder>/*/<name>` (`<name>` in each sub-folder)
    or a file's own path. Folders are listed with os.scandir and only unwanted paths are looked at: a pathlib glob
    over the 50,000 folders of a large archive's pages takes seconds."""
    root = Path(root)
    stale = []
    for pattern in patterns:
        folder, _, rest = pattern.partition("/")
        base = root / folder
        if "*" not in pattern:
            candidates = [pattern]
        elif not base.is_dir():
            continue
        elif rest == "**/*":
            candidates = [f"{folder}/{rel}" for rel in walk_files(base)]
        elif rest.startswith("*/") and "*" not in rest[2:]:
            with os.scandir(base) as entries:
                candidates = [f"{folder}/{entry.name}/{rest[2:]}" for entry in entries if entry.is_dir(follow_symlinks=False)]
        else:
            raise ValueError(f"unsupported pattern {pattern!r}")
        stale += [rel for rel in sorted(candidates) if rel not in wanted and (root / rel).is_file()]
    return stale


def remove_files(root: Path, rels: Iterable[str]) -> list[str]:
    """Remove the files `rels` (relative to `root`) and the folders that leaves empty, up to `root`; returns those
    removed. One that is gone already, or is now a folder, is skipped: a removal cut short can be run again."""
    top = os.path.normpath(root)
    removed = []
    for rel in rels:
        name = os.path.join(top, rel)
        try:
            os.unlink(name)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        removed.append(rel)
        folder = os.path.dirname(name)
        while folder.startswith(top + os.sep):
            try:
                os.rmdir(folder)  # fails when the folder is not empty: cheaper than listing it
            except OSError:
                break
            folder = os.path.dirname(folder)
    return removed


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


def remove_tree(path: Path) -> None:
    """Remove a folder and everything below it, if it is there."""
    shutil.rmtree(path, ignore_errors=True)


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


# ---- the site folder: one build at a time, switched whole ------------------------------------------------------


class SiteLocked(Exception):
    """Another build holds the site folder's lock; the message names its pid and the lock file."""


def lock_path(site_dir: Path) -> Path:
    """The site folder's lock file: `.<site>.lock` beside it."""
    site_dir = Path(site_dir).absolute()
    return site_dir.parent / f".{site_dir.name}.lock"


@contextlib.contextmanager
def site_lock(site_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the site folder's lock (`.<site>.lock` beside it, holding the holder's pid) for the body's duration.

    The lock itself is an flock on that file, not the file's existence: the kernel drops it when the holder dies
    (SIGKILL, out of memory), so a lock left by a dead build is taken over without guessing from its pid, and a
    worker a killed build forked keeps it until that worker is gone too (it may still be writing). Another holder
    makes this wait up to `wait` seconds, then raise SiteLocked."""
    path = lock_path(site_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if time.monotonic() >= deadline:
                raise SiteLocked(f"another build (pid {holder}) is writing {site_dir}; its lock is {path}") from None
            time.sleep(0.2)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a file its last holder unlinked while this one waited for it
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class SiteUpdate:
    """The next version of a site folder, staged beside it (`.<site>.staging/`): a file whose bytes differ from the
    site's is written there, a stale one is listed; `publish` then moves them in. Nothing in the site folder changes
    before `publish`, so a build that dies earlier leaves the previous site served as it was.

    `publish` moves new files in first (a folder the site lacks moves whole, in one rename), then replaces changed
    files, then removes stale ones: at every moment a page reachable from the home page links only to files that
    exist (old pages link to old files, which stay until the end; a new page is linked only once its links'
    targets are in). It first records the removals in `.<site>.publish`, so a build killed while publishing is
    finished by the next build (`recover_site`). Renames, not copies: an unchanged file is never touched, and a
    site folder that does not exist yet is the staging folder renamed."""

    def __init__(self, site_dir: Path):
        self.site = Path(site_dir).absolute()
        self.staging = staging_path(self.site)
        self.removals: list[str] = []
        self._site_root = f"{self.site}/"  # strings: pathlib's joins cost a second at 50,000 pages
        self._staging_root = f"{self.staging}/"
        remove_tree(self.staging)

    def write(self, rel: str, data: bytes | str) -> bool:
        """Stage `data` as the site's `rel`; False (nothing staged) when the site's file holds these bytes already."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        if _holds(self._site_root + rel, payload):
            return False
        write_private(self._staging_root + rel, payload)
        return True

    def remove(self, rels: Iterable[str]) -> None:
        """List site files for removal when the update is published."""
        self.removals.extend(rels)

    def take_rendered(self, keep=None, skip: Iterable[str] = (), remove_stale: bool = True) -> tuple[list[str], list[str]]:
        """What a tool rendered straight into the staging folder becomes this update: files identical to the site's
        are dropped from it; with `remove_stale`, the site's files it did not render are listed for removal, except
        those `keep(rel)` says another step owns and the top-level folders in `skip`. Returns (changed, stale)."""
        rendered = walk_files(self.staging)
        changed, same = [], []
        for rel in rendered:
            with open(self._staging_root + rel, "rb") as handle:
                (same if _holds(self._site_root + rel, handle.read()) else changed).append(rel)
        remove_files(self.staging, same)
        stale: list[str] = []
        if remove_stale and self.site.is_dir():
            entries = sorted(set(os.listdir(self.site)) - set(skip))
            stale = [rel for rel in find_stale(self.site, _whole(self.site, entries), set(rendered)) if not (keep and keep(rel))]
            self.remove(stale)
        return changed, stale

    def publish(self) -> tuple[int, int]:
        """Move the staged files into the site and remove the stale ones. Returns (renames, files removed): a
        folder the site did not have moves in with one rename."""
        write_atomic(journal_path(self.site), json.dumps({"remove": sorted(set(self.removals))}))
        return _finish_publish(self.site)

    def discard(self) -> None:
        """Drop what was staged, unless publishing began (then the next build finishes it)."""
        if not journal_path(self.site).exists():
            remove_tree(self.staging)


def staging_path(site_dir: Path) -> Path:
    """Where a site folder's next version is staged: `.<site>.staging` beside it."""
    site_dir = Path(site_dir).absolute()
    return site_dir.parent / f".{site_dir.name}.staging"


def journal_path(site_dir: Path) -> Path:
    """Where a publish records its removals before it begins: `.<site>.publish` beside the site folder."""
    site_dir = Path(site_dir).absolute()
    return site_dir.parent / f".{site_dir.name}.publish"


def recover_site(site_dir: Path) -> bool:
    """Finish a publish a dead build began (True), else drop what a dead build staged. Call it holding the lock."""
    if journal_path(site_dir).exists():
        _finish_publish(Path(site_dir).absolute())
        return True
    remove_tree(staging_path(site_dir))
    return False


def _finish_publish(site: Path) -> tuple[int, int]:
    """New files in, then changed files, then removals (see SiteUpdate); safe to run again after a kill.
    Returns (renames, files removed)."""
    staging, journal = staging_path(site), journal_path(site)
    try:
        removals = json.loads(journal.read_text(encoding="utf-8"))["remove"]
    except (OSError, ValueError, KeyError, TypeError):
        removals = []
    renames = 0
    if staging.is_dir() and not site.exists():
        site.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, site)
        renames += 1
    elif staging.is_dir():
        changed: list[str] = []
        for parent, dirnames, filenames in os.walk(staging):
            rel_parent = os.path.relpath(parent, staging)
            prefix = "" if rel_parent == "." else f"{rel_parent}/"
            for name in list(dirnames):
                target = site / f"{prefix}{name}"
                if not os.path.lexists(target):
                    os.rename(os.path.join(parent, name), target)  # a new folder moves whole
                    renames += 1
                    dirnames.remove(name)
                elif not target.is_dir() or target.is_symlink():
                    changed.append(f"{prefix}{name}")
                    dirnames.remove(name)
            for name in filenames:
                target = site / f"{prefix}{name}"
                if os.path.lexists(target):
                    changed.append(f"{prefix}{name}")
                else:
                    os.rename(os.path.join(parent, name), target)
                    renames += 1
        renames += len(changed)
        for rel in changed:
            target = site / rel
            if target.is_dir() and not target.is_symlink():  # a file became a folder or the other way round
                shutil.rmtree(target)
            elif (staging / rel).is_dir():
                target.unlink()
            os.replace(staging / rel, target)
    removed = len(remove_files(site, removals))
    remove_tree(staging)
    journal.unlink(missing_ok=True)
    return renames, removed
