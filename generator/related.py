"""Find each paper's nearest neighbours by TF-IDF cosine, and the terms that make them neighbours.

The one job: `compute_related(papers)` -> {paper id: (Related, ...)}: the related papers a page
shows (a score floor and a cut relative to the paper's best link: fewer than five rather than
weak ones), then the other versions of the same work (`version=True`). Terms come from
generator/terms.py (words and adjacent-word phrases, one plural normal form, stop words).
`RelatedIndex.build`
is the same computation, also keeping what it fitted, so that `index.add(new_papers)` can
give a new digest's papers their neighbours without refitting (see RelatedIndex).

It has to scale to an archive of 50,000 papers (the vectors, made by generator/tfidf.py
exactly as scikit-learn's TfidfVectorizer would, are most of the cost; bench/bench_related.py
and BENCHMARKS.md have the figures, exact=True against the default), so it never
builds the N x N similarity matrix and never multiplies full vectors against everything:

* Only terms that two or more papers use can make two papers alike, so those are the only
  columns the similarity step sees.
* Candidates: each paper's `_PRUNE_TERMS` heaviest terms are its "heavy" part, the rest
  (its generic words) its "light" part. One sparse product, chunk of rows x all, scores every
  pair on everything but light x light: cheap, because light x light is where the
  near-universal terms, and so nearly all the work of the exact product, are.
* Each paper's `_CANDIDATES` best candidates are rescored on the full vectors, so every score
  shown is the exact cosine; the approximation can only change *which* papers make a list.
  Measured against `exact=True` (k=5 and no floor, before the floor and relative cut
  existed): 98.6% of top-5 lists identical, mean recall@5 0.997 on the bundled dumps (the
  hard case: weak, close neighbours); 99.8% / 0.9997 on 50,000 synthetic papers. With the
  floor, the bundled dumps' lists are all identical. tests/test_related.py holds the dumps
  to >= 95% / >= 0.98.
* Chunks of rows run on a thread pool (scipy's sparse kernels and numpy release the GIL;
  on a 2-core box that buys ~1.5x, most of the work being memory-bound).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from generator.model import Paper, Related
from generator.terms import clean
from generator.tfidf import TfidfBigrams

__all__ = ["RelatedIndex", "compute_related", "shared_terms"]

# Chosen on the bundled dumps (the hard case: weak, close neighbours) by how many top-5 lists
# stay identical to the exact computation, against the similarity step's time at 50,000
# synthetic papers (bench/bench_related.py; the figures are in BENCHMARKS.md).
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
# A term used by more than this share of the catalog says nothing about what a paper is
# about *within this catalog* ("model", "learning", "task" in one of AI papers): the stop list
# made from document frequency, so it follows the catalog. From _MIN_DF_FROM papers on (in a
# handful of papers every shared word is "frequent").
_MAX_DF = 0.3


# A link must score at least this much (the cosine), and at least _RELATIVE of the paper's best link: a neighbour
# far weaker than the best one is a different subject sharing a few words. Judged on papers never used for tuning,
# links below ~0.18 were mostly loosely related or unrelated, so a page shows fewer links, or none and says so,
# rather than those. See BENCHMARKS.md for how they were set.
MIN_SCORE = 0.18
RELATIVE = 0.6
# Two papers are versions of one work (a conference and an extended version, a renamed preprint) when their
# vectors are nearly the same, or when one title holds the whole other title (three words or more) and the texts
# agree well. In the bundled dumps two different works never score above 0.55 (the same authors' two papers on one
# method), a paper and its extended version 0.82; a title inside another alone says too little ("Attention Is All
# You Need" is inside many titles).
_VERSION_COSINE = 0.7
_VERSION_TITLE_COSINE = 0.3
_MAX_VERSIONS = 3
_TITLE_WORDS = re.compile(r"[^\W_]+")


def compute_related(
    papers: Sequence[Paper],
    k: int = 5,
    min_score: float = MIN_SCORE,
    n_terms: int = 3,
    *,
    exact: bool = False,
    relative: float = RELATIVE,
) -> dict[str, tuple[Related, ...]]:
    """Up to `k` most similar other papers for every paper, best first, then its other versions.

    Every paper id is a key (an empty tuple when nothing qualifies). A related paper scores at
    least `min_score` and at least `relative` times the paper's best related score: fewer than
    `k`, or none, rather than weak links. Papers that are versions of the same work (see
    `_VERSION_COSINE`) come after, marked `version=True`, at most `_MAX_VERSIONS`, whatever
    `k`. Scores are cosines rounded to 4 decimals; ties go to the smaller id. `terms` are the
    `n_terms` strongest terms the two papers share (generator/terms.py: each occurs in both
    texts, case and plural aside). The result depends only on the set of papers, not on their
    order. Paper ids must be unique.
    """
    return RelatedIndex.build(papers, k, min_score, n_terms, exact=exact, relative=relative)[1]


class RelatedIndex:
    """What a full computation fitted, kept so that a few new papers can be added cheaply.

        index, related = RelatedIndex.build(papers)    # related == compute_related(papers)
        more = index.add(new_papers)                    # {new id: (Related, ...)} only

    `add` gives each *new* paper its neighbours among all papers (the indexed ones and the
    other new ones), under the rules of `compute_related` (k, min_score, n_terms as built;
    scores the float64 cosine of the float32 rows, rounded to 4 decimals; ties to the
    smaller id; no self links), and appends the new rows so that a later `add` sees them.
    What it does not do, by design (the next full build makes everything exact again):

    * The vocabulary and idf stay as fitted: new papers are `transform`ed, never refitted.
      A term the index has never seen (or saw in one paper only: min_df) carries no
      weight, and idf does not move. So, against one full computation over old + new,
      every score of a new paper drifts a little (no list is identical to the digit) and
      some neighbours change. A new paper's words the index never saw carry no weight, so
      its cosines run a little high and it may show a link or a version the full build
      would not. Bundled dumps (build on 455, add the newest 30, full over 485): recall 0.80
      of the full build's related papers, 54% of the added links in the full build's lists,
      id lists identical 17 of 30 (most of them empty in both), scores off by 0.020 on average
      and 0.059 at most (tests/test_related.py holds these); most of the loss is the ~500
      terms one old and one new paper share, which a refit would add, the terms near the
      max_df share, and links within a drift of the floor.
    * Candidates come from the exact product of the new rows with every row (cheap for a
      few rows, and it needs no second copy of the matrix), so a new paper's list is the
      `exact=True` list of that vocabulary, whatever mode the index was built in.
    * Papers already indexed keep their lists: an old paper never gains a new neighbour
      here, and no list `add` returns belongs to an old paper.
    * A paper whose id is already indexed is skipped, even if its text changed (a richer
      abstract from a later dump): it is not in the result and its row stays as built.
    * Below 100 papers the build drops the terms only one paper used (see _MIN_DF_FROM)
      and the index cannot bring them back: a copy of an indexed paper scores < 1.0 there.
    * An index built on fewer than two papers, with k <= 0, or on text that gave no term
      shared by two papers has no usable vocabulary: `add` gives every new paper ().

    Memory: the float32 CSR rows (grown in place with 1/8 slack, never duplicated), the
    vocabulary (dict, idf, term names, bigram parts) and the ids; see `memory()` (figures at
    50,000 papers: bench/bench_related.py --add, BENCHMARKS.md). Not thread-safe: one `add` at a time.
    """

    def __init__(
        self, k: int, min_score: float, n_terms: int, ids: Sequence[str], relative: float = RELATIVE
    ) -> None:
        self.k, self.min_score, self.n_terms, self.relative = k, min_score, n_terms, relative
        self._ids: list[str] = list(ids)
        self._titles: list[str] = []  # _title_key of each row, for the versions rule
        self._position: dict[str, int] = {pid: i for i, pid in enumerate(self._ids)}
        self._built = len(self._ids)
        self._vectorizer: TfidfBigrams | None = None
        self._keep: np.ndarray | None = None  # fitted columns kept (None: all of them)
        self._names = np.array([], dtype=object)
        self._parts = np.zeros((0, 2), dtype=np.int32)
        self._matrix: sp.csr_matrix | None = None  # rows in self._ids order
        # The matrix's arrays are views of these buffers, which have room to grow.
        self._data = np.zeros(0, dtype=np.float32)
        self._indices = np.zeros(0, dtype=np.int32)
        self._indptr = np.zeros(1, dtype=np.int32)

    @classmethod
    def build(
        cls,
        papers: Sequence[Paper],
        k: int = 5,
        min_score: float = MIN_SCORE,
        n_terms: int = 3,
        *,
        exact: bool = False,
        relative: float = RELATIVE,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[RelatedIndex, dict[str, tuple[Related, ...]]]:
        """The full computation: (the index, exactly what `compute_related` returns). `progress(n)` is called as
        each chunk of n papers has its related papers."""
        ordered = sorted(papers, key=lambda p: p.id)
        ids = [p.id for p in ordered]
        dupes = sorted({a for a, b in zip(ids, ids[1:]) if a == b})
        if dupes:
            raise ValueError(f"duplicate paper ids: {dupes[:5]}")
        index = cls(k, min_score, n_terms, ids, relative)
        index._titles = [_title_key(p) for p in ordered]
        empty: dict[str, tuple[Related, ...]] = {i: () for i in ids}
        if len(ordered) < 2 or k <= 0:
            return index, empty

        fitted = _fit(ordered)
        if fitted is None or fitted.matrix.shape[1] == 0:
            return index, empty
        parts = _bigram_parts(fitted.names)
        scorer = _Scorer(fitted.matrix, k, min_score, relative, max(n_terms, 0), fitted.names, parts, ids,
                         index._titles)
        result = _related(scorer, exact, progress)
        index._vectorizer, index._keep = fitted.vectorizer, fitted.keep
        index._names, index._parts = fitted.names, parts
        index._set_matrix(fitted.matrix)
        return index, result

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._position

    def fitted(self) -> tuple[TfidfBigrams, np.ndarray | None, sp.csr_matrix, list[str]] | None:
        """(vectorizer, kept columns or None, tf-idf rows, their paper ids) as built (rows `add` appended left
        out), or None when the build had no usable vocabulary: what generator/similar_index.py publishes."""
        if self._vectorizer is None or self._matrix is None:
            return None
        return self._vectorizer, self._keep, self._matrix[: self._built], self._ids[: self._built]

    @property
    def added(self) -> int:
        """Papers added since the build: the larger this grows, the more a rebuild is due."""
        return len(self._ids) - self._built

    def add(self, papers: Sequence[Paper]) -> dict[str, tuple[Related, ...]]:
        """Neighbours for the papers not yet indexed (one key each, in id order); see the class.

        Papers whose id is already indexed are skipped; a repeated id among `papers` is
        refused (ValueError). All or nothing: if it raises, the index is as it was. Once it
        returns, the papers are indexed: a caller that may drop the result (a build failing
        later) must keep it, or rebuild, since adding them again returns nothing.
        """
        fresh: dict[str, Paper] = {}
        dupes: set[str] = set()
        for paper in papers:
            if paper.id in self._position:
                continue
            if paper.id in fresh:
                dupes.add(paper.id)
            fresh[paper.id] = paper
        if dupes:
            raise ValueError(f"duplicate paper ids: {sorted(dupes)[:5]}")
        new = sorted(fresh.values(), key=lambda p: p.id)
        new_ids = [p.id for p in new]
        out: dict[str, tuple[Related, ...]] = {i: () for i in new_ids}
        if not new:
            return out
        start = len(self._ids)
        before = None if self._matrix is None else (self._matrix.shape[0], self._matrix.nnz)
        rows = None
        if self._vectorizer is not None and self._matrix is not None:
            rows = self._vectorizer.transform([_document(p) for p in new]).tocsr()
            if self._keep is not None:  # the build dropped these columns without renormalising
                rows = rows[:, self._keep].tocsr()
            rows = rows.astype(np.float32, copy=False)
            rows.sort_indices()
        try:
            if rows is not None:
                self._append(rows)
            self._ids.extend(new_ids)
            self._titles.extend(_title_key(p) for p in new)
            self._position.update((pid, start + i) for i, pid in enumerate(new_ids))
            if rows is not None and self.k > 0:
                out.update(self._lists(rows, start))
        except BaseException:  # all or nothing: the index is left as it was
            for pid in self._ids[start:]:
                del self._position[pid]
            del self._ids[start:]
            del self._titles[start:]
            if before is not None and self._matrix is not None:
                self._view(before[0], before[1], self._matrix.shape[1])
            raise
        return out

    def _lists(self, rows: sp.csr_matrix, start: int) -> dict[str, tuple[Related, ...]]:
        """The lists of the rows just appended at `start`, against every row."""
        matrix = self._matrix
        assert matrix is not None
        scorer = _Scorer(matrix, self.k, self.min_score, self.relative, max(self.n_terms, 0), self._names,
                         self._parts, self._ids, self._titles)
        out: dict[str, tuple[Related, ...]] = {}
        # As in exact mode, with its chunk size: a chunk's product is ~N x rows entries.
        chunk = max(1, min(_CHUNK_ROWS, 5_000_000 // matrix.shape[0]))
        for lo in range(0, rows.shape[0], chunk):
            block = rows[lo : lo + chunk]
            owners = np.arange(start + lo, start + lo + block.shape[0])
            # matrix @ block.T walks the CSR rows once; block @ matrix.T would transpose it.
            product = (matrix @ block.T.tocsr()).T.tocsr()
            cand_rows, cand_cols = _pick_candidates(
                product, owners, self.k + _EXACT_SPARE + _MAX_VERSIONS, self.min_score - 1e-4
            )
            # Positions past the build are not in id order: break ties on the ids themselves.
            cand_ids = [self._ids[c] for c in cand_cols.tolist()]
            rank = {pid: r for r, pid in enumerate(sorted(set(cand_ids)))}
            tie = np.array([rank[pid] for pid in cand_ids], dtype=np.int64)
            out.update(scorer.lists(cand_rows, cand_cols, tie, owners.tolist()))
        return out

    def memory(self) -> dict[str, int]:
        """Estimated bytes held: the matrix buffers, the vocabulary, the ids."""
        strings = sum(sys.getsizeof(s) for s in self._names.tolist())
        vocabulary = 0
        if self._vectorizer is not None:
            vocab = self._vectorizer.vocabulary_
            idf = self._vectorizer.idf_
            vocabulary = sys.getsizeof(vocab) + idf.nbytes
            if len(vocab) > len(self._names):  # terms dropped after fitting (small corpora)
                strings = sum(sys.getsizeof(s) for s in vocab)
            if self._keep is not None:
                vocabulary += self._keep.nbytes
        vocabulary += strings + self._names.nbytes + self._parts.nbytes
        ids = (
            sys.getsizeof(self._ids)
            + sys.getsizeof(self._position)
            + sum(sys.getsizeof(s) for s in self._ids)
        )
        matrix = self._data.nbytes + self._indices.nbytes + self._indptr.nbytes
        return {"matrix": matrix, "vocabulary": vocabulary, "ids": ids,
                "total": matrix + vocabulary + ids}

    def _set_matrix(self, matrix: sp.csr_matrix) -> None:
        idx = np.int32 if max(matrix.nnz, matrix.shape[1]) < 2**31 - 1 else np.int64
        self._data = np.ascontiguousarray(matrix.data, dtype=np.float32)
        self._indices = np.ascontiguousarray(matrix.indices, dtype=idx)
        self._indptr = np.ascontiguousarray(matrix.indptr, dtype=idx)
        self._view(matrix.shape[0], matrix.nnz, matrix.shape[1])

    def _view(self, n_rows: int, nnz: int, n_cols: int) -> None:
        matrix = sp.csr_matrix(
            (self._data[:nnz], self._indices[:nnz], self._indptr[: n_rows + 1]),
            shape=(n_rows, n_cols),
            copy=False,
        )
        matrix.has_sorted_indices = True
        self._matrix = matrix

    def _append(self, rows: sp.csr_matrix) -> None:
        """Appends rows in place; the buffers grow by 1/8 (amortised) when full."""
        assert self._matrix is not None
        n_rows, nnz = self._matrix.shape[0], self._matrix.nnz
        n_cols = self._matrix.shape[1]
        need_nnz, need_rows = nnz + rows.nnz, n_rows + rows.shape[0]
        idx = self._indices.dtype
        if need_nnz > 2**31 - 1 - need_nnz // 8:
            idx = np.dtype(np.int64)
        if need_nnz > len(self._data) or idx != self._indices.dtype:
            cap = need_nnz + need_nnz // 8
            self._data = _grown(self._data[:nnz], cap, self._data.dtype)
            self._indices = _grown(self._indices[:nnz], cap, idx)
        if need_rows + 1 > len(self._indptr) or idx != self._indptr.dtype:
            cap = need_rows + 1 + (need_rows + 1) // 8
            self._indptr = _grown(self._indptr[: n_rows + 1], cap, idx)
        self._data[nnz:need_nnz] = rows.data
        self._indices[nnz:need_nnz] = rows.indices
        self._indptr[n_rows + 1 : need_rows + 1] = rows.indptr[1:] + nnz
        self._view(need_rows, need_nnz, n_cols)


def _grown(values: np.ndarray, capacity: int, dtype: np.dtype) -> np.ndarray:
    out = np.empty(capacity, dtype=dtype)
    out[: len(values)] = values
    return out


def _related(scorer: _Scorer, exact: bool, progress: Callable[[int], None] | None = None) -> dict[str, tuple[Related, ...]]:
    """The similarity half of `compute_related`, on rows already sorted by id."""
    matrix = scorer.matrix
    n = matrix.shape[0]
    if exact:
        left, right_t = matrix, matrix.T.tocsr()
        n_candidates = scorer.k + _EXACT_SPARE + _MAX_VERSIONS
        # These candidate scores are the exact cosines (in float32), so anything clearly
        # below min_score can go before the per-row selection.
        floor = scorer.min_score - 1e-4
    else:
        heavy = _prune_rows(matrix, _PRUNE_TERMS)
        light = matrix - heavy
        # One product for "everything but light x light": [x_i | heavy_i] . [heavy_j | light_j]
        # = x_i.heavy_j + heavy_i.light_j. A term two papers share counts unless it is among
        # the lightest of *both*, which is where the generic words (and the cost) are.
        left = sp.hstack([matrix, heavy], format="csr")
        right_t = sp.hstack([heavy, light], format="csr").T.tocsr()
        n_candidates, floor = max(_CANDIDATES, scorer.k + _MAX_VERSIONS), 0.0
    job = _Job(
        scorer=scorer,
        left=left,
        right_t=right_t,
        n_candidates=n_candidates,
        floor=floor,
        # Keeps a chunk's candidate product (denser in exact mode) to ~100 MB.
        chunk=max(1, min(_CHUNK_ROWS, (5_000_000 if exact else 25_000_000) // n)),
    )
    starts = range(0, n, job.chunk)
    workers = min(len(starts), _workers())
    result: dict[str, tuple[Related, ...]] = {}
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        # map yields in order as chunks finish: the progress moves while the others are still computing
        for start, chunk in zip(starts, pool.map(job.run, starts) if workers > 1 else map(job.run, starts)):
            result.update(chunk)
            if progress is not None:
                progress(min(job.chunk, n - start))
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


def _document(paper: Paper) -> str:
    # The title once, like any sentence of the abstract: a title is a few words, often a catchy name or one broad
    # word ("context", "prediction"), and counting it twice let one such shared word carry a whole link (measured:
    # BENCHMARKS.md). Fields on their own lines: no phrase runs from one into the next.
    return f"{clean(paper.title)}\n{clean(paper.abstract)}"


def _title_key(paper: Paper) -> str:
    """The title's words, lower case, space-separated with a space at both ends (for whole-word containment)."""
    return " " + " ".join(_TITLE_WORDS.findall(paper.title.lower())) + " "


