"""Print papers per second for parsing and merging the bundled dumps (or DUMPS given as arguments), and the time to
merge one paper seen twice with many authors (merging is linear in the number of authors).

usage: python bench/bench_ingest.py [PATH ...] [--repeat N] [--authors N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.models import Dump, Paper  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(Path(__file__).resolve().parent.parent / "dumps")])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--authors", type=int, default=450_000, help="authors of the paper merged from two sightings")
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
    # Issue 11: one upload of 450,000 authors kept the builder busy 150 s when merging was quadratic. Validation now
    # quarantines a paper of more than 5,000 authors, so this goes past it, straight to the catalog.
    names = tuple(f"Author Number {i}" for i in range(args.authors))
    sightings = [Dump(f"{day}.json", "json", (Paper(title="Many Authors", abstract="A.", authors=names[offset::2] + names),),
                      day=f"2025-03-{day}", content_hash=str(day) * 64) for day, offset in ((11, 0), (12, 1))]
    start = time.perf_counter()
    catalog, _ = build_catalog(sightings)
    seconds = time.perf_counter() - start
    print(f"authors: {len(catalog.papers[0].authors):,} merged from two sightings of {len(sightings[0].papers[0].authors):,}"
          f" and {len(sightings[1].papers[0].authors):,} in {seconds:.2f} s")


if __name__ == "__main__":
    main()
