"""Run a pure function over many items on every core, in forked workers, results in the items' order.

The slow parts of a cold build of a large archive (parsing 1,700 dumps, rendering and writing 100,000 pages) are
pure Python, so threads would take turns on the GIL. Forked workers see the parent's data copy-on-write: what a job
needs beyond its items can be put in `SHARED` before the call instead of being pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence

SHARED: dict = {}  # read by jobs in the workers; set by the caller just before on_every_core
_CHUNKS_A_WORKER = 4  # so one slow chunk does not leave a core idle


def on_every_core(job: Callable[[list], list], items: Sequence, min_items_a_worker: int) -> list:
    """job(chunk) over chunks of `items`, concatenated in order. One process when there is little to do, one
    core, no fork (not on Linux), or other threads in this process (the preview server's): forking a process
    that runs threads can deadlock the child on a lock some other thread held."""
    items = list(items)
    workers = min(cores(), len(items) // max(min_items_a_worker, 1))
    if workers < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return list(job(items))
    size = -(-len(items) // (_CHUNKS_A_WORKER * workers))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        chunks = pool.map(job, [items[i:i + size] for i in range(0, len(items), size)])
    return [result for chunk in chunks for result in chunk]


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
