"""The executor: every core, results in order, arguments passed explicitly, failures surfaced, nothing kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# In a fresh interpreter: pytest's own threads (xdist) would make the executor run in one process.
SCRIPT = """
import functools, os, sys, time
from generator import parallel
parallel.cores = lambda: 2

def scaled(factor, chunk):
    time.sleep(0.05)  # so both workers get chunks
    return [(x * factor, os.getpid()) for x in chunk]

out = parallel.on_every_core(functools.partial(scaled, 3), range(1000), 10)
assert [x for x, _ in out] == [x * 3 for x in range(1000)], "results out of order"
pids = {pid for _, pid in out}
assert len(pids) == 2 and os.getpid() not in pids, pids

def failing(chunk):
    if 500 in chunk:
        raise ValueError("item 500 is bad")
    return chunk

try:
    parallel.on_every_core(failing, range(1000), 10)
except ValueError as error:
    assert str(error) == "item 500 is bad"
else:
    raise AssertionError("a worker's exception was swallowed")

def dying(chunk):
    if 500 in chunk:
        os._exit(3)
    return chunk

try:
    parallel.on_every_core(dying, range(1000), 10)
except RuntimeError as error:
    assert "died" in str(error) and "dying" in str(error), error
else:
    raise AssertionError("a dead worker went unnoticed")
import multiprocessing
assert not multiprocessing.active_children(), multiprocessing.active_children()
print("ok")
"""


def test_work_is_split_over_forked_workers_in_order_and_failures_surface():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
