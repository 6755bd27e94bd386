"""The "papers like this" index: the related papers' TF-IDF (generator/tfidf.py, generator/related.py) published as
static shards, so that the search page (`site_src/assets/similar.js`) scores any pasted text against every paper in
the browser, downloading only the shards that hold the text's words and phrases.

Files, under `search-index/similar/` (the card files are the search index's, generator/search.py):
- `manifest.json`: format, the folder of this version, the paper count, the number of term shards, the card files,
  and the tokenizer's word lists (generator/terms.py: stop words, academic stop words, irregular plurals), so that
  the browser reads the same lists the build used;
- `<version>/<bucket>.json`: the terms whose FNV-1a hash (32 bits, of the UTF-8 bytes) modulo the shard count is
  `bucket`: `{term: [df, postings], word: 0}`. `postings` is base64 of unsigned LEB128 varints, per paper in
  ascending document number (the search index's numbering, newest first): `gap * 2 + (tf > 1)`, then `tf - 2`
  when tf > 1 (the first gap is the document number itself). `word: 0` is a word the plural rule must know
  although it carries no weight of its own (below);
- `<version>/norms.json`: `{"norms": base64 of float32 little-endian}`, each paper's tf-idf vector length before
  normalising.
Every name under `<version>/` changes with the content (the version is a hash of it), so a browser never mixes a
new manifest with old shards.

Scoring, in the browser exactly as `TfidfBigrams.transform` and the related papers' rows: the text's terms
(`terms.analyze`, then words and adjacent pairs) that are in the vocabulary weigh (1 + ln count) * idf, with
idf = ln((n + 1) / (df + 1)) + 1, the whole vector L2-normalised; a paper weighs a term (1 + ln tf) * idf / norm;
the score is the dot product (the cosine). `SimilarModel.nearest` is the same scoring in Python, over the matrix
the build fitted: tests/test_similar.py holds the browser to its top five.

The plural rule needs the corpus's lexicon ("models" is "model" only if the corpus wrote "model"), which is too
large to download. The browser looks each of a word's candidate singulars up in the shards instead: every word of a
vocabulary term is there, and so is every other lexicon word that comes before such a word among some plural's
candidates (the corpus wrote "cas" and "case": "cases" is "cas", not "case"). A word found nowhere, or found with no
term of its own, carries no weight and forms no phrase either way, which is all the scoring needs to know.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .model import Paper
from .related import RelatedIndex
from .pages.common import json_text
from .search import CARD_CHUNK, card_files, document_order
from .terms import ACADEMIC_STOP_WORDS, IRREGULAR_PLURALS, STOP_WORDS, analyze
from .tfidf import TfidfBigrams, terms_of

FORMAT = 1
FOLDER = "similar"
SHARD_BYTES = 1500  # the average shard: a 250-word abstract touches ~300 of them (BENCHMARKS.md)
MAX_SHARDS = 16384
MIN_TERMS = 5  # fewer vocabulary terms than this in a text: too little to say what it is about
_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


@dataclass(frozen=True)
class SimilarModel:
    """What the related papers' build fitted, with each row's document number in the search index."""

    vectorizer: TfidfBigrams
    keep: np.ndarray | None  # fitted columns the matrix keeps; None: all
    matrix: sp.csr_matrix  # L2-normalised tf-idf rows (float32)
    ids: Sequence[str]  # row -> paper id
    doc_of_row: np.ndarray  # row -> document number
    docs: Sequence[Paper]  # the papers in document order

    @classmethod
    def from_related(cls, index: RelatedIndex, papers: Sequence[Paper]) -> SimilarModel | None:
        """None when the related papers' build found no vocabulary (fewer than two papers, or no shared word)."""
        fitted = index.fitted()
        if fitted is None:
            return None
        vectorizer, keep, matrix, ids = fitted
        docs = document_order(papers)
        number = {paper.id: i for i, paper in enumerate(docs)}
        doc_of_row = np.array([number[i] for i in ids], dtype=np.int64)
        return cls(vectorizer, keep, matrix.tocsr(), ids, doc_of_row, docs)

    def query_vector(self, text: str) -> sp.csr_matrix:
        """The text's row in the matrix's columns, as `RelatedIndex.add` makes a new paper's."""
        row = self.vectorizer.transform([text]).tocsr()
        return row[:, self.keep].tocsr() if self.keep is not None else row

    def nearest(self, text: str, k: int = 10) -> list[tuple[str, float]]:
        """The `k` papers of highest cosine with `text` (ties: lower document number, the newer paper), positive
        scores only: the scoring the browser reproduces."""
        query = self.query_vector(text).astype(np.float64)
        scores = (self.matrix @ query.T).toarray().ravel()  # float64: the float32 rows times a float64 query
        rows = np.flatnonzero(scores > 0)
        order = rows[np.lexsort((self.doc_of_row[rows], -scores[rows]))][:k]
        return [(self.ids[r], float(scores[r])) for r in order]


