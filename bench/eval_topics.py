"""Score the topic tagger against the judged random sample (tests/data/topics_judgments.jsonl), before and after.

    .venv/bin/python bench/eval_topics.py                  # before (commit aa88031) and after (this tree)
    .venv/bin/python bench/eval_topics.py --before main    # compare with another revision's topics.yml and tagger
    .venv/bin/python bench/eval_topics.py --errors tune    # also list the wrong and missing tags (after) on the tuning half
    .venv/bin/python bench/eval_topics.py --judgments tests/data/topics_judgments_heldout.jsonl   # the second, held-out set

"Before" is generator/topics.py and topics.yml as they were at a git revision (read with `git show`, so the
working tree is untouched); "after" is this tree's. Both tag the same papers: every distinct paper of the bundled
dumps, read and merged by this tree's ingest and catalog. For the judged papers:

- tags correct: assigned tags the judge listed as important or acceptable, over all assigned tags;
- fully acceptable: papers whose every tag is correct and which carry every important topic;
- missing important: papers lacking at least one important topic.

Judged slugs are mapped through the taxonomy's aliases (a topic merged into another counts as that other). The 60
papers are split by a hash of their id into 30 to tune on and 30 held out; each figure is given on the held-out 30,
the tuning 30 and all 60. Per-topic counts, papers without a topic and the catch-all's share are on the whole
catalog. "after + neighbours" lets a paper's TF-IDF neighbours support a topic it scores weakly on (NEIGHBOUR_SUPPORT
below), to show whether that helps.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import topics as after_module  # noqa: E402
from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402

JUDGMENTS = ROOT / "tests" / "data" / "topics_judgments.jsonl"
BASE = "aa88031"  # the last commit before issue 13 changed the taxonomy and the tagger


def judged(path: Path = JUDGMENTS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def held_out(paper_id: str) -> bool:
    """Half the papers, fixed by a hash of the id: the ones never looked at while tuning."""
    return hashlib.sha256(paper_id.encode("utf-8")).digest()[0] % 2 == 1


def split_ids(ids: list[str]) -> tuple[list[str], list[str]]:
    """(tune, held out): 30 and 30, by hash order (the parity above decides ties of count)."""
    ranked = sorted(ids, key=lambda i: hashlib.sha256(i.encode("utf-8")).hexdigest())
    half = len(ranked) // 2
    return ranked[:half], ranked[half:]


def load_before(rev: str):
    """(module, topics) of generator/topics.py and topics.yml at git revision `rev`."""
    def show(path: str) -> str:
        return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout

    folder = Path(tempfile.mkdtemp(prefix="eval-topics-"))
    # the records' module was generator/models.py before issue 14 named it generator/model.py
    source = show("generator/topics.py").replace("from generator.models import", "from generator.model import")
    (folder / "topics_before.py").write_text(source, encoding="utf-8")
    (folder / "topics.yml").write_text(show("topics.yml"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("topics_before", folder / "topics_before.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["topics_before"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module, module.load_taxonomy(folder / "topics.yml")


def alias_map(topics) -> dict[str, str]:
    out = {}
    for topic in topics:
        for old in getattr(topic, "aliases", ()):
            out[old] = topic.slug
    return out


def score(tags: dict[str, tuple[str, ...]], rows: list[dict], aliases: dict[str, str]) -> dict:
    assigned = correct = full = missing = 0
    for row in rows:
        important = {aliases.get(s, s) for s in row["important"]}
        ok = important | {aliases.get(s, s) for s in row["acceptable"]}
        got = set(tags[row["paper"]])
        assigned += len(got)
        correct += len(got & ok)
        lacks = bool(important - got)
        missing += lacks
        full += got <= ok and not lacks
    return {"papers": len(rows), "tags": assigned, "correct": correct, "full": full, "missing": missing}


def errors(tags, rows, aliases, titles) -> list[str]:
    out = []
    for row in rows:
        important = {aliases.get(s, s) for s in row["important"]}
        ok = important | {aliases.get(s, s) for s in row["acceptable"]}
        got = tags[row["paper"]]
        wrong = [s for s in got if s not in ok]
        lacking = sorted(important - set(got))
        if wrong or lacking:
            split = "held-out" if row["paper"] in HELD else "tune"
            out.append(f"[{split}] {titles[row['paper']][:90]}\n    tags {list(got)}  wrong {wrong}  missing {lacking}")
    return out


HELD: set[str] = set()

# The neighbour-support experiment: a topic a paper scores NEIGHBOUR_MIN or more on, but below the tagger's
# threshold, is added when NEIGHBOUR_SUPPORT of its first NEIGHBOURS TF-IDF neighbours (generator.related's public
# compute_related) carry it on their own evidence. Measured here; the build does not use it (see BENCHMARKS.md).
NEIGHBOUR_MIN = 1.5
NEIGHBOURS = 5
NEIGHBOUR_SUPPORT = 3


def neighbour_support(tagging, related, catch_all: str | None) -> dict[str, tuple[str, ...]]:
    out = {}
    for pid, result in tagging.items():
        weak = [slug for slug, score in result.scores if NEIGHBOUR_MIN <= score < after_module.THRESHOLD]
        near = [tagging[r.id].tags for r in related.get(pid, ())[:NEIGHBOURS] if r.id in tagging]
        added = [s for s in weak if s not in result.tags and sum(s in tags for tags in near) >= NEIGHBOUR_SUPPORT]
        tags = tuple(t for t in result.tags if not (added and t == catch_all))
        out[pid] = (tags + tuple(added))[: after_module.MAX_TOPICS]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: .venv/bin/python bench/eval_topics.py --before aa88031 --errors tune",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BASE, help=f"git revision for 'before' (default {BASE})")
    parser.add_argument("--errors", choices=("tune", "all"), help="list the after tagger's wrong and missing tags on "
                        "the tuning half (tune: what to look at while changing topics.yml) or on all 60")
    parser.add_argument("--no-neighbours", action="store_true", help="skip the neighbour-support variant")
    parser.add_argument("--judgments", type=Path, default=JUDGMENTS,
                        help="the judged papers (default: the first set, split into tune and held-out halves; "
                             "tests/data/topics_judgments_heldout.jsonl was never tuned on and is scored whole)")
    args = parser.parse_args(argv)

    dumps, _ = read_dumps([ROOT / "dumps"])
    catalog, _ = build_catalog(dumps)
    papers = list(catalog.papers)
    titles = {p.id: p.title for p in papers}
    rows = judged(args.judgments)
    missing_ids = [r["paper"] for r in rows if r["paper"] not in titles]
    if missing_ids:
        print(f"judged papers not in the catalog: {missing_ids}", file=sys.stderr)
        return 1
    if args.judgments.resolve() == JUDGMENTS.resolve():
        tune, held = split_ids([r["paper"] for r in rows])
    else:  # a set nobody tuned on: all of it is held out
        tune, held = [], [r["paper"] for r in rows]
    HELD.update(held)

    before_module, before_topics = load_before(args.before)
    after_topics = after_module.load_taxonomy(ROOT / "topics.yml")
    aliases = alias_map(after_topics)
    sides = [(f"before ({args.before})", before_topics, before_module.assign_topics(papers, before_topics),
              alias_map(before_topics)),
             ("after", after_topics, after_module.assign_topics(papers, after_topics), aliases)]
    if not args.no_neighbours:
        from generator.related import compute_related

        tagging = after_module.tag_papers(papers, after_topics)
        catch_all = next((t.slug for t in after_topics if t.catch_all), None)
        tags = neighbour_support(tagging, compute_related(papers), catch_all)
        sides.append(("after + neighbours", after_topics, tags, aliases))

    print(f"{len(papers)} papers in the catalog; {len(rows)} judged ({len(held)} held out, {len(tune)} to tune on)\n")
    print("| tagger | sample | tags correct | fully acceptable | missing an important topic |")
    print("|---|---|---:|---:|---:|")
    for name, _, tags, amap in sides:
        splits = (("held-out 30", set(held)), ("tune 30", set(tune)), ("all 60", set(held) | set(tune))) if tune else \
            ((f"{args.judgments.stem} {len(held)}", set(held)),)
        for label, ids in splits:
            s = score(tags, [r for r in rows if r["paper"] in ids], amap)
            print(f"| {name} | {label} | {s['correct'] / s['tags']:.0%} ({s['correct']}/{s['tags']}) "
                  f"| {s['full'] / s['papers']:.0%} ({s['full']}/{s['papers']}) | {s['missing']}/{s['papers']} |")

    print("\n| tagger | papers without a topic | in the catch-all | largest topic | topics with <= 6 papers | "
          "tags per paper |")
    print("|---|---:|---:|---|---:|---:|")
    for name, topics, tags, _ in sides:
        counts = Counter(s for slugs in tags.values() for s in slugs)
        catch = next((t.slug for t in topics if t.catch_all), None)
        largest = max(counts, key=lambda s: (counts[s], s))
        small = sum(1 for t in topics if not t.catch_all and counts[t.slug] <= 6)
        print(f"| {name} | {sum(1 for s in tags.values() if not s)} | {counts.get(catch, 0)} "
              f"({counts.get(catch, 0) / len(papers):.1%}) | {largest} {counts[largest]} ({counts[largest] / len(papers):.0%}) "
              f"| {small} | {sum(counts.values()) / len(papers):.2f} |")

    print("\nper-topic counts on the whole catalog (before -> after):\n")
    before_counts = Counter(s for slugs in sides[0][2].values() for s in slugs)
    after_counts = Counter(s for slugs in sides[1][2].values() for s in slugs)
    for slug in sorted(set(before_counts) | set(after_counts) | {t.slug for t in after_topics},
                       key=lambda s: (-after_counts[s], s)):
        print(f"  {slug:26} {before_counts[slug]:4} -> {after_counts[slug]:4}")

    if args.errors:
        print("\nafter: wrong and missing tags\n")
        shown = [r for r in rows if args.errors == "all" or r["paper"] not in HELD]
        print("\n".join(errors(sides[1][2], shown, aliases, titles)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
