"""TF-IDF rows of unigrams and bigrams: what scikit-learn's `TfidfVectorizer(analyzer=..., sublinear_tf=True,
min_df=..., max_df=..., dtype=float32)` gives with `generator.terms` as its analyzer (same columns, same order, same float32 values),
without its vocabulary of every bigram in the corpus.

scikit-learn counts every distinct bigram in a dictionary of strings before `min_df` throws most of them away: at
50,000 papers that is most of the related stage's time and memory (BENCHMARKS.md). Here words become integers as they are read, a bigram
is a pair of integers, the plural rule runs once per distinct word, counting and pruning are numpy sorts, and only the
terms that survive `min_df` ever become strings. tests/test_related.py checks the output against scikit-learn's on the
bundled dumps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .terms import ACADEMIC_STOP_WORDS, analyze, normal_form, pieces, word_of

_BATCH = 2000  # documents tokenised at a time: bounds the memory the token lists take
_PAIR = np.int64(1) << np.int64(32)  # a bigram's key is (first word + 1) * 2**32 + second word; a word's is its number


def terms_of(words: Sequence[str]) -> list[str]:
    """The unigram and bigram terms of `analyze`'s output: every word, and every two words with no break between."""
    out = [w for w in words if w]
    out += [f"{a} {b}" for a, b in zip(words, words[1:]) if a and b]
    return out


