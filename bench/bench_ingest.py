"""Print papers per second for parsing and merging the bundled dumps (or DUMPS given as arguments).

usage: python bench/bench_ingest.py [PATH ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(Path(__file__).resolve().parent.parent / "dumps")])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    parse_times, merge_times = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        dumps, _ = read_dumps(args.paths)
        parsed = time.perf_counter()
        catalog, _ = build_catalog(dumps)
        merged = time.perf_counter()
        parse_times.append(parsed - start)
        merge_times.append(merged - parsed)
    entries = sum(d.entries for d in dumps)
    parse, merge = min(parse_times), min(merge_times)
    print(f"dumps: {len(dumps)}  entries: {entries}  distinct papers: {len(catalog.papers)}  (best of {args.repeat})")
    print(f"parse: {parse * 1000:8.1f} ms  {entries / parse:10.0f} entries/s")
    print(f"merge: {merge * 1000:8.1f} ms  {entries / merge:10.0f} entries/s")
    print(f"total: {(parse + merge) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
