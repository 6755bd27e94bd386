"""How far apart two independent judges of the same papers are: each judge's *important* topics used as a tag set and
scored by the other judge with `bench/eval_topics.py`'s rules (a tag is correct when the other judge calls it
important or acceptable; a set is fully acceptable when all its tags are correct and none of the other judge's
important topics is missing). This is the ceiling a tagger meets when each paper is judged by one judge.

example: .venv/bin/python bench/judge_agreement.py tests/data/topics_judgments_third.jsonl tests/data/topics_judgments_third_b.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def load(path: Path) -> dict[str, dict]:
    return {row["paper"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if row}


def score(tags: dict[str, list[str]], judge: dict[str, dict]) -> str:
    assigned = correct = full = missing = 0
    for paper, row in judge.items():
        given, important = set(tags[paper]), set(row["important"])
        fine = important | set(row["acceptable"])
        assigned += len(given)
        correct += len(given & fine)
        lacks = bool(important - given)
        missing += lacks
        full += given <= fine and not lacks
    n = len(judge)
    return (f"tags correct {correct / assigned:.0%} ({correct}/{assigned}), fully acceptable {full / n:.0%} "
            f"({full}/{n}), missing an important topic {missing}/{n}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n")[-1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args()
    first, second = load(args.first), load(args.second)
    if set(first) != set(second):
        parser.error("the two files judge different papers")
    same = sum(set(first[p]["important"]) == set(second[p]["important"]) for p in first)
    print(f"{len(first)} papers; the same important topics from both judges on {same}")
    print(f"first judge's important topics, scored by the second: {score({p: r['important'] for p, r in first.items()}, second)}")
    print(f"second judge's important topics, scored by the first: {score({p: r['important'] for p, r in second.items()}, first)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