class TfidfBigrams:
    """fit_transform / transform / get_feature_names_out / vocabulary_ / idf_, as the scikit-learn vectorizer."""

    def __init__(self, *, min_df: int = 1, max_df: float = 1.0) -> None:
        self._min_df = min_df
        self._max_df = max_df  # a share of the documents, as scikit-learn's float max_df
        self._names = np.array([], dtype=object)
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=np.float32)
        self.lexicon_: frozenset[str] = frozenset()  # every word the fitted corpus wrote: the plural rule's lexicon
        self.norms_ = np.zeros(0)  # each fitted row's L2 norm before normalising (generator/similar_index.py reads tf back)

    def get_feature_names_out(self) -> np.ndarray:
        return self._names

    def fit_transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Rows of the fitted terms, L2-normalised; ValueError when no term is left (as scikit-learn)."""
        # First every piece of text (word or mark between words) as a number; what each distinct piece is (a word,
        # its normal form, or a break) is settled once per piece, after the whole lexicon is known.
        words: dict[str, int] = {}
        batches = []
        for start in range(0, len(docs), _BATCH):
            tokens: list[str] = []
            lengths = []
            for doc in docs[start:start + _BATCH]:
                found = pieces(doc)
                found.append("\n")  # documents never run into each other
                tokens += found
                lengths.append(len(found))
            for token in dict.fromkeys(tokens):
                words.setdefault(token, len(words))
            ids = np.fromiter(map(words.__getitem__, tokens), dtype=np.int32, count=len(tokens))
            batches.append((start, ids, lengths))
        as_word = {piece: word_of(piece) for piece in words}
        self.lexicon_ = frozenset(w for w in as_word.values() if w)
        # Each distinct piece to its normal form's number, -1 for a break (an academic stop word too).
        normal_of = np.full(len(words), -1, dtype=np.int64)
        for piece, number in words.items():
            word = as_word[piece]
            if word:
                normal = normal_form(word, self.lexicon_)
                if normal not in ACADEMIC_STOP_WORDS:
                    normal_of[number] = words[normal]
        del as_word

        doc_parts, key_parts, count_parts = [], [], []
        while batches:
            start, ids, lengths = batches.pop(0)
            ids = normal_of[ids]
            doc_of = np.repeat(np.arange(start, start + len(lengths), dtype=np.int64), lengths)
            word = ids >= 0
            adjacent = word[:-1] & word[1:]  # a break ends every document, so no pair spans two
            keys = np.concatenate((ids[word], (ids[:-1][adjacent] + 1) * _PAIR + ids[1:][adjacent]))
            doc_of = np.concatenate((doc_of[word], doc_of[:-1][adjacent]))
            if not len(keys):
                continue
            order = np.lexsort((keys, doc_of))
            keys, doc_of = keys[order], doc_of[order]
            first = np.flatnonzero(np.concatenate(([True], (keys[1:] != keys[:-1]) | (doc_of[1:] != doc_of[:-1]))))
            key_parts.append(keys[first])
            doc_parts.append(doc_of[first].astype(np.int32))
            count_parts.append(np.diff(np.append(first, len(keys))).astype(np.float32))
        keys = np.concatenate(key_parts) if key_parts else np.zeros(0, dtype=np.int64)
        doc_of = np.concatenate(doc_parts) if doc_parts else np.zeros(0, dtype=np.int32)
        counts = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.float32)
        del key_parts, doc_parts, count_parts

        distinct, which, df = np.unique(keys, return_inverse=True, return_counts=True)
        del keys
        kept = np.flatnonzero((df >= self._min_df) & (df <= self._max_df * len(docs)))
        if not len(kept):
            raise ValueError("no term left: every word is a stop word, or too rare")
        by_number = list(words)
        names = [_name(int(key), by_number) for key in distinct[kept]]
        del words, by_number
        order = sorted(range(len(names)), key=names.__getitem__)  # scikit-learn's columns: terms in sorted order
        column_of = np.full(len(distinct), -1, dtype=np.int64)
        column_of[kept[order]] = np.arange(len(order))
        columns = column_of[which]
        del which, column_of
        wanted = columns >= 0
        matrix = sp.csr_matrix((counts[wanted], columns[wanted].astype(np.int32), _indptr(doc_of[wanted], len(docs))),
                               shape=(len(docs), len(order)), dtype=np.float32)
        self._names = np.array([names[i] for i in order], dtype=object)
        self.vocabulary_ = {name: i for i, name in enumerate(self._names.tolist())}
        # the idf as scikit-learn computes it, in float32: log((1 + n) / (1 + df)) + 1
        doc_freq = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float32) + np.float32(1.0)
        self.idf_ = np.full_like(doc_freq, fill_value=len(docs) + 1, dtype=np.float32)
        self.idf_ /= doc_freq
        np.log(self.idf_, out=self.idf_)
        self.idf_ += np.float32(1.0)
        matrix, self.norms_ = self._weigh(matrix)
        return matrix

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Rows of new documents in the fitted columns (terms never fitted carry no weight)."""
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for doc in docs:
            terms = Counter(terms_of(analyze(doc, self.lexicon_)))
            for term, count in terms.items():
                column = self.vocabulary_.get(term)
                if column is not None:
                    indices.append(column)
                    data.append(count)
            indptr.append(len(indices))
        matrix = sp.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
                               shape=(len(docs), len(self._names)), dtype=np.float32)
        return self._weigh(matrix)[0]

    def _weigh(self, matrix: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
        """Counts to L2-normalised sublinear tf-idf, in place; also returns each row's norm (0 rows: 1.0)."""
        matrix.sort_indices()
        np.log(matrix.data, out=matrix.data)
        matrix.data += np.float32(1.0)
        matrix.data *= self.idf_[matrix.indices]
        # L2 rows: float32 squares summed in float64, as scikit-learn's inplace_csr_row_normalize_l2
        squares = (matrix.data * matrix.data).astype(np.float64)
        lengths = np.diff(matrix.indptr)
        sums = np.zeros(matrix.shape[0])
        nonempty = lengths > 0
        sums[nonempty] = np.add.reduceat(squares, matrix.indptr[:-1][nonempty])
        norms = np.sqrt(sums)
        norms[norms == 0] = 1.0
        matrix.data = (matrix.data / np.repeat(norms, lengths)).astype(np.float32)
        return matrix, norms


def _name(key: int, words: list[str]) -> str:
    if key < _PAIR:
        return words[key]
    return f"{words[(key >> 32) - 1]} {words[key & 0xFFFFFFFF]}"


def _indptr(rows: np.ndarray, n_rows: int) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_rows)))).astype(np.int64)