def plural_candidates(word: str) -> list[str]:
    """The singulars `terms.normal_form` tries for `word`, in its order: it returns the first that is in the
    lexicon, else `word` (tests/test_similar.py checks the two agree)."""
    if len(word) < 4 or not word.endswith(("s", "a", "n", "e")):
        return []
    head, _, last = word.rpartition("-")
    head = head + "-" if head else ""
    irregular = IRREGULAR_PLURALS.get(last)
    if irregular:
        return [head + irregular]
    if not last.endswith("s") or last.endswith(("ss", "us", "is")):
        return []
    out = []
    if last.endswith("ies") and len(last) > 4:
        out.append(word[:-3] + "y")
    if last.endswith("es") and len(last) > 4:
        out.append(word[:-2])
    out.append(word[:-1])
    return out


def blocking_words(words: set[str], lexicon: frozenset[str] | set[str]) -> set[str]:
    """Lexicon words outside `words` that the plural rule tries before one of `words` for some plural ("cas"
    before "case" for "cases"): the browser must find them, or it would take the later one."""
    out = set()
    for word in words:
        for plural in (word + "s", word + "es"):
            candidates = plural_candidates(plural)
            if word in candidates:
                out.update(c for c in candidates[: candidates.index(word)] if c in lexicon and c not in words)
    return out


