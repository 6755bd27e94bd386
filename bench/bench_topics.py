"""Time topic tagging alone, before and after, on the same synthetic papers.

    .venv/bin/python bench/bench_topics.py                     # 5,000 and 10,000 papers
    .venv/bin/python bench/bench_topics.py --sizes 50000 --repeat 3

The archive comes from bench/make_archive.py (its papers use this tree's topics.yml phrases, so both taggers see
papers full of topic vocabulary, the expensive case); it is read and merged by this tree's ingest and catalog. "Before"
is generator/topics.py and topics.yml at a git revision (as in bench/eval_topics.py), "after" this tree's. Each
tagger tags every paper `--repeat` times in this process, alternating before and after; the best time of each is
printed (the machine is shared: the best run is the least disturbed), with the ratio after / before. The build's
`tag` stage is this call plus loading topics.yml and reading the manifest's forced topics.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import make_archive  # noqa: E402
from eval_topics import BASE, load_before  # noqa: E402
from generator import topics as after_module  # noqa: E402
from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: .venv/bin/python bench/bench_topics.py --sizes 5000 --repeat 3",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5000,10000", help="comma-separated archive sizes (default 5000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tagger (default 3)")
    parser.add_argument("--before", default=BASE, help=f"git revision for 'before' (default {BASE})")
    args = parser.parse_args(argv)
    before_module, before_topics = load_before(args.before)
    after_topics = after_module.load_taxonomy(ROOT / "topics.yml")
    print(f"before: {args.before} ({len(before_topics)} topics); after: this tree ({len(after_topics)} topics)\n")
    print("| papers | before s | after s | after / before | tags a paper before | after |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-topics-") as folder:
            make_archive.make_archive(size, Path(folder) / "archive")
            dumps, _ = read_dumps([Path(folder) / "archive"])
        papers = list(build_catalog(dumps)[0].papers)
        best = {"before": float("inf"), "after": float("inf")}
        tagged = {}
        for _ in range(args.repeat):
            for name, module, topics in (("before", before_module, before_topics),
                                         ("after", after_module, after_topics)):
                start = time.perf_counter()  # assign_topics builds the phrase index each call: part of the stage
                tagged[name] = module.assign_topics(papers, topics)
                best[name] = min(best[name], time.perf_counter() - start)
        per = {k: sum(map(len, v.values())) / len(papers) for k, v in tagged.items()}
        print(f"| {len(papers):,} | {best['before']:.2f} | {best['after']:.2f} | {best['after'] / best['before']:.2f} "
              f"| {per['before']:.2f} | {per['after']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