@dataclass(frozen=True)
class _Fitted:
    vectorizer: TfidfBigrams
    keep: np.ndarray | None  # the vectorizer's columns that `matrix` keeps; None: all
    matrix: sp.csr_matrix
    names: np.ndarray


def _vectorize(papers: Sequence[Paper]) -> tuple[sp.csr_matrix | None, np.ndarray]:
    """L2-normalised tf-idf rows (float32), restricted to terms at least two papers use."""
    fitted = _fit(papers)
    if fitted is None:
        return None, np.array([], dtype=object)
    return fitted.matrix, fitted.names


def _fit(papers: Sequence[Paper]) -> _Fitted | None:
    """`_vectorize`, keeping the fitted vectorizer; None when no paper has a usable term."""
    large = len(papers) >= _MIN_DF_FROM
    vectorizer = TfidfBigrams(min_df=2 if large else 1, max_df=_MAX_DF if large else 1.0)
    try:
        matrix = vectorizer.fit_transform([_document(p) for p in papers]).tocsr()
    except ValueError:  # nothing but stop words (or nothing) anywhere
        return None
    names = vectorizer.get_feature_names_out()
    # A term only one paper uses adds to that paper's norm but to no pair's dot product;
    # dropping the column afterwards (not renormalising) keeps every cosine as it was.
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    keep: np.ndarray | None = np.flatnonzero(df >= 2)
    if len(keep) < matrix.shape[1]:
        matrix = matrix[:, keep].tocsr()
        names = names[keep]
    else:
        keep = None
    matrix.sort_indices()
    return _Fitted(vectorizer, keep, matrix, names)


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
    """For each column, the columns of its two words if it is a bigram, else -1s (-1 also for a word that is no
    column: too frequent, max_df)."""
    column = {name: i for i, name in enumerate(names.tolist())}
    parts = np.full((len(names), 2), -1, dtype=np.int32)
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
class _Scorer:
    """Exact rescoring of candidate pairs, and the lists they make; only reads its fields."""

    matrix: sp.csr_matrix  # tf-idf rows
    k: int
    min_score: float
    relative: float
    n_terms: int
    names: np.ndarray  # column -> term
    parts: np.ndarray  # column -> columns of its two words (bigrams), else -1s
    ids: Sequence[str]  # row -> paper id
    titles: Sequence[str]  # row -> _title_key

    def lists(
        self, rows: np.ndarray, cols: np.ndarray, tie: np.ndarray, owners: Sequence[int]
    ) -> dict[str, tuple[Related, ...]]:
        """The list of every row in `owners` from its candidate pairs (rows[i], cols[i]).

        `tie` orders equal scores (smaller first): the columns themselves when rows are in
        id order, else each column's id rank.
        """
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
        ranked = pairs[_top_per_row(rows[pairs], tie[pairs], scores[pairs], self.k + _MAX_VERSIONS)]
        # Per owner, best first: versions aside, then the related papers that pass the relative cut.
        best, version = [], []
        owner, top, related, versions = -1, 0.0, 0, 0
        for pair in ranked.tolist():
            row, col = int(rows[pair]), int(cols[pair])
            if row != owner:
                owner, top, related, versions = row, 0.0, 0, 0
            score = float(scores[pair])
            if self._versions(row, col, score):
                if versions < _MAX_VERSIONS:
                    best.append(pair)
                    version.append(True)
                    versions += 1
                continue
            top = top or score
            if related < self.k and score >= self.relative * top:
                best.append(pair)
                version.append(False)
                related += 1
        best_pairs = np.asarray(best, dtype=np.int64)
        terms = self._terms(shared, best_pairs)

        out: dict[str, list[Related]] = {self.ids[r]: [] for r in owners}
        for pair, pair_terms, is_version in zip(best, terms, version):
            out[self.ids[rows[pair]]].append(
                Related(id=self.ids[cols[pair]], score=float(scores[pair]), terms=pair_terms,
                        version=is_version)
            )
        # Related papers first, then versions (each group best first).
        return {i: tuple(sorted(v, key=lambda r: r.version)) for i, v in out.items()}

    def _versions(self, row: int, col: int, score: float) -> bool:
        if score >= _VERSION_COSINE:
            return True
        if score < _VERSION_TITLE_COSINE:
            return False
        a, b = self.titles[row], self.titles[col]
        short, long = (a, b) if len(a) <= len(b) else (b, a)
        return short.count(" ") > 3 and short in long  # three words or more, whole words

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
        # (A word too frequent to be a column, max_df, has no column to hide: -1.)
        is_bigram = (parts[:, 0] >= 0) | (parts[:, 1] >= 0)
        hidden = np.concatenate(
            [pair[is_bigram] * n_cols + parts[is_bigram, 0],
             pair[is_bigram] * n_cols + parts[is_bigram, 1]]
        )
        hidden = hidden[np.concatenate([parts[is_bigram, 0], parts[is_bigram, 1]]) >= 0]
        visible = ~np.isin(pair * n_cols + col, hidden)
        pair, col, weight = pair[visible], col[visible], weight[visible]
        # Columns are in alphabetical order, so the column breaks ties alphabetically.
        top = _top_per_row(pair, col, weight, self.n_terms)
        terms: list[list[str]] = [[] for _ in range(len(pairs))]
        for p, c in zip(pair[top].tolist(), col[top].tolist()):
            terms[p].append(self.names[c])
        return [tuple(t) for t in terms]


