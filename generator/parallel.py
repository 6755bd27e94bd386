"""Run pure functions on every core, in forked workers: over many items (results in the items' order), or one
job in the background while the build goes on.

The slow parts of a cold build of a large archive (parsing 1,700 dumps, rendering and writing 50,000 pages) are
pure Python, so threads would take turns on the GIL. A job gets everything it needs as arguments (bind them with
`functools.partial`): workers are forked, so the job and its arguments reach them copy-on-write, never pickled, and
nothing is left behind in this process once the call returns. Only the items' results travel back, pickled.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

_CHUNKS_A_WORKER = 4  # so one slow chunk does not leave a core idle


def on_every_core(job: Callable[[list], list], items: Sequence, min_items_a_worker: int,
                  progress: Callable[[int], None] | None = None) -> list:
    """job(chunk) over chunks of `items`, concatenated in order. One process when there is little to do, one
    core, not on Linux, or other threads in this process (the preview server's): forking a process that runs
    threads can deadlock the child on a lock some other thread held. Each worker takes the next chunk not yet
    taken until none is left; a worker that raises makes this raise, one that dies makes it raise RuntimeError.
    `progress(n)` is called in this process as each chunk of n items is done."""
    items = list(items)
    workers = min(cores(), len(items) // max(min_items_a_worker, 1))
    if workers < 2 or not _can_fork():
        if progress is None:
            return list(job(items))
        size = max(min_items_a_worker, -(-len(items) // 20), 1)  # in up to 20 parts, so that the progress moves
        results: list = []
        for start in range(0, len(items), size):
            results.extend(job(items[start:start + size]))
            progress(len(items[start:start + size]))
        return results
    size = -(-len(items) // (_CHUNKS_A_WORKER * workers))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    fork = multiprocessing.get_context("fork")
    taken = fork.Value("i", 0)  # the next chunk to take: shared by the workers
    running = {}
    try:
        for _ in range(workers):
            receiver, sender = fork.Pipe(duplex=False)
            process = fork.Process(target=_work, args=(sender, job, chunks, taken, os.getpid()), daemon=True)
            process.start()
            sender.close()
            running[receiver] = process
        done: list = [None] * len(chunks)
        waiting = dict(running)
        while waiting:
            for receiver in multiprocessing.connection.wait(list(waiting)):
                index, result = _receive(waiting[receiver], receiver, job)
                if index is None:  # that worker found no chunk left
                    del waiting[receiver]
                    receiver.close()
                    continue
                done[index] = result
                if progress is not None:
                    progress(len(chunks[index]))
    finally:
        for receiver, process in running.items():
            if not receiver.closed and process.is_alive():  # not heard from: the call failed elsewhere
                process.terminate()
            process.join()
            receiver.close()
    return [result for chunk in done for result in chunk]


def _work(sender, job: Callable, chunks: list, taken, parent: int) -> None:
    """Takes chunks until none is left, sending each result as it is done, then (None, None)."""
    _die_with_parent(parent)
    try:
        while True:
            with taken.get_lock():
                index = taken.value
                taken.value += 1
            if index >= len(chunks):
                break
            sender.send((True, (index, list(job(chunks[index])))))
        sender.send((True, (None, None)))
    except BaseException as error:  # the caller re-raises it
        sender.send((False, error))
    sender.close()


def _receive(process, receiver, job: Callable):
    try:
        ok, value = receiver.recv()
    except EOFError:
        process.join()
        receiver.close()
        raise RuntimeError(f"a worker of {_name(job)} died (exit code {process.exitcode})") from None
    if not ok:
        receiver.close()
        raise value
    return value


def _name(job: Callable) -> str:
    return getattr(getattr(job, "func", job), "__name__", repr(job))


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


class Jobs:
    """Named background jobs for the length of a `with` block: `start(name, job, *args)`, `name in jobs`,
    `result(name)`; every job still running when the block ends (a failed build) is stopped."""

    def __init__(self) -> None:
        self._jobs: dict[str, Background] = {}

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc) -> None:
        for job in self._jobs.values():
            job.close()

    def __contains__(self, name: str) -> bool:
        return name in self._jobs

    def start(self, name: str, job: Callable, *args) -> None:
        self._jobs[name] = Background(job, *args)

    def result(self, name: str):
        return self._jobs[name].result()
