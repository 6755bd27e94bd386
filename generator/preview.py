"""The preview's builds: one at a time on a worker thread, requests made during a build coalescing into one more,
and the only state kept between them (the last good build's `build.SiteState`, so the next build redoes only what new
dumps change). `serve` asks it for builds and its status; the HTTP is server.py's."""

from __future__ import annotations

import datetime as dt
import gc
import threading
import time
import traceback
from dataclasses import dataclass, field

from .build import BuildError, BuildOptions, Reporter, build
from .model import printable


@dataclass
class BuildState:
    building: bool = False
    pending: bool = False
    builds: int = 0
    last: dict = field(default_factory=dict)


class Builder:
    """Runs builds one at a time on a worker thread; requests made during a build coalesce into one more."""

    def __init__(self, options: BuildOptions, log=print):
        self.options = options
        self.log = log
        self.state = BuildState()
        self.site_state = None  # what the last good build knew: the next build redoes only what changed
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="builder", daemon=True)
        self._stopped = False
        self._thread.start()

    def request(self) -> None:
        with self._cond:
            self.state.pending = True
            self._cond.notify_all()

    def status(self) -> dict:
        with self._cond:
            return {"building": self.state.building, "pending": self.state.pending, "builds": self.state.builds,
                    "last_build": dict(self.state.last)}

    def wait_idle(self, timeout: float = 300) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.state.building or self.state.pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self.state.pending and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                self.state.pending = False
                self.state.building = True
            started = time.time()
            record: dict = {"started": _iso(started)}
            try:
                result = build(self.options, Reporter(quiet=True), previous=self.site_state)
                self.site_state = result.state
                record.update(ok=True, papers=result.papers, digests=result.digests, problems=len(result.problems),
                              incremental=result.incremental)
            except BuildError as error:
                record.update(ok=False, error=str(error))
                self.site_state = None  # a half-done incremental build may have advanced the kept state: start over
            except Exception as error:  # noqa: BLE001 - a crashed build must not kill the server
                record.update(ok=False, error=f"{type(error).__name__}: {error}")
                self.site_state = None
                traceback.print_exc()
            record.update(finished=_iso(time.time()), seconds=round(time.time() - started, 2))
            self.log(printable(f"[serve] build {'ok' if record['ok'] else 'failed: ' + record['error']} ({record['seconds']} s)"))
            with self._cond:
                self.state.building = False
                self.state.builds += 1
                self.state.last = record
                self._cond.notify_all()
            # Off the preview's path: free what the build left (the state it replaced included), then keep the
            # long-lived state (the catalog, the related index) out of later collections, which would walk its
            # millions of objects every time.
            gc.unfreeze()
            gc.collect()
            gc.freeze()


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
