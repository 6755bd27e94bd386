"""Text to terms: the one tokenizer and term normalisation of the TF-IDF related papers (and, later, search).

`analyze(text, lexicon)` is the whole rule, in one function; `surface_words` and `normal_form` are its two halves,
which `generator/tfidf.py` applies separately only to do the second half once per distinct word instead of once per
token. What a term is:

* A **word** is a run of letters and digits that starts with a letter or is digits followed by a letter ("3d"),
  lower-cased, accents kept; numbers alone are never words. A hyphenated compound is **one word** as written
  ("self-supervised", "state-of-the-art", "post-training"): its parts never pair with the words around it, so
  "state-of-the-art image" cannot give "art image", nor "post-training quantization" "training quantization".
* A **phrase** (bigram) is two words **adjacent in the text**: anything between them, punctuation, a removed stop
  word, a number, a line break (title and abstract are separate fields), breaks it. So "mixture of experts" never
  gives "mixture experts", and "(iii) conduct" never gives "iii conduct".
* **Plural aside**: a word that ends like a plural is replaced by its singular only when that singular is itself a
  word of the lexicon (the words the corpus uses), so "models" is "model" where both occur, "analysis" never
  becomes "analysi", and no two terms can be one word in singular and plural. The shown term is the normal form,
  which is a word the corpus writes, so every shown term occurs in both papers, case and plural aside.
* **Stop words**: English function words (scikit-learn's list, as before), enumeration marks ("ii", "iii"), URL
  leftovers, and `ACADEMIC_STOP_WORDS`: the words every abstract uses to *report* research rather than to say what
  it is about. Both kinds are removed and break phrases.

How `ACADEMIC_STOP_WORDS` was chosen: the words used by the most papers of the bundled dumps (document frequency,
`python -m generator.terms` prints them) were read one by one, and a word went in when it belongs to one of the
groups below in any paper, whatever the field; a word that names a subject in some papers ("task", "evaluation",
"design", "large", "hard", "efficient", "state") stayed out, since a stop word also breaks phrases
("state space", "hard negatives", "large language"). The groups: verbs of doing and reporting research ("propose",
"demonstrate", "outperform", "conduct"), the parts of a paper and its claims ("paper", "approach", "method",
"results", "experiments", "contributions", "state-of-the-art", "baseline"), the kind of paper ("review", "survey",
"overview", "future directions": two surveys of different subjects share them), vague evaluation and degree
("novel", "existing", "significant", "extensive", "good", "enormous", "wide", "range", "various", "soon"), and
discourse words ("specifically", "furthermore", "respectively", "albeit").
"""

from __future__ import annotations

import re
import types
import unicodedata
from collections.abc import Collection

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

__all__ = ["ACADEMIC_STOP_WORDS", "BREAK", "IRREGULAR_PLURALS", "STOP_WORDS", "analyze", "normal_form", "pieces",
           "surface_words", "word_of"]

BREAK = ""  # in a word list: a phrase cannot continue across this point

_MARKS = frozenset({
    "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "et", "al", "eg", "ie", "etc", "vs", "cf", "resp",
    "http", "https", "www", "com", "org", "io", "html", "github", "url",
})
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS | _MARKS)

# Singular normal forms (the rule compares after the plural rule), plus the inflections that rule leaves alone.
ACADEMIC_STOP_WORDS = frozenset("""
    propose proposed proposing present presented presenting introduce introduced introducing show shown showing
    showed demonstrate demonstrated demonstrating achieve achieved achieving outperform outperformed outperforming
    conduct conducted conducting investigate investigated investigating explore explored exploring address
    addressed addressing develop developed developing leverage leveraged leveraging utilize utilized utilizing
    utilise utilised utilising employ employed employing enable enabled enabling improve improved improving
    improvement enhance enhanced enhancing enhancement provide provided providing offer offered offering obtain
    obtained obtaining yield yielded yielding exhibit exhibited exhibiting reveal revealed revealing highlight
    highlighted highlighting remain remained remaining consider considered considering aim aimed aiming require
    required requiring allow allowed allowing make made making use used using based called named termed dubbed
    describe described describing find finding found study studied studying examine examined examining suggest
    suggested suggesting observe observed observing verify verified validate validated confirm confirmed
    surpass surpassed surpassing achieves attain attained establish established report reported
    paper work approach method methodology result experiment experimental contribution performance
    state-of-the-art sota baseline setting problem issue solution technique strategy insight aspect way manner
    effort attempt advance advancement progress success effectiveness efficacy superiority limitation challenge
    drawback benefit advantage potential impact importance role need goal purpose idea notion literature
    researcher practitioner community code available publicly release released project page website repository
    novel new existing previous prior recent recently current currently various variety different wide widely
    range broad numerous significant significantly substantial substantially considerable considerably
    remarkable remarkably notable notably impressive promising superior competitive effective effectively
    extensive extensively comprehensive comprehensively thorough simple simply easy easily straightforward
    strong stronger powerful great greater greatly good better best high higher highly enormous huge vast
    tremendous key crucial critical important importantly essential major main primary particular particularly
    specific specifically general generally typically usually commonly popular conventional traditional typical
    overall respectively finally furthermore additionally specifically soon able possible clearly lack poor
    unclear second superior consistently consistent respective including compared comparing given like despite
    directly jointly rely relying lead leading resulting additional additionally similar similarly limited
    challenging designed focus focused focusing evaluate evaluated evaluating research application example
    number type diverse scenario paradigm combine combined combining integrate integrated integrating capture
    captured capturing perform performed performing ability capability multiple
    review survey overview tutorial future direction albeit believe argue argued
""".split())

