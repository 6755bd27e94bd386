"""Time `generator.related.compute_related` on synthetic archives of growing size.

    .venv/bin/python bench/bench_related.py                      # 1,000, 10,000, 50,000
    .venv/bin/python bench/bench_related.py --sizes 1000,5000 --exact-max 5000
    .venv/bin/python bench/bench_related.py --add                # RelatedIndex: 10,000, 50,000

Each measurement runs in a fresh subprocess, so its peak RSS (ru_maxrss; tracemalloc would
slow the run down too much) is that run's alone. The corpus is written to a temporary file
first, so generating it costs the measured process nothing. Up to --exact-max papers the
default mode is also compared with exact=True: recall@5 is |default top-k & exact top-k| /
|exact top-k| averaged over papers that have any, "identical" the share of papers whose
list (ids, order, scores, terms) is the same.

The synthetic text: a 30,000-word vocabulary drawn with Zipf frequencies (English stop words
at the head, as in real abstracts), 40 fields of 300 words, each field split into subtopics
of 40 words; a paper mixes background, its field, its subtopic and a little of a second,
random subtopic, so neighbours exist at several strengths. ~180-word abstracts in sentences,
~10-word titles, a quarter with a code URL.

--add measures the incremental path instead: `RelatedIndex.build` on N papers, then --adds
(3) calls of `index.add`, each with --new (30) papers held out of the same corpus (so they
come from the same topics), one after the other, so each add also sees the papers added
before it. It prints the build and each add's time and the index's memory (`memory()`:
the matrix buffers, an estimate of the vocabulary, the ids). Unless --no-compare, the first
add's lists are also compared with one full `compute_related` over the N + new papers
(recall@5, identical lists and identical id lists): what keeping the fitted vocabulary and
idf costs, since with them fixed every score drifts a little.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

SYLLABLES = (
    "ka to ri mo na le si vu pe ga do fi ze lu ba co ne ta mi ro sa pu de ho ju wi xe ly "
    "qua tra bel con ste mar pol tin ver lex gra fon"
).split()


def zipf(n: int, s: float) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** s
    return p / p.sum()


def make_words(n: int, rng: np.random.Generator, taken: set[str]) -> list[str]:
    words: list[str] = []
    while len(words) < n:
        word = "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), rng.integers(2, 5)))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


def synthetic_corpus(n: int, seed: int = 0, abstract_words: int = 180, title_words: int = 10):
    """[(id, title, abstract)] for n papers; the same for the same (n, seed)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    rng = np.random.default_rng(seed)
    stops = list(rng.permutation(sorted(ENGLISH_STOP_WORDS))[:150])
    vocab = np.array(stops + make_words(30_000, rng, set(ENGLISH_STOP_WORDS)), dtype=object)
    n_fields, field_size, sub_size = 40, 300, 40
    n_sub = max(5, min(60, n // 600))  # subtopics per field, so a subtopic has ~10-25 papers
    field_words = rng.integers(500, len(vocab), size=(n_fields, field_size))
    sub_words = rng.integers(2000, len(vocab), size=(n_fields, n_sub, sub_size))
    p_background = zipf(len(vocab), 1.07)
    p_field, p_sub = zipf(field_size, 0.8), zipf(sub_size, 0.7)

    length = title_words + abstract_words
    in_title = np.arange(length) < title_words
    papers = []
    for start in range(0, n, 5000):  # in blocks, to keep the word arrays small
        m = min(5000, n - start)
        field, sub = rng.integers(0, n_fields, m), rng.integers(0, n_sub, m)
        field2, sub2 = rng.integers(0, n_fields, m), rng.integers(0, n_sub, m)
        background = rng.choice(len(vocab), size=(m, length), p=p_background)
        pick_field = rng.choice(field_size, size=(m, length), p=p_field)
        fw = field_words[field[:, None], pick_field]
        sw = sub_words[field[:, None], sub[:, None], rng.choice(sub_size, (m, length), p=p_sub)]
        sw2 = sub_words[field2[:, None], sub2[:, None], rng.choice(sub_size, (m, length), p=p_sub)]
        strength = rng.uniform(0.5, 1.5, (m, 1))
        a_sub = np.where(in_title, 0.35, 0.07 * strength)
        a_sub2 = a_sub + np.where(in_title, 0.05, 0.03 * strength)
        a_field = a_sub2 + np.where(in_title, 0.25, 0.12 * strength)
        u = rng.random((m, length))
        words = np.where(
            u < a_sub, sw, np.where(u < a_sub2, sw2, np.where(u < a_field, fw, background))
        )
        has_url = rng.random(m) < 0.25
        for d in range(m):
            w = vocab[words[d]]
            title = " ".join(w[:title_words])
            body = w[title_words:]
            cuts = np.cumsum(rng.integers(12, 30, 20))
            pieces = np.split(body, cuts[cuts < len(body)])
            sentences = [" ".join(s).capitalize() + "." for s in pieces]
            abstract = " ".join(s for s in sentences if s != ".")
            if has_url[d]:
                abstract += f" Code is available at https://github.com/{w[10]}/{w[11]}."
            papers.append((f"p{start + d:06d}", title[:1].upper() + title[1:], abstract))
    return papers


def worker(corpus_path: str, exact: bool, out_path: str) -> None:
    """Runs in the fresh subprocess: load, time one compute_related call, report."""
    sys.path.insert(0, str(ROOT))
    import generator.related as related
    from generator.model import Paper

    rows = json.loads(Path(corpus_path).read_text())
    papers = [Paper(title=t, abstract=a, id=i) for i, t, a in rows]
    del rows
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    vectorize = related._fit  # the tf-idf half (compute_related -> RelatedIndex.build -> _fit)
    spent = {}

    def timed_vectorize(*args):
        t = time.perf_counter()
        try:
            return vectorize(*args)
        finally:
            spent["vectorize"] = time.perf_counter() - t

    related._fit = timed_vectorize
    t = time.perf_counter()
    result = related.compute_related(papers, exact=exact)
    wall = time.perf_counter() - t
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path(out_path).write_text(
        json.dumps(
            {
                "wall": wall,
                "vectorize": spent.get("vectorize", 0.0),
                "rss_before_mb": rss_before / 1024,
                "rss_peak_mb": rss_peak / 1024,
                "lists": {
                    k: [[r.id, r.score, list(r.terms)] for r in v] for k, v in result.items()
                },
            }
        )
    )


def add_worker(corpus_path: str, n: int, new: int, adds: int, compare: bool, out_path: str) -> None:
    """Runs in the fresh subprocess: build an index on n papers, then time `adds` adds."""
    sys.path.insert(0, str(ROOT))
    from generator.model import Paper
    from generator.related import RelatedIndex, compute_related

    rows = json.loads(Path(corpus_path).read_text())
    papers = [Paper(title=t, abstract=a, id=i) for i, t, a in rows]
    del rows
    t = time.perf_counter()
    index, result = RelatedIndex.build(papers[:n])
    build = time.perf_counter() - t
    del result
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    memory = [index.memory()]
    timings, first = [], {}
    for i in range(adds):
        batch = papers[n + i * new : n + (i + 1) * new]
        t = time.perf_counter()
        lists = index.add(batch)
        timings.append(time.perf_counter() - t)
        memory.append(index.memory())
        first = first or lists
    rss_adds = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    quality = None
    if compare:
        del index
        full = compute_related(papers[: n + new])
        quality = compare_lists(
            {k: [[r.id, r.score, list(r.terms)] for r in v] for k, v in first.items()},
            {k: [[r.id, r.score, list(r.terms)] for r in full[k]] for k in first},
        )
    Path(out_path).write_text(
        json.dumps(
            {
                "build": build,
                "adds": timings,
                "memory": memory,
                "rss_build_mb": rss_build / 1024,
                "rss_adds_mb": rss_adds / 1024,
                "quality": quality,
            }
        )
    )


def compare_lists(got: dict, want: dict) -> dict:
    """recall@5, identical lists and identical id lists of `got` against `want`."""
    recall, _ = compare(got, want)
    same_ids = sum([r[0] for r in got[p]] == [r[0] for r in want[p]] for p in want)
    return {
        "recall": recall,
        "identical": sum(got[p] == want[p] for p in want) / len(want),
        "identical_ids": same_ids / len(want),
    }


def measure_add(corpus: Path, n: int, args: argparse.Namespace, tmp: Path) -> dict:
    out = tmp / f"out-add-{n}.json"
    cmd = [sys.executable, __file__, "--add-worker", str(corpus), str(n), str(args.new),
           str(args.adds), str(int(not args.no_compare)), str(out)]
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def main_add(args: argparse.Namespace, sizes: list[int]) -> None:
    mb = 1024 * 1024
    header = (f"{'papers':>7} {'build s':>7} {'add ms':>16} {'matrix MB':>9} {'vocab MB':>8} "
              f"{'ids MB':>6} {'index MB':>8} {'peak MB':>7} {'recall@5':>8} {'identical':>9} "
              f"{'same ids':>8}")
    lines = [header, "-" * len(header)]
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-related-") as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            corpus = tmp / f"corpus-{n}.json"
            # One corpus for the archive and its new papers: the same fields and subtopics.
            papers = synthetic_corpus(n + args.adds * args.new, seed=args.seed)
            corpus.write_text(json.dumps(papers))
            del papers
            run = measure_add(corpus, n, args, tmp)
            mem = run["memory"][-1]
            quality = run["quality"] or {}
            adds = "/".join(f"{t * 1000:.0f}" for t in run["adds"])
            line = (f"{n:>7} {run['build']:>7.1f} {adds:>16} {mem['matrix'] / mb:>9.1f} "
                    f"{mem['vocabulary'] / mb:>8.1f} {mem['ids'] / mb:>6.1f} "
                    f"{mem['total'] / mb:>8.1f} {run['rss_adds_mb']:>7.0f} "
                    f"{quality.get('recall', float('nan')):>8.4f} "
                    f"{quality.get('identical', float('nan')):>9.2%} "
                    f"{quality.get('identical_ids', float('nan')):>8.2%}")
            lines.append(line)
            print(line, flush=True)
    print()
    print("\n".join(lines))
    print(f"add ms: each of {args.adds} adds of {args.new} papers, in turn; "
          "matrix/vocab/ids/index MB: RelatedIndex.memory() after the last add; "
          "peak MB: the subprocess's ru_maxrss (the build's peak); recall@5, identical, "
          "same ids: the first add's lists against one full compute_related over the "
          "N + new papers.")


def measure(corpus_path: Path, exact: bool, tmp: Path) -> dict:
    out = tmp / f"out-{'exact' if exact else 'default'}.json"
    cmd = [sys.executable, __file__, "--worker", str(corpus_path), str(out)]
    if exact:
        cmd.append("--exact")
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def compare(default: dict, exact: dict) -> tuple[float, float]:
    recalls = []
    for pid, want in exact.items():
        if want:
            got = {r[0] for r in default[pid]}
            recalls.append(len(got & {r[0] for r in want}) / len(want))
    identical = sum(default[p] == exact[p] for p in exact) / len(exact)
    return (sum(recalls) / len(recalls) if recalls else 1.0), identical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated corpus sizes")
    parser.add_argument("--exact-max", type=int, default=10_000,
                        help="compare with exact=True up to this many papers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--exact", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add", action="store_true",
                        help="time RelatedIndex.build and index.add instead "
                        "(sizes default 10000,50000)")
    parser.add_argument("--new", type=int, default=30, help="papers per add (with --add)")
    parser.add_argument("--adds", type=int, default=3, help="adds in turn (with --add)")
    parser.add_argument("--no-compare", action="store_true",
                        help="with --add, skip the comparison with a full computation")
    parser.add_argument("--add-worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.exact, args.worker[1])
        return
    if args.add_worker:
        path, n, new, adds, compare_, out = args.add_worker
        add_worker(path, int(n), int(new), int(adds), compare_ == "1", out)
        return

    if args.add and args.sizes == parser.get_default("sizes"):
        args.sizes = "10000,50000"
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.add:
        main_add(args, sizes)
        return
    header = (f"{'papers':>7} {'mode':>7} {'wall s':>7} {'tf-idf s':>8} {'similar s':>9} "
              f"{'peak MB':>8} {'+MB':>6} {'recall@5':>8} {'identical':>9}")
    lines = [header, "-" * len(header)]
    print(header, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-related-") as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            corpus = tmp / f"corpus-{n}.json"
            corpus.write_text(json.dumps(synthetic_corpus(n, seed=args.seed)))
            runs = [("default", measure(corpus, False, tmp))]
            if n <= args.exact_max:
                runs.append(("exact", measure(corpus, True, tmp)))
            for mode, run in runs:
                quality = ("", "")
                if mode == "default" and len(runs) == 2:
                    recall, identical = compare(run["lists"], runs[1][1]["lists"])
                    quality = (f"{recall:.4f}", f"{identical:.2%}")
                line = (f"{n:>7} {mode:>7} {run['wall']:>7.1f} {run['vectorize']:>8.1f} "
                        f"{run['wall'] - run['vectorize']:>9.1f} {run['rss_peak_mb']:>8.0f} "
                        f"{run['rss_peak_mb'] - run['rss_before_mb']:>6.0f} "
                        f"{quality[0]:>8} {quality[1]:>9}")
                lines.append(line)
                print(line, flush=True)
    print()
    print("\n".join(lines))
    print("peak MB: the subprocess's ru_maxrss (Python, libraries and the loaded corpus "
          "included); +MB: its growth during the compute_related call.")


if __name__ == "__main__":
    main()