def _pick_candidates(
    product: sp.csr_matrix, owners: np.ndarray, n_candidates: int, floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each product row's best `n_candidates` columns other than itself, as (owner, column).

    Row i of `product` scores owner `owners[i]` against every column; scores at or below
    `floor` never qualify. Ties at the cut all stay in.
    """
    indptr, cols, scores = product.indptr, product.indices, product.data
    # Most of a row's entries are crumbs far below its best few dozen, so select among
    # the entries above a floor, and go back to all of a row's entries only when
    # fewer than n_candidates (+1 for itself) clear it: faster, same selection.
    speed_floor = max(floor, _CANDIDATE_FLOOR)
    picked = np.flatnonzero(scores >= speed_floor)
    short = np.flatnonzero(np.diff(np.searchsorted(picked, indptr)) <= n_candidates)
    if floor < speed_floor and len(short):
        lengths = indptr[short + 1] - indptr[short]
        whole = np.repeat(indptr[short] - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
        whole += np.arange(lengths.sum())
        picked = np.union1d(picked, whole[scores[whole] > floor])
    rows = owners[np.searchsorted(indptr, picked, side="right") - 1]
    cols, scores = cols[picked].astype(np.int64), scores[picked]
    not_self = cols != rows
    rows, cols, scores = rows[not_self], cols[not_self], scores[not_self]
    top = _at_least_per_row(rows, scores, n_candidates)
    return rows[top], cols[top]


@dataclass(frozen=True)
class _Job:
    """A build's chunks of rows; `run(start)` only reads its fields, so threads can share it."""

    scorer: _Scorer  # its matrix: the tf-idf rows, sorted by id
    left: sp.csr_matrix  # candidate product: left[rows] @ right_t
    right_t: sp.csr_matrix
    n_candidates: int
    floor: float  # candidate scores at or below this never qualify
    chunk: int

    def run(self, start: int) -> dict[str, tuple[Related, ...]]:
        stop = min(start + self.chunk, self.left.shape[0])
        product = (self.left[start:stop] @ self.right_t).tocsr()
        owners = np.arange(start, stop)
        rows, cols = _pick_candidates(product, owners, self.n_candidates, self.floor)
        # Rows are in id order, so the column itself breaks ties by id.
        return self.scorer.lists(rows, cols, cols, range(start, stop))
