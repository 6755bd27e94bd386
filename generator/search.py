"""The site's search index: a sharded inverted index of every paper's title, authors, arXiv id and abstract, which
the search page (`site_src/assets/search.js`) queries in the browser, downloading only the shards that hold the
query's words and the result cards it shows.

Why not Pagefind: its indexer's time and memory grow linearly at a high rate per paper (BENCHMARKS.md has the
figures at 50,000 papers), more than the whole build may take. This index is built from the catalog in
seconds and stays small: a query downloads the manifest, one shard per word and one card chunk per ten results.

Files (paths relative to the index folder; every name but the manifest carries its content's hash, so a browser
never mixes a new manifest with old shards and an unchanged file keeps its name):
- `manifest.json`: format version, paper count, the first term of each term shard, the card chunks;
- `terms/<hash>.json`: `{term: [doc delta, value, doc delta, value, ...]}` for a run of consecutive terms, where
  value = title positions * 4096 + score: the score is the term's BM25 weight in the paper (hundredths, at most
  4095), the title positions a bit mask of where the term stands among the title's indexed words (bit 0 the first,
  up to bit 30), 0 when it is not in the title. The positions let the browser rank a paper whose title holds the
  query's words, in the query's order, above one that merely has them.
- `cards/<hash>.json`: `[[id, title, day, authors, snippet], ...]` for a run of consecutive documents.

Documents are numbered newest first, so ties rank the newer paper first. The query and ranking rules (tokens, stop
words, the plural rule, prefix matching of the last word, all words required, exact before prefix-only matches, title
phrase before title words before the rest) are mirrored in `search.js`: change both.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy
from collections.abc import Iterable, Sequence

from .model import paper_order
from .model import Paper
from .pages.common import json_text as _json

FORMAT = 2
TOKEN_RE = re.compile(r"[^\W_]+")
# Words nearly every abstract has: they would make the largest shards and never narrow a search.
STOP_WORDS = frozenset(
    "a an and are as at be been but by can for from has have in into is it its of on or our than that the their "
    "these this those to via was we were which while with".split()
)
_BATCH = 2000  # papers tokenised at a time: bounds the memory the token lists take
BM25_K1 = 1.2
BM25_B = 0.75
SCORE_SCALE = 100  # scores are stored as integers: hundredths
SCORE_LIMIT = 4096  # a posting's value is title positions * SCORE_LIMIT + score (see the module docstring)
TITLE_POSITIONS = 31  # title words past the 31st keep no position: the mask stays a 31-bit integer for JavaScript
SHARD_BYTES = 40_000  # a term shard closes once it is past this size (a single common term may make a larger one)
CARD_CHUNK = 50  # result cards per file: one page of ten results touches at most ten small files
SNIPPET_CHARS = 220
CARD_AUTHORS = 3


def fold(text: str) -> str:
    """Lower case without accents: `Ünïcode` and `unicode` are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M")).lower()


def stem(word: str) -> str:
    """A plural rule, nothing more: `models` finds `model`, `studies` finds `study`."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The indexed words of a text, in order (stop words and single letters left out)."""
    return [term for term in map(_term, TOKEN_RE.findall(fold(text))) if term]


def _term(token: str) -> str:
    if token in STOP_WORDS or (len(token) == 1 and not token.isdigit()):
        return ""
    return stem(token)


def document_order(papers: Iterable[Paper]) -> list[Paper]:
    """Newest first (by first-seen day, undated last), then by id: document numbers follow this order."""
    return sorted(papers, key=paper_order)


def build_index(papers: Sequence[Paper]) -> dict[str, str]:
    """Every file of the index, by path relative to the index folder."""
    docs = document_order(papers)
    files: dict[str, str] = {}
    shard_names: list[list[str]] = []
    for first_term, text in _term_shards(*_postings(docs)):
        name = f"terms/{_content_name(text)}.json"
        files[name] = text
        shard_names.append([first_term, name])
    cards = card_files(docs)
    files.update(dict(cards))
    card_names = [name for name, _ in cards]
    files["manifest.json"] = _json({
        "version": FORMAT,
        "papers": len(docs),
        "cardChunk": CARD_CHUNK,
        "shards": shard_names,
        "cards": card_names,
    })
    return files


def card_files(docs: Sequence[Paper]) -> list[tuple[str, str]]:
    """(path, JSON text) of the result cards of documents in `document_order`, CARD_CHUNK a file, in document
    order (the "papers like this" index, generator/similar_index.py, names the same files)."""
    out = []
    for start in range(0, len(docs), CARD_CHUNK):
        text = _json([_card(paper) for paper in docs[start:start + CARD_CHUNK]])
        out.append((f"cards/{_content_name(text)}.json", text))
    return out