# Plurals whose singular the suffix rule cannot reach: standard English morphology, not a list of examples.
IRREGULAR_PLURALS = types.MappingProxyType({
    "indices": "index", "matrices": "matrix", "vertices": "vertex", "analyses": "analysis", "axes": "axis",
    "hypotheses": "hypothesis", "theses": "thesis", "criteria": "criterion", "phenomena": "phenomenon",
    "corpora": "corpus", "children": "child", "mice": "mouse", "appendices": "appendix", "bases": "basis",
})

# A word (letters/digits, hyphen-joined parts) or one character that breaks a phrase (anything else but spaces).
_PIECE = re.compile(r"[^\W_]+(?:-[^\W_]+)*|[^\w \t]")
_IS_WORD = re.compile(r"(?:[^\W\d_]|\d+[^\W\d_])")  # what a word starts like: a letter, or digits then a letter
_URL = re.compile(r"https?://\S+|HTTPS?://\S+|www\.\S+")
_BARE_URL = re.compile(r"\b[\w.-]+\.(?:com|org|net|io|ai|edu|html?)\b/?\S*", re.IGNORECASE)
_BARE_URL_HINTS = (".com", ".org", ".net", ".io", ".ai", ".edu", ".htm")
_TEX = re.compile(r"\$[^$]{0,300}\$|\\[A-Za-z]+|[{}^_\\~]")


def analyze(text: str, lexicon: Collection[str] | None = None) -> list[str]:
    """The terms' words of `text` in order: normal forms, with `BREAK` wherever a phrase cannot continue.

    `lexicon` is the set of words the corpus uses (what `surface_words` gives over every text); a plural becomes
    its singular only if the singular is in it. None: the text's own words. Unigram terms are the words; bigram
    terms are two consecutive words with no `BREAK` between them.
    """
    words = surface_words(text)
    if lexicon is None:
        lexicon = set(words)
    out = []
    for word in words:
        if word:
            word = normal_form(word, lexicon)
            if word in ACADEMIC_STOP_WORDS:
                word = BREAK
        out.append(word)
    return out


def surface_words(text: str) -> list[str]:
    """The words of `text` as written (lower case), stop words and everything else that breaks a phrase as BREAK."""
    return [word_of(piece) for piece in pieces(text)]


def pieces(text: str) -> list[str]:
    """`text` lower-cased and cut into words and the characters between them (URLs and TeX out)."""
    text = clean(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("\u2010", "-").replace("\u2011", "-")
    return _PIECE.findall(text.lower())


def word_of(piece: str) -> str:
    """A piece of `pieces` as a word, or BREAK: a stop word, a number, a single letter, a punctuation mark."""
    if len(piece) > 1 and piece not in STOP_WORDS and _IS_WORD.match(piece):
        return piece
    return BREAK


def normal_form(word: str, lexicon: Collection[str]) -> str:
    """The singular of `word` when it looks plural and that singular is a word of `lexicon`; else `word` itself.

    Tried in order: the irregular plurals, "-ies" -> "-y", "-es" -> "", "-s" -> "" (not after "s", "u", "i"). In a
    hyphenated compound the last part carries the plural ("cross-encoders" -> "cross-encoder").
    """
    if len(word) < 4 or not word.endswith(("s", "a", "n", "e")):
        return word
    head, _, last = word.rpartition("-")
    head = head + "-" if head else ""
    irregular = IRREGULAR_PLURALS.get(last)
    if irregular:
        candidate = head + irregular
        return candidate if candidate in lexicon else word
    if not last.endswith("s") or last.endswith(("ss", "us", "is")):
        return word
    if last.endswith("ies") and len(last) > 4:
        candidate = word[:-3] + "y"
        if candidate in lexicon:
            return candidate
    if last.endswith("es") and len(last) > 4:
        candidate = word[:-2]
        if candidate in lexicon:
            return candidate
    candidate = word[:-1]
    return candidate if candidate in lexicon else word


def clean(text: str) -> str:
    """URLs and TeX out: neither says what a paper is about, and "https"/"github" would be the most shared terms."""
    # The substring checks skip the (much slower) regexes for the many texts that need none.
    if "://" in text or "www." in text:
        text = _URL.sub(" , ", text)
    if any(h in text for h in _BARE_URL_HINTS):
        text = _BARE_URL.sub(" , ", text)
    if any(c in text for c in "$\\{}^_~"):
        text = _TEX.sub(" , ", text)
    return text


def _main() -> None:  # pragma: no cover - a helper for choosing stop words, see the module docstring
    import sys
    from collections import Counter
    from pathlib import Path

    from .catalog import build_catalog
    from .ingest import read_dumps

    dumps, _ = read_dumps([Path(sys.argv[1] if len(sys.argv) > 1 else "dumps")])
    catalog, _ = build_catalog(dumps)
    texts = [surface_words(f"{paper.title}\n{paper.abstract}") for paper in catalog.papers]
    lexicon = {w for words in texts for w in words}
    df: Counter[str] = Counter()
    for words in texts:
        df.update({normal_form(w, lexicon) for w in words if w})
    n = len(catalog.papers)
    for word, count in df.most_common(400):
        mark = "stop" if word in ACADEMIC_STOP_WORDS else ""
        print(f"{count / n:6.1%} {word:30} {mark}")


if __name__ == "__main__":  # pragma: no cover
    _main()
