"""Find each paper's nearest neighbours by TF-IDF cosine, and the terms that make them neighbours.

The one job: `compute_related(papers)` -> {paper id: (Related, ...)}.

It has to scale to an archive of 50,000 papers (~26 s and 1.4 GB peak on two cores, two
thirds of it TfidfVectorizer; exact=True ~64 s; see bench/bench_related.py), so it never
builds the N x N similarity matrix and never multiplies full vectors against everything:

* Only terms that two or more papers use can make two papers alike, so those are the only
  columns the similarity step sees.
* Candidates: each paper's `_PRUNE_TERMS` heaviest terms are its "heavy" part, the rest
  (its generic words) its "light" part. One sparse product, chunk of rows x all, scores every
  pair on everything but light x light: cheap, because light x light is where the
  near-universal terms, and so nearly all the work of the exact product, are.
* Each paper's `_CANDIDATES` best candidates are rescored on the full vectors, so every score
  shown is the exact cosine; the approximation can only change *which* papers make a list.
  Measured against `exact=True`: 98.6% of top-5 lists identical, mean recall@5 0.997 on
  the bundled dumps (the hard case: weak, close neighbours); 99.8% / 0.9997 on 50,000
  synthetic papers. tests/test_related.py holds the dumps to >= 95% / >= 0.98.
* Chunks of rows run on a thread pool (scipy's sparse kernels and numpy release the GIL;
  on a 2-core box that buys ~1.5x, most of the work being memory-bound).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from generator.models import Paper, Related

__all__ = ["compute_related", "shared_terms"]

# Chosen on the bundled dumps (the hard case: weak, close neighbours), for P heavy terms / C
# candidates: P=20/C=40 keeps 92% of top-5 lists identical to exact, 30/60 98.6%, 60/60 100%;
# at 50,000 synthetic papers the similarity step takes ~7 s with 20 terms, ~8-10 s with 30.
_PRUNE_TERMS = 30
_CANDIDATES = 60
# With exact=True the candidates come from the exact float32 product; a few spare ones
# absorb float32-vs-float64 rounding at the cut-off.
_EXACT_SPARE = 10
# Speed knobs only, neither changes a result: see _Job._candidates, and _related.
_CANDIDATE_FLOOR = 0.02
_CHUNK_ROWS = 1000

# Below this many papers min_df=2 would throw away most of each paper's text (and with it
# the norm that keeps two papers sharing one generic word from looking identical); above it
# the vocabulary of once-seen bigrams is what costs memory, so it goes.
_MIN_DF_FROM = 100


# The page text carries links and the odd bit of TeX; neither says what a paper is about,
# and "https"/"github" would otherwise be the most widely shared "terms" of all.
_URL = re.compile(r"https?://\S+|HTTPS?://\S+|www\.\S+")
_BARE_URL = re.compile(r"\b[\w.-]+\.(?:com|org|net|io|ai|edu|html?)\b/?\S*", re.IGNORECASE)
_BARE_URL_HINTS = (".com", ".org", ".net", ".io", ".ai", ".edu", ".htm")
_TEX = re.compile(r"\$[^$]{0,300}\$|\\[A-Za-z]+|[{}^_\\~]")
# A token is a word of 2+ characters that starts with a letter, or digits followed by a
# letter ("3d", "2b"): no numbers-only tokens ("2023", "100") ever become terms.
_TOKEN_PATTERN = r"(?u)\b(?:[^\W\d_]\w+|\d+[^\W\d_]\w*)\b"
_STOP_WORDS = sorted(
    ENGLISH_STOP_WORDS
    | {"http", "https", "www", "com", "org", "io", "html", "github", "url", "et", "al"}
)


def compute_related(
    papers: Sequence[Paper],
    k: int = 5,
    min_score: float = 0.08,
    n_terms: int = 3,
    *,
    exact: bool = False,
) -> dict[str, tuple[Related, ...]]:
    """Up to `k` most similar other papers for every paper, best first.

    Every paper id is a key (an empty tuple when nothing scores `min_score` or more).
    Scores are cosines rounded to 4 decimals; ties go to the smaller id. `terms` are the
    `n_terms` strongest terms the two papers share. The result depends only on the set of
    papers, not on their order. Paper ids must be unique.
    """
    ordered = sorted(papers, key=lambda p: p.id)
    ids = [p.id for p in ordered]
    dupes = sorted({a for a, b in zip(ids, ids[1:]) if a == b})
    if dupes:
        raise ValueError(f"duplicate paper ids: {dupes[:5]}")
    empty: dict[str, tuple[Related, ...]] = {i: () for i in ids}
    if len(ordered) < 2 or k <= 0:
        return empty

    matrix, names = _vectorize(ordered)
    if matrix is None or matrix.shape[1] == 0:
        return empty
    return _related(matrix, names, ids, k, min_score, n_terms, exact)


def _related(
    matrix: sp.csr_matrix,
    names: np.ndarray,
    ids: Sequence[str],
    k: int,
    min_score: float,
    n_terms: int,
    exact: bool,
) -> dict[str, tuple[Related, ...]]:
    """The similarity half of `compute_related`, on rows already sorted by id."""
    n = matrix.shape[0]
    if exact:
        left, right_t, n_candidates = matrix, matrix.T.tocsr(), k + _EXACT_SPARE
        # These candidate scores are the exact cosines (in float32), so anything clearly
        # below min_score can go before the per-row selection.
        floor = min_score - 1e-4
    else:
        heavy = _prune_rows(matrix, _PRUNE_TERMS)
        light = matrix - heavy
        # One product for "everything but light x light": [x_i | heavy_i] . [heavy_j | light_j]
        # = x_i.heavy_j + heavy_i.light_j. A term two papers share counts unless it is among
        # the lightest of *both*, which is where the generic words (and the cost) are.
        left = sp.hstack([matrix, heavy], format="csr")
        right_t = sp.hstack([heavy, light], format="csr").T.tocsr()
        n_candidates, floor = max(_CANDIDATES, k), 0.0
    job = _Job(
        matrix=matrix,
        left=left,
        right_t=right_t,
        n_candidates=n_candidates,
        floor=floor,
        k=k,
        min_score=min_score,
        n_terms=max(n_terms, 0),
        names=names,
        parts=_bigram_parts(names),
        ids=ids,
        # Keeps a chunk's candidate product (denser in exact mode) to ~100 MB.
        chunk=max(1, min(_CHUNK_ROWS, (5_000_000 if exact else 25_000_000) // n)),
    )
    starts = range(0, n, job.chunk)
    workers = min(len(starts), _workers())
    if workers <= 1:
        chunks = [job.run(s) for s in starts]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            chunks = list(pool.map(job.run, starts))
    result: dict[str, tuple[Related, ...]] = {}
    for chunk in chunks:
        result.update(chunk)
    return result


def shared_terms(
    weights_a: Mapping[str, float], weights_b: Mapping[str, float], n_terms: int = 3
) -> tuple[str, ...]:
    """The `n_terms` terms two papers share, strongest (largest weight product) first.

    A shared bigram hides its shared unigram parts ("cross encoder", not "cross",
    "encoder"); ties go to the alphabetically first term. This is the rule
    `compute_related` applies (vectorised) to fill `Related.terms`.
    """
    common = {t: weights_a[t] * weights_b[t] for t in weights_a.keys() & weights_b.keys()}
    common = {t: w for t, w in common.items() if w > 0}
    hidden = {part for t in common if " " in t for part in t.split(" ")}
    ranked = sorted((t for t in common if t not in hidden), key=lambda t: (-common[t], t))
    return tuple(ranked[: max(n_terms, 0)])


def _clean(text: str) -> str:
    # The substring checks skip the (much slower) regexes for the many texts that need none.
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if any(h in text for h in _BARE_URL_HINTS):
        text = _BARE_URL.sub(" ", text)
    if any(c in text for c in "$\\{}^_~"):
        text = _TEX.sub(" ", text)
    return text


def _document(paper: Paper) -> str:
    # The title twice: it is the author's own summary, so its terms count for more.
    title = _clean(paper.title)
    return f"{title}\n{title}\n{_clean(paper.abstract)}"


def _vectorize(papers: Sequence[Paper]) -> tuple[sp.csr_matrix | None, np.ndarray]:
    """L2-normalised tf-idf rows (float32), restricted to terms at least two papers use."""
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        ngram_range=(1, 2),
        stop_words=_STOP_WORDS,
        token_pattern=_TOKEN_PATTERN,
        min_df=2 if len(papers) >= _MIN_DF_FROM else 1,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform([_document(p) for p in papers]).tocsr()
    except ValueError:  # nothing but stop words (or nothing) anywhere
        return None, np.array([], dtype=object)
    names = vectorizer.get_feature_names_out()
    del vectorizer
    # A term only one paper uses adds to that paper's norm but to no pair's dot product;
    # dropping the column afterwards (not renormalising) keeps every cosine as it was.
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    keep = np.flatnonzero(df >= 2)
    if len(keep) < matrix.shape[1]:
        matrix = matrix[:, keep].tocsr()
        names = names[keep]
    matrix.sort_indices()
    return matrix, names


def _prune_rows(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Each row's `keep` largest entries (all of them on a tie at the cut), not renormalised."""
    lengths = np.diff(matrix.indptr)
    if lengths.max(initial=0) <= keep:
        return matrix.copy()
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)
    kept = _at_least_per_row(rows, matrix.data, keep)
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[kept], minlength=matrix.shape[0]))))
    return sp.csr_matrix(
        (matrix.data[kept], matrix.indices[kept], indptr), shape=matrix.shape
    )


