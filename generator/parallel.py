"""Run pure functions on every core, in forked workers: over many items (results in the items' order), or one
job in the background while the build goes on.

The slow parts of a cold build of a large archive (parsing 1,700 dumps, rendering and writing 100,000 pages) are
pure Python, so threads would take turns on the GIL. Forked workers see the parent's data copy-on-write: what a job
needs beyond its items can be put in `SHARED` before the call instead of being pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

SHARED: dict = {}  # read by jobs in the workers; set by the caller just before on_every_core
_CHUNKS_A_WORKER = 4  # so one slow chunk does not leave a core idle


def on_every_core(job: Callable[[list], list], items: Sequence, min_items_a_worker: int,
                  progress: Callable[[int], None] | None = None) -> list:
    """job(chunk) over chunks of `items`, concatenated in order. One process when there is little to do, one
    core, not on Linux, or other threads in this process (the preview server's): forking a process that runs
    threads can deadlock the child on a lock some other thread held. `progress(n)` is called in this process as
    each chunk of n items is done."""
    items = list(items)
    workers = min(cores(), len(items) // max(min_items_a_worker, 1))
    if workers < 2 or not _can_fork():
        if progress is None:
            return list(job(items))
        size = max(min_items_a_worker, -(-len(items) // 20), 1)  # in up to 20 parts, so that the progress moves
        parts = [items[i:i + size] for i in range(0, len(items), size)]
        return _reported(parts, map(job, parts), progress)
    size = -(-len(items) // (_CHUNKS_A_WORKER * workers))
    with multiprocessing.get_context("fork").Pool(workers, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        parts = [items[i:i + size] for i in range(0, len(items), size)]
        if progress is None:
            chunks = pool.map(job, parts)
        else:
            return _reported(parts, pool.imap(job, parts), progress)
    return [result for chunk in chunks for result in chunk]


def _reported(parts: list[list], chunks, progress: Callable[[int], None]) -> list:
    """The chunks' results in order, calling progress(len(part)) as each part's chunk arrives."""
    results: list = []
    for part, chunk in zip(parts, chunks):
        results.extend(chunk)
        progress(len(part))
    return results


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Background:
    """job(*args) in a forked process while the caller goes on with other work; `result()` waits for it. Where
    on_every_core would not fork, the job runs in the caller, at `result()`. `close()` stops an unfinished job.
    A bare process and a pipe, not a Pool: a Pool's helper threads would keep on_every_core from forking."""

    def __init__(self, job: Callable, *args) -> None:
        self._job, self._args = job, args
        self._process = None
        if cores() >= 2 and _can_fork():
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_send_result, args=(sender, job, args, os.getpid()), daemon=True)
            self._process.start()
            sender.close()

    def result(self):
        if self._process is None:
            return self._job(*self._args)
        try:
            ok, value = self._receiver.recv()
        except EOFError:
            raise RuntimeError(f"background job {self._job.__name__} died (exit code {self._process.exitcode})") from None
        finally:
            self.close()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._receiver.close()
            self._process = None


def _send_result(sender, job: Callable, args: tuple, parent: int) -> None:
    _die_with_parent(parent)
    try:
        outcome = (True, job(*args))
    except BaseException as error:  # the caller re-raises it
        outcome = (False, error)
    sender.send(outcome)
    sender.close()


def _die_with_parent(parent: int) -> None:
    """A worker of a build that is killed (SIGKILL, out of memory) is killed too, by the kernel: else it would go on
    writing pages into a staging folder the next build may already be using, and hold that build's lock."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers are not forked there anyway
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _can_fork() -> bool:
    # Linux only: on macOS a forked child of a process that loaded the system's numerical libraries can crash.
    return sys.platform.startswith("linux") and threading.active_count() == 1
