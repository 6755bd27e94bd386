"""Measure ways of weighing the TF-IDF evidence for related papers against the judged pool, tune and report halves.

    .venv/bin/python bench/related_levers.py            # every lever below, each at several floors
    .venv/bin/python bench/related_levers.py --quick    # this tree's configuration and main's only

What `bench/eval_related.py` does for one configuration, done in one process for many: the bundled dumps' catalog
(485 papers) is small enough for the exact cosine of every pair, so each lever is a different vector weighting or a
gate on a pair's shared terms, and the lists are made as `compute_related` makes them (a floor, a cut relative to the
paper's best link, at most five, versions apart). Figures as eval_related prints them: links per page, clearly /
loosely / unrelated (shares of the judged links shown), unjudged (share of the links shown that the pool never held),
first link clearly related, pages of the 20 sources with a link, and coverage over the whole catalog.

The levers:

* `title=N`: the title counted N times in the document (the code's default: once).
* `max_df`, `idf^2` (rare terms weigh more), `bm25` (BM25 tf saturation instead of 1 + log tf).
* `share<=s`: evidence diversity. A pair's shared terms are grouped into phrase families (a phrase with the words of
  it the two papers also share); a link is refused when one family carries more than `s` of the cosine.
* `rest>=r`: the cosine without its strongest family must still reach `r`.
* `mutual<=m`: the source must be among the candidate's `m` nearest too.
* `title-gate`: a shared term must occur in both titles.
* `mutual-best>=f`: a pair that is each other's nearest neighbour passes a lower floor `f`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import related as R  # noqa: E402
from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.terms import analyze, clean  # noqa: E402
from generator.tfidf import TfidfBigrams, terms_of  # noqa: E402

FLOORS = (0.14, 0.16, 0.17, 0.18, 0.19, 0.20)


class Corpus:
    def __init__(self) -> None:
        dumps, _ = read_dumps([ROOT / "dumps"])
        catalog, _ = build_catalog(dumps)
        self.papers = sorted(catalog.papers, key=lambda p: p.id)
        self.ids = [p.id for p in self.papers]
        self.sources: list[str] = []
        self.labels: dict[tuple[str, str], int] = {}
        for line in (ROOT / "tests" / "data" / "related_judgments.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["source"] not in self.sources:
                self.sources.append(row["source"])
            self.labels[(row["source"], row["candidate"])] = row["label"]

    def vectors(self, title: int = 1, max_df: float = R._MAX_DF, tf: str = "log", idf_power: float = 1.0):
        """(rows, names): L2-normalised tf-idf of title x `title` + abstract, min_df 2."""
        docs = ["\n".join([clean(p.title)] * title + [clean(p.abstract)]) for p in self.papers]
        vectorizer = TfidfBigrams(min_df=2, max_df=max_df)
        vectorizer._weigh = lambda m: m  # raw counts: the weighting is the lever
        counts = vectorizer.fit_transform(docs).tocsr().astype(np.float64)
        if tf == "log":
            counts.data = 1 + np.log(counts.data)
        elif tf == "bm25":
            lengths = np.diff(counts.indptr)
            scale = np.repeat(lengths / lengths.mean(), lengths)
            counts.data = counts.data * 2.2 / (counts.data + 1.2 * (0.25 + 0.75 * scale))
        counts.data *= vectorizer.idf_.astype(np.float64)[counts.indices] ** idf_power
        return normalize(counts).tocsr(), vectorizer


def families(rows, parts, i: int, j: int) -> list[float]:
    """The pair's shared evidence by phrase family, largest first (a phrase joins a shared word of it)."""
    a, b = rows[i], rows[j]
    common = np.intersect1d(a.indices, b.indices)
    wa, wb = dict(zip(a.indices, a.data)), dict(zip(b.indices, b.data))
    contrib = {int(c): wa[c] * wb[c] for c in common}
    fam: dict[int, float] = {}
    for c, w in contrib.items():
        p0, p1 = parts[c]
        key = p0 if p0 >= 0 and p0 in contrib else p1 if p1 >= 0 and p1 in contrib else c
        fam[key] = fam.get(key, 0.0) + w
    return sorted(fam.values(), reverse=True) or [0.0]


def lists(corpus: Corpus, cos: np.ndarray, passes, floor: float, relative: float = R.RELATIVE, k: int = 5):
    out = {}
    for i, pid in enumerate(corpus.ids):
        order = np.argsort(-cos[i], kind="stable")[:60]
        scored = [(cos[i, j], corpus.ids[j]) for j in order
                  if j != i and cos[i, j] < R._VERSION_COSINE and passes(i, j, floor)]
        scored.sort(key=lambda t: (-t[0], t[1]))
        top = scored[0][0] if scored else 0.0
        out[pid] = [c for s, c in scored if s >= relative * top][:k]
    return out