def _bigram_parts(names: np.ndarray) -> np.ndarray:
    """For each column, the columns of its two words if it is a bigram, else -1s."""
    column = {name: i for i, name in enumerate(names.tolist())}
    parts = np.full((len(names), 2), -1, dtype=np.int64)
    for i, name in enumerate(names.tolist()):
        if " " in name:
            first, second = name.split(" ", 1)
            parts[i] = column.get(first, -1), column.get(second, -1)
    return parts


def _workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _top_per_row(
    rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, limit: int
) -> np.ndarray:
    """Positions of each row's `limit` best entries, ordered by row, score desc, column asc."""
    order = np.lexsort((cols, -scores, rows))
    sorted_rows = rows[order]
    row_start = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    rank = np.arange(len(order)) - np.repeat(row_start, np.diff(np.r_[row_start, len(order)]))
    return order[rank < limit]


def _at_least_per_row(rows: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """Mask of the entries scoring at least their row's `limit`-th best; `rows` ascending.

    Ties at the cut all stay in, so the set never depends on a sort's tie order, and a
    partition over padded rows is linear where sorting was the bottleneck.
    """
    if len(rows) == 0:
        return np.ones(0, dtype=bool)
    row_start = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    lengths = np.diff(np.r_[row_start, len(rows)])
    if lengths.max() <= limit:
        return np.ones(len(rows), dtype=bool)
    row = np.repeat(np.arange(len(lengths)), lengths)
    padded = np.full((len(lengths), lengths.max()), -np.inf, dtype=scores.dtype)
    padded[row, np.arange(len(rows)) - row_start[row]] = scores
    cut = -np.partition(-padded, limit - 1, axis=1)[:, limit - 1]
    return scores >= cut[row]


@dataclass(frozen=True)
class _Job:
    """Everything a chunk of rows needs; `run(start)` only reads it, so threads can share it."""

    matrix: sp.csr_matrix  # tf-idf rows, sorted by id
    left: sp.csr_matrix  # candidate product: left[rows] @ right_t
    right_t: sp.csr_matrix
    n_candidates: int
    floor: float  # candidate scores at or below this never qualify
    k: int
    min_score: float
    n_terms: int
    names: np.ndarray  # column -> term
    parts: np.ndarray  # column -> columns of its two words (bigrams), else -1s
    ids: Sequence[str]
    chunk: int

    def run(self, start: int) -> dict[str, tuple[Related, ...]]:
        stop = min(start + self.chunk, self.matrix.shape[0])
        rows, cols = self._candidates(start, stop)
        # Exact rescoring: the element-wise product of the two rows holds one entry per
        # shared term, so it gives both the cosine (its sum) and the terms.
        shared = self.matrix[rows].multiply(self.matrix[cols]).tocsr()
        pair_of_entry = np.repeat(np.arange(len(rows)), np.diff(shared.indptr))
        # float64 sums in storage order: the same bits every run, whatever the chunking
        # or the mode, so a pair's rounded score never flickers.
        scores = np.bincount(
            pair_of_entry, weights=shared.data.astype(np.float64), minlength=len(rows)
        )
        scores = np.round(scores, 4)
        pairs = np.flatnonzero(scores >= self.min_score)
        best = pairs[_top_per_row(rows[pairs], cols[pairs], scores[pairs], self.k)]
        terms = self._terms(shared, best)

        out: dict[str, list[Related]] = {self.ids[r]: [] for r in range(start, stop)}
        for pair, pair_terms in zip(best.tolist(), terms):
            out[self.ids[rows[pair]]].append(
                Related(id=self.ids[cols[pair]], score=float(scores[pair]), terms=pair_terms)
            )
        return {i: tuple(v) for i, v in out.items()}

    def _candidates(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Each row's best `n_candidates` other rows by the candidate product."""
        product = (self.left[start:stop] @ self.right_t).tocsr()
        indptr, cols, scores = product.indptr, product.indices, product.data
        # Most of a row's entries are crumbs far below its best few dozen, so select among
        # the entries above a floor, and go back to all of a row's entries only when
        # fewer than n_candidates (+1 for itself) clear it: faster, same selection.
        floor = max(self.floor, _CANDIDATE_FLOOR)
        picked = np.flatnonzero(scores >= floor)
        short = np.flatnonzero(np.diff(np.searchsorted(picked, indptr)) <= self.n_candidates)
        if self.floor < floor and len(short):
            lengths = indptr[short + 1] - indptr[short]
            whole = np.repeat(indptr[short] - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
            whole += np.arange(lengths.sum())
            picked = np.union1d(picked, whole[scores[whole] > self.floor])
        rows = np.searchsorted(indptr, picked, side="right") - 1 + start
        cols, scores = cols[picked].astype(np.int64), scores[picked]
        not_self = cols != rows
        rows, cols, scores = rows[not_self], cols[not_self], scores[not_self]
        top = _at_least_per_row(rows, scores, self.n_candidates)
        return rows[top], cols[top]

    def _terms(self, shared: sp.csr_matrix, pairs: np.ndarray) -> list[tuple[str, ...]]:
        if self.n_terms == 0 or len(pairs) == 0:
            return [()] * len(pairs)
        sub = shared[pairs].tocsr()
        pair = np.repeat(np.arange(len(pairs)), np.diff(sub.indptr))
        col = sub.indices.astype(np.int64)
        weight = sub.data
        positive = weight > 0  # a float32 product can underflow
        pair, col, weight = pair[positive], col[positive], weight[positive]
        n_cols = self.matrix.shape[1]
        # A shared bigram hides its shared unigram parts: "cross encoder", not "cross".
        parts = self.parts[col]
        is_bigram = parts[:, 0] >= 0
        hidden = np.concatenate(
            [pair[is_bigram] * n_cols + parts[is_bigram, 0],
             pair[is_bigram] * n_cols + parts[is_bigram, 1]]
        )
        visible = ~np.isin(pair * n_cols + col, hidden)
        pair, col, weight = pair[visible], col[visible], weight[visible]
        # Columns are in alphabetical order, so the column breaks ties alphabetically.
        top = _top_per_row(pair, col, weight, self.n_terms)
        terms: list[list[str]] = [[] for _ in range(len(pairs))]
        for p, c in zip(pair[top].tolist(), col[top].tolist()):
            terms[p].append(self.names[c])
        return [tuple(t) for t in terms]
