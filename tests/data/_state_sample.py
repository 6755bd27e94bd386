"""Module-level state that tests/test_layout.py must find: five kinds, each line one."""
import functools
import re

CACHE = {}
SEEN: list[str] = []
PATTERN = re.compile("x")  # not state
COUNTS = collections_counter = dict(a=1)


@functools.lru_cache(maxsize=None)
def slow(x):
    return x


def bump():
    global SEEN
    SEEN = [1]