def figures(corpus: Corpus, shown: dict[str, list[str]], sources: list[str]) -> dict[str, float]:
    links = [(s, c) for s in sources for c in shown[s]]
    judged = [corpus.labels[x] for x in links if x in corpus.labels]
    counts, n = Counter(judged), max(len(judged), 1)
    firsts = [corpus.labels.get((s, shown[s][0])) for s in sources if shown[s]]
    return {"per page": len(links) / len(sources), "clearly": counts[2] / n, "loosely": counts[1] / n,
            "unrelated": counts[0] / n, "unjudged": (len(links) - len(judged)) / max(len(links), 1),
            "first clearly": sum(f == 2 for f in firsts) / max(sum(f is not None for f in firsts), 1),
            "pages": sum(bool(shown[s]) for s in sources) / len(sources)}


def line(name: str, corpus: Corpus, shown: dict[str, list[str]]) -> str:
    half = len(corpus.sources) // 2
    cells = []
    for sources in (corpus.sources[:half], corpus.sources[half:]):
        f = figures(corpus, shown, sources)
        cells.append(f"{f['per page']:.2f} {f['clearly']:4.0%} {f['loosely']:4.0%} {f['unrelated']:4.0%} "
                     f"{f['unjudged']:4.0%} {f['first clearly']:4.0%} {f['pages']:4.0%}")
    coverage = sum(bool(v) for v in shown.values()) / len(shown)
    return f"| {name} | " + " | ".join(cells) + f" | {coverage:.0%} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="this tree's configuration and main's only")
    args = parser.parse_args()
    corpus = Corpus()
    print("| lever, floor | tune: per page, clearly, loosely, unrelated, unjudged, first clearly, pages | "
          "report: the same | coverage |")
    print("|---|---|---|---:|")
    plain = lambda i, j, floor, cos=None: True  # noqa: E731
    weightings = {"title=1": {}, "title=2 (main)": {"title": 2}} if args.quick else {
        "title=1": {}, "title=2 (main)": {"title": 2}, "title=3": {"title": 3}, "max_df=0.1": {"max_df": 0.1},
        "max_df=0.05": {"max_df": 0.05}, "idf^2": {"idf_power": 2.0}, "bm25": {"tf": "bm25"}}
    for name, kwargs in weightings.items():
        rows, vectorizer = corpus.vectors(**kwargs)
        cos = (rows @ rows.T).toarray()
        np.fill_diagonal(cos, 0.0)
        floors = ((0.14,) if "main" in name else (0.18,)) if args.quick else FLOORS
        for floor in floors:
            ok = lambda i, j, floor, cos=cos: cos[i, j] >= floor  # noqa: E731
            print(line(f"{name}, {floor}", corpus, lists(corpus, cos, ok, floor)), flush=True)
        if name != "title=1" or args.quick:
            continue
        # Gates on one weighting (the chosen one), at the floors near the chosen one.
        parts = R._bigram_parts(vectorizer.get_feature_names_out())
        cache: dict = {}

        def fam(i, j, rows=rows, parts=parts, cache=cache):
            if (i, j) not in cache:
                cache[(i, j)] = families(rows, parts, i, j)
            return cache[(i, j)]

        rank = np.argsort(np.argsort(-cos, axis=1, kind="stable"), axis=1, kind="stable")
        names = vectorizer.get_feature_names_out().tolist()
        column = {t: c for c, t in enumerate(names)}
        lexicon = vectorizer.lexicon_
        in_title = [{column[t] for t in terms_of(analyze(clean(p.title), lexicon)) if t in column}
                    for p in corpus.papers]
        gates = {
            "share<=0.6": lambda i, j, floor: cos[i, j] >= floor and fam(i, j)[0] <= 0.6 * cos[i, j],
            "share<=0.5": lambda i, j, floor: cos[i, j] >= floor and fam(i, j)[0] <= 0.5 * cos[i, j],
            "rest>=0.08": lambda i, j, floor: cos[i, j] >= floor and cos[i, j] - fam(i, j)[0] >= 0.08,
            "mutual<=3": lambda i, j, floor: cos[i, j] >= floor and rank[j, i] < 3,
            "title-gate": lambda i, j, floor: cos[i, j] >= floor and bool(
                in_title[i] & in_title[j] & set(rows[i].indices) & set(rows[j].indices)),
            "mutual-best>=0.14": lambda i, j, floor: cos[i, j] >= floor or (
                cos[i, j] >= 0.14 and rank[i, j] == 0 and rank[j, i] == 0),
        }
        for gate, passes in gates.items():
            for floor in (0.16, 0.18):
                print(line(f"title=1, {gate}, {floor}", corpus, lists(corpus, cos, passes, floor)), flush=True)


if __name__ == "__main__":
    main()
