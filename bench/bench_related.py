"""Time `generator.related.compute_related` on synthetic archives of growing size.

    .venv/bin/python bench/bench_related.py                      # 1,000, 10,000, 50,000
    .venv/bin/python bench/bench_related.py --sizes 1000,5000 --exact-max 5000

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
    from generator.models import Paper

    rows = json.loads(Path(corpus_path).read_text())
    papers = [Paper(title=t, abstract=a, id=i) for i, t, a in rows]
    del rows
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    vectorize = related._vectorize
    spent = {}

    def timed_vectorize(*args):
        t = time.perf_counter()
        try:
            return vectorize(*args)
        finally:
            spent["vectorize"] = time.perf_counter() - t

    related._vectorize = timed_vectorize
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
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.exact, args.worker[1])
        return

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
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