def _postings(docs: Sequence[Paper]):
    """(sorted terms, and for every posting in term then document order: its term's rank, document, score).

    Vectorised: the text is tokenised in batches, each token mapped to its term once (a dictionary shared by all
    batches), and the term frequencies, document lengths and BM25 weights computed with numpy, because a Python loop
    per posting takes 20 s at 50,000 papers."""
    token_terms: dict[str, int] = {}  # token -> term number, -1 for a word not indexed
    term_numbers: dict[str, int] = {}
    doc_parts, term_parts, weight_parts, bit_parts = [], [], [], []
    for start in range(0, len(docs), _BATCH):
        tokens: list[str] = []
        field_docs, field_weights, field_lengths, title_lengths = [], [], [], []
        for number, paper in enumerate(docs[start:start + _BATCH], start):
            for field, (text, weight) in enumerate(_weighted_fields(paper)):
                found = TOKEN_RE.findall(fold(text))
                tokens += found
                field_docs.append(number)
                field_weights.append(weight)
                field_lengths.append(len(found))
                title_lengths.append(len(found) if field == 0 else 0)
        for token in dict.fromkeys(tokens):
            if token not in token_terms:
                term = _term(token)
                token_terms[token] = term_numbers.setdefault(term, len(term_numbers)) if term else -1
        batch_terms = numpy.fromiter(map(token_terms.__getitem__, tokens), dtype=numpy.int32, count=len(tokens))
        term_parts.append(batch_terms)
        doc_parts.append(numpy.repeat(numpy.asarray(field_docs, dtype=numpy.int32), field_lengths))
        weight_parts.append(numpy.repeat(numpy.asarray(field_weights, dtype=numpy.float32), field_lengths))
        bit_parts.append(_title_bits(batch_terms, numpy.asarray(field_lengths), numpy.asarray(title_lengths)))
    sorted_terms = sorted(term_numbers)
    rank = numpy.empty(len(term_numbers) + 1, dtype=numpy.int64)
    rank[[term_numbers[t] for t in sorted_terms]] = numpy.arange(len(sorted_terms))
    term_of = numpy.concatenate(term_parts) if term_parts else numpy.zeros(0, dtype=numpy.int32)
    indexed = term_of >= 0
    doc_of = numpy.concatenate(doc_parts)[indexed] if doc_parts else term_of
    weight_of = numpy.concatenate(weight_parts)[indexed] if weight_parts else term_of.astype(numpy.float32)
    bits_of = numpy.concatenate(bit_parts)[indexed] if bit_parts else term_of.astype(numpy.float64)
    del term_parts, doc_parts, weight_parts, bit_parts
    total = max(len(docs), 1)
    keys, which = numpy.unique(rank[term_of[indexed]] * total + doc_of, return_inverse=True)
    del term_of, indexed
    tf = numpy.bincount(which, weights=weight_of)
    term_rank, doc = keys // total, keys % total
    lengths = numpy.bincount(doc_of, weights=weight_of, minlength=total)
    norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(lengths.mean(), 1e-9))
    df = numpy.bincount(term_rank, minlength=len(sorted_terms))
    idf = numpy.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
    score = numpy.clip(numpy.rint(tf * (BM25_K1 + 1) / (tf + norm[doc]) * idf[term_rank] * SCORE_SCALE), 1, SCORE_LIMIT - 1)
    # every title position is one word, so the positions' bits never collide and their sum is their union
    positions = numpy.bincount(which, weights=bits_of).astype(numpy.int64)
    return sorted_terms, term_rank, doc, positions * SCORE_LIMIT + score.astype(numpy.int64)


def _title_bits(token_terms, field_lengths, title_lengths):
    """Per token: 2**(its position among the title's indexed words) for an indexed title word (within the first
    TITLE_POSITIONS), else 0."""
    in_title = numpy.repeat(title_lengths > 0, field_lengths)
    kept = in_title & (token_terms >= 0)
    # the position of a kept token: kept tokens before it in its title, i.e. a running count restarted per title
    running = numpy.cumsum(kept)
    title_starts = numpy.repeat(numpy.cumsum(field_lengths) - field_lengths, field_lengths)
    before = numpy.concatenate(([0], running))[title_starts]
    position = running - before - 1
    bits = numpy.zeros(len(token_terms), dtype=numpy.float64)
    use = kept & (position < TITLE_POSITIONS)
    bits[use] = numpy.exp2(position[use])
    return bits


def _weighted_fields(paper: Paper):
    return ((paper.title, 3.0), (" ".join(paper.authors), 2.0), (paper.arxiv_id, 3.0), (paper.abstract, 1.0))


def _term_shards(sorted_terms: list[str], term_rank, doc, score):
    """(first term, JSON text) of each shard of consecutive terms: each term's postings as [doc delta, score, ...]."""
    starts = numpy.searchsorted(term_rank, numpy.arange(len(sorted_terms) + 1))
    delta = numpy.diff(doc, prepend=0)
    delta[starts[:-1][starts[:-1] < len(doc)]] = doc[starts[:-1][starts[:-1] < len(doc)]]
    encoded = numpy.empty(2 * len(doc), dtype=numpy.int64)
    encoded[0::2], encoded[1::2] = delta, score
    values = encoded.tolist()
    shard: list[str] = []
    size = 0
    first = ""
    for rank, term in enumerate(sorted_terms):
        if not shard:
            first = term
        entry = f"{_json_string(term)}:[{','.join(map(str, values[2 * starts[rank]:2 * starts[rank + 1]]))}]"
        shard.append(entry)
        size += len(entry)
        if size >= SHARD_BYTES:
            yield first, "{" + ",\n".join(shard) + "}\n"
            shard, size = [], 0
    if shard:
        yield first, "{" + ",\n".join(shard) + "}\n"


def _card(paper: Paper) -> list:
    authors = ", ".join(paper.authors[:CARD_AUTHORS]) + (" et al." if len(paper.authors) > CARD_AUTHORS else "")
    snippet = paper.abstract
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return [paper.id, paper.title, paper.first_seen, authors, snippet]


def _json_string(text: str) -> str:
    return _json(text)[:-1]


def _content_name(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