def fnv1a(texts: Sequence[str]) -> np.ndarray:
    """FNV-1a (32 bits) of each text's UTF-8 bytes, vectorised: what similar.js `fnv1a` computes."""
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(encoded) else lengths
    hashes = np.full(len(encoded), _FNV_OFFSET, dtype=np.uint64)
    order = np.argsort(-lengths, kind="stable")  # longest first: step j works on a prefix of this order
    for j in range(int(lengths.max(initial=0))):
        active = order[: np.count_nonzero(lengths > j)]
        byte = buffer[starts[active] + j].astype(np.uint64)
        hashes[active] = ((hashes[active] ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return hashes


def _varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, byte count of each value): unsigned LEB128 of non-negative integers below 2**35."""
    values = values.astype(np.int64)
    counts = np.ones(len(values), dtype=np.int64)
    for bits in (7, 14, 21, 28):
        counts += values >= (1 << bits)
    starts = np.cumsum(counts) - counts
    out = np.empty(int(counts.sum()), dtype=np.uint8)
    for k in range(5):
        sel = counts > k
        more = (counts[sel] > k + 1).astype(np.int64) << 7
        out[starts[sel] + k] = ((values[sel] >> (7 * k)) & 0x7F) | more
    return out, counts


def _postings(model: SimilarModel) -> tuple[np.ndarray, list[str]]:
    """(df of each matrix column, base64 postings of each matrix column), a slice of columns at a time: the whole
    matrix's worth of temporary arrays would add half a gigabyte at 50,000 papers."""
    by_doc = np.empty(model.matrix.shape[0], dtype=np.int64)
    by_doc[model.doc_of_row] = np.arange(model.matrix.shape[0])
    columns = model.matrix[by_doc].tocsc()  # rows in document order, so each column's postings come sorted
    columns.sort_indices()
    norms = np.empty(model.matrix.shape[0], dtype=np.float64)
    norms[model.doc_of_row] = model.vectorizer.norms_[: model.matrix.shape[0]]
    idf = model.vectorizer.idf_ if model.keep is None else model.vectorizer.idf_[model.keep]
    n_cols = columns.shape[1]
    df = np.diff(columns.indptr).astype(np.int64)
    encoded: list[str] = []
    step = max(1, columns.nnz // 16)
    low = 0
    while low < n_cols:
        high = int(np.searchsorted(columns.indptr, columns.indptr[low] + step, side="right"))
        high = min(max(high, low + 1), n_cols)
        a, b = columns.indptr[low], columns.indptr[high]
        doc = columns.indices[a:b].astype(np.int64)
        col = np.repeat(np.arange(high - low), df[low:high])
        # The rows hold (1 + ln tf) * idf / norm in float32: tf is an integer, so rounding gets it back exactly.
        tf = np.rint(np.exp(columns.data[a:b] * norms[doc] / idf[low:high][col] - 1))
        tf = np.maximum(tf, 1).astype(np.int64)
        first = np.concatenate(([True], col[1:] != col[:-1])) if len(col) else np.zeros(0, dtype=bool)
        gap = np.diff(doc, prepend=0)
        gap[first] = doc[first]
        extra = tf > 1
        # each posting: gap * 2 + (tf > 1), then tf - 2 when tf > 1
        at = np.arange(len(doc)) + np.cumsum(extra) - extra
        values = np.empty(len(doc) + int(extra.sum()), dtype=np.int64)
        values[at] = gap * 2 + extra
        values[at[extra] + 1] = tf[extra] - 2
        data, counts = _varints(values)
        sizes = np.bincount(np.repeat(col, 1 + extra.astype(np.int64)), weights=counts, minlength=high - low)
        ends = np.cumsum(sizes.astype(np.int64))
        raw = data.tobytes()
        encoded += [base64.b64encode(raw[s:e]).decode("ascii") for s, e in zip((ends - sizes.astype(np.int64)).tolist(), ends.tolist())]
        low = high
    return df, encoded


def build_files(model: SimilarModel | None, papers: Sequence[Paper]) -> dict[str, str]:
    """Every file of the index, by path relative to the search index's folder."""
    docs = model.docs if model is not None else document_order(papers)
    manifest: dict = {
        "version": FORMAT,
        "papers": len(docs),
        "minTerms": MIN_TERMS,
        "stopWords": sorted(STOP_WORDS),
        "academicStopWords": sorted(ACADEMIC_STOP_WORDS),
        "irregularPlurals": dict(sorted(IRREGULAR_PLURALS.items())),
        "cardChunk": CARD_CHUNK,
        "cards": [name for name, _ in card_files(docs)],
    }
    if model is None:
        manifest.update(folder="", shards=0, norms="")
        return {f"{FOLDER}/manifest.json": json_text(manifest)}

    vectorizer = model.vectorizer
    fitted_names = vectorizer.get_feature_names_out().tolist()
    kept = np.arange(len(fitted_names)) if model.keep is None else model.keep
    df_kept, postings = _postings(model)
    entries: dict[str, str] = {}  # term -> its JSON value
    df_all = np.ones(len(fitted_names), dtype=np.int64)  # a fitted term the matrix dropped: one paper had it
    df_all[kept] = df_kept
    has_postings = np.zeros(len(fitted_names), dtype=bool)
    has_postings[kept] = True
    text_of = dict(zip(kept.tolist(), postings))
    for column, name in enumerate(fitted_names):
        entries[name] = f'[{int(df_all[column])},"{text_of[column] if has_postings[column] else ""}"]'
    words = {part for name in fitted_names for part in name.split(" ")}
    for word in sorted((words | blocking_words(words, vectorizer.lexicon_)) - entries.keys()):
        entries[word] = "0"

    terms = sorted(entries)
    total = sum(len(t) + len(entries[t]) + 4 for t in terms)
    shards = 1
    while shards < MAX_SHARDS and shards * SHARD_BYTES < total:
        shards *= 2
    buckets = (fnv1a(terms) & np.uint64(shards - 1)).astype(np.int64)
    grouped: list[list[str]] = [[] for _ in range(shards)]
    for term, bucket in zip(terms, buckets.tolist()):
        grouped[bucket].append(f"{json_text(term)[:-1]}:{entries[term]}")
    bodies = {f"{bucket:04x}.json": "{" + ",\n".join(items) + "}\n" for bucket, items in enumerate(grouped) if items}
    norms = vectorizer.norms_[: model.matrix.shape[0]]
    by_doc = np.empty(len(docs), dtype="<f4")
    by_doc[model.doc_of_row] = norms
    bodies["norms.json"] = json_text({"norms": base64.b64encode(by_doc.tobytes()).decode("ascii")})

    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode())
    for name in sorted(bodies):
        digest.update(name.encode() + b"\0" + bodies[name].encode("utf-8") + b"\0")
    version = digest.hexdigest()[:16]
    manifest.update(folder=version, shards=shards, norms="norms.json")
    files = {f"{FOLDER}/{version}/{name}": text for name, text in bodies.items()}
    files[f"{FOLDER}/manifest.json"] = json_text(manifest)
    return files


def stage_index(write: Callable[[str, str], bool], related_index: RelatedIndex, papers: Sequence[Paper],
                prefix: str) -> tuple[list[str], list[str]]:
    """Builds the index and stages each file with `write(path, text)` (False when the site holds it already);
    returns (paths written, every path of the index), each `prefix` + path. Runs in a forked process beside the
    build's pages (generator/build.py), so it writes its own files."""
    files = build_files(SimilarModel.from_related(related_index, papers), papers)
    written = sorted(prefix + name for name, text in files.items() if write(prefix + name, text))
    return written, sorted(prefix + name for name in files)


def query_terms(model: SimilarModel, text: str) -> dict[str, int]:
    """The text's vocabulary terms and their counts, as `TfidfBigrams.transform` counts them (for tests)."""
    vocabulary = model.vectorizer.vocabulary_
    out: dict[str, int] = {}
    for term in terms_of(analyze(text, model.vectorizer.lexicon_)):
        if term in vocabulary:
            out[term] = out.get(term, 0) + 1
    return out
