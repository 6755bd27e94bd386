"""Takes a captured page and stores it as a dump: judged as `check` would judge it, deduplicated by content, named
(day plus content hash), written atomically and durably, entered in the manifest, optionally committed to git;
then whoever waits for new dumps is told (the preview's builder, CI)."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import subprocess
import threading
import types
import urllib.request
from collections.abc import Callable
from pathlib import Path

from . import manifest, store
from .catalog import paper_keys
from .ingest import read_dumps
from .model import Dump, Problem
from .validate import read_valid_dump

# The kinds of page an upload may be, and the suffix its dump gets (the readers go by suffix).
CONTENT_TYPES = types.MappingProxyType({"text/html": ".html", "text/plain": ".txt", "application/json": ".json"})
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class NotStored(Exception):
    """An upload that could not be stored; nothing of it was kept. The message is the cause, for the log;
    `reason` is what the uploader is told; `full` says the cause was a lack of room (disk, quota, file size limit)."""

    def __init__(self, cause: str, reason: str, full: bool = False):
        super().__init__(cause)
        self.reason = reason
        self.full = full


class Intake:
    """The dumps folder as uploads see it: which contents and papers it holds already, and one upload stored at a
    time. `on_stored()` is called after each new dump (the preview's builder asks for a build)."""

    def __init__(self, dumps_dir: Path, git_commit: bool = False, on_stored: Callable[[], object] = lambda: None,
                 log: Callable[[str], object] = print):
        self.dumps_dir = dumps_dir
        self.git_commit = git_commit
        self.on_stored = on_stored
        self.log = log
        self.lock = threading.Lock()
        dumps_dir.mkdir(parents=True, exist_ok=True)
        dumps, _ = read_dumps([dumps_dir])
        self.hashes = {dump.content_hash: Path(dump.path).name for dump in dumps}
        self.known = set()
        for dump in dumps:
            for paper in dump.papers:
                self.known.update(paper_keys(paper))

    def take(self, data: bytes, content_type: str, page_url: str) -> tuple[int, dict]:
        """(status, answer) for an upload of a type in CONTENT_TYPES: 422 refused, 200 already stored, 201 stored
        (then `on_stored()` and CI told). `NotStored` when writing it failed (a full disk): nothing is left."""
        try:
            status, answer = self._store(data, content_type, page_url)
        except OSError as error:
            raise NotStored(str(error), error.strerror or str(error), full=error.errno in _NO_ROOM) from error
        except manifest.ManifestError as error:  # the dump was removed again
            raise NotStored(str(error), str(error)) from error
        if status == 201:
            self.on_stored()
            notify_ci(self.log)
        return status, answer

    def count(self) -> int:
        """How many distinct dumps (by content) the folder holds."""
        return len(self.hashes)

    def _store(self, data: bytes, content_type: str, page_url: str) -> tuple[int, dict]:
        suffix = CONTENT_TYPES[content_type]
        dump, errors = validate_upload(f"upload{suffix}", data, page_url)
        if errors:
            return 422, {"error": f"refused: `check` would fail on it: {errors[0].message}",
                         "problems": [str(problem) for problem in errors]}
        with self.lock:
            if dump.content_hash in self.hashes:
                return 200, {"status": "already stored", "dump": self.hashes[dump.content_hash],
                             "papers": len(dump.papers), "new": 0}
            captured = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            day = dump.day or captured.date().isoformat()
            name = f"{day}-{dump.content_hash[:12]}{suffix}"
            try:
                store.write_atomic(self.dumps_dir / name, data, durable=True)
                self._add_to_manifest(name, captured, page_url)
            except (OSError, manifest.ManifestError):
                (self.dumps_dir / name).unlink(missing_ok=True)  # a dump without its manifest entry is not stored
                raise
            new, seen = 0, set()
            for paper in dump.papers:
                keys = set(paper_keys(paper))
                new += not (keys & self.known or keys & seen)
                seen |= keys
            self.known |= seen
            self.hashes[dump.content_hash] = name
            answer = {"status": "stored", "dump": name, "papers": len(dump.papers), "new": new}
            if self.git_commit:
                try:
                    self._commit(name)
                except (subprocess.CalledProcessError, OSError) as error:  # stored all the same: say so
                    detail = getattr(error, "stderr", b"") or b""
                    answer["git"] = f"commit failed: {detail.decode('utf-8', 'replace').strip() or error}"[:300]
        return 201, answer

    def _add_to_manifest(self, name: str, captured: dt.datetime, page_url: str) -> None:
        """The entry set through the YAML library (comments and order survive); ManifestError if it cannot be."""
        entry = {"captured": captured.isoformat().replace("+00:00", "Z")}
        if page_url:
            entry["url"] = page_url
        manifest.add_entry(self.dumps_dir, name, entry)

    def _commit(self, name: str) -> None:
        """Commit the new dump and the manifest (and the ids the last build gave, so the next clone keeps them)."""
        cwd = self.dumps_dir
        paths = [name, store.MANIFEST_NAME]
        if (cwd / store.IDS_NAME).is_file():
            paths.append(store.IDS_NAME)
        subprocess.run(["git", "add", "--", *paths], cwd=cwd, check=True, capture_output=True)
        subprocess.run(["git", "commit", "-q", "-m", f"Add dump {name}", "--", *paths], cwd=cwd, check=True, capture_output=True)


def validate_upload(name: str, data: bytes, page_url: str = "") -> tuple[Dump, list[Problem]]:
    """The dump an upload holds and what would make `check` fail on it (its errors; warnings pass). The one place
    an upload is judged, through the validator `check` and `build` use: what this refuses is never stored."""
    dump = read_valid_dump(name, data, page_url=page_url, check_name=False)
    errors = [problem for problem in dump.problems if problem.severity == "error"]
    if not dump.papers and not errors:
        errors.append(Problem(name, "no papers found"))
    return dump, errors


def notify_ci(log: Callable[[str], object] = print) -> None:
    """Send `repository_dispatch` (event `new-dump`) when GITHUB_TOKEN and GITHUB_REPOSITORY are set."""
    token, repository = os.environ.get("GITHUB_TOKEN"), os.environ.get("GITHUB_REPOSITORY")
    if not token or not repository:
        return
    request = urllib.request.Request(
        f"https://api.github.com/repos/{repository}/dispatches",
        data=json.dumps({"event_type": "new-dump"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
        log("[serve] sent repository_dispatch new-dump")
    except OSError as error:
        log(f"[serve] repository_dispatch failed: {error}")
