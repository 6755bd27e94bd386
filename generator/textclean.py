"""Turn the raw text of a title or abstract from a web dump into clean, readable plain text.

Everything here is pure string work: no markup is produced. Escaping for Markdown, HTML, XML and
JSON happens where the text lands (render and feeds), never here.
"""

from __future__ import annotations

import re
import types
import unicodedata
from dataclasses import dataclass

# A general LaTeX-to-text converter (pylatexenc) treats `%` as a comment and eats the rest of the
# line, which is wrong for abstracts ("improves by 5% ..."); arXiv abstracts only carry a handful
# of leftovers, so a targeted table is both safer and faster.
_ACCENTS = types.MappingProxyType({
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
})
_ACCENT_RE = re.compile(r"""\\(["'`^~=.]|[cvuH](?=[{\s]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))""")
_ESCAPED_CHAR_RE = re.compile(r"\\([%&_#$])")
_URL_MACRO_RE = re.compile(r"\\(?:url|nolinkurl)\{([^{}]*)\}")
_HREF_RE = re.compile(r"\\href\{([^{}]*)\}\{([^{}]*)\}")
_STYLE_MACRO_RE = re.compile(r"\\(?:emph|textbf|textit|texttt|textsc|textrm|mathrm|mathbf|mathcal|text|underline)\{([^{}]*)\}")
_STYLE_GROUP_RE = re.compile(r"\{\\(?:em|bf|it|tt|sc)\s+([^{}]*)\}")
_ABBREVIATIONS = types.MappingProxyType({"eg": "e.g.", "ie": "i.e.", "etc": "etc.", "etal": "et al.", "vs": "vs."})
_ABBREV_RE = re.compile(r"\\(eg|ie|etc|etal|vs)\b\.?")
_UNKNOWN_MACRO_RE = re.compile(r"\\([A-Za-z]{2,})\b")
_URL_BRACE_TAIL_RE = re.compile(r"((?:https?://|www\.)[^\s{}]+)(?:\{[^{}\s]*\}|\})")
_CONTROL_SPACE_RE = re.compile(r"\\ ")
# The quoted span may not hold another opening ``: each match attempt stops at the next one, so a dump of nothing
# but backticks is read in linear time (`.+?` alone scans to the end from every `` when no '' follows).
_QUOTES_RE = re.compile(r"``((?:(?!``).)+?)''", re.S)
_LATEX_NBSP_RE = re.compile(r"(?<=[\w.,)\]])~(?=[\w(\[\\])")
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
# Controls, lone surrogates (from JSON escapes) and noncharacters: none of them is text, and XML and YAML refuse them.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACE_RE = re.compile(r"\s+")

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.I)
_URL_TRAILING = ".,;:!?'\"*_"
CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "huggingface.co", "colab.research.google.com")

# The papers page cuts long abstracts near 1,900 characters and leaves no closing punctuation.
TRUNCATION_MIN_LENGTH = 1800
_SENTENCE_END = tuple(".!?)]\"'\u201d\u2019")


def fold_space(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def _strip_invisible(text: str) -> str:
    if not text.isascii():  # the invisible characters are all outside ASCII
        text = _INVISIBLE_RE.sub("", text)
    return _CONTROL_RE.sub(" ", text)


def _accent(match: re.Match) -> str:
    mark = _ACCENTS[match.group(1)]
    base = match.group(2) or match.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


def delatex(text: str) -> str:
    """Make the LaTeX leftovers that arXiv abstracts carry readable."""
    if not any(marker in text for marker in ("\\", "``", "~", "}")):
        return text
    text = _HREF_RE.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    # `\href{url}{text}` that lost its macro leaves `url{text}`, and a lost `\url{` leaves `url}`.
    text = _URL_MACRO_RE.sub(r"\1", text)
    text = _URL_BRACE_TAIL_RE.sub(r"\1", text)
    text = _ACCENT_RE.sub(_accent, text)
    text = _ESCAPED_CHAR_RE.sub(r"\1", text)
    for _ in range(2):  # nested styles such as \textbf{\emph{x}}
        text = _STYLE_MACRO_RE.sub(r"\1", text)
        text = _STYLE_GROUP_RE.sub(r"\1", text)
    text = _CONTROL_SPACE_RE.sub(" ", text)
    text = _ABBREV_RE.sub(lambda m: _ABBREVIATIONS[m.group(1)], text)
    text = _QUOTES_RE.sub("\u201c\\1\u201d", text)
    text = _protect_urls(text, lambda s: _LATEX_NBSP_RE.sub(" ", s))
    # An unknown macro is usually a paper's own name (\modelname, \ours): keep the word.
    text = _protect_urls(text, lambda s: _UNKNOWN_MACRO_RE.sub(r"\1", s))
    return text


def _protect_urls(text: str, transform) -> str:
    """Apply `transform` to everything but URLs (a `~` in a URL is a path, not a LaTeX space)."""
    out, last = [], 0
    for m in URL_RE.finditer(text):
        out.append(transform(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(transform(text[last:]))
    return "".join(out)


def clean_text(text: str) -> str:
    """Whitespace folded, invisible and control characters dropped, LaTeX leftovers made readable."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = _strip_invisible(text)
    text = delatex(text)
    return fold_space(text)


def normalize_title(title: str) -> str:
    """The key under which two titles count as the same paper: case, accents, punctuation and spacing ignored."""
    text = title
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return fold_space(text)


@dataclass(frozen=True)
class UrlSpan:
    start: int
    end: int
    url: str  # with a scheme, trailing punctuation removed

    @property
    def is_code(self) -> bool:
        return is_code_url(self.url)


def is_code_url(url: str) -> bool:
    host = re.sub(r"^https?://", "", url.lower()).split("/", 1)[0]
    host = host.removeprefix("www.")
    return host in CODE_HOSTS


def find_urls(text: str) -> list[UrlSpan]:
    """URLs in running text, without the sentence punctuation and LaTeX braces glued to their end."""
    spans: list[UrlSpan] = []
    if "://" not in text and "www." not in text.lower():
        return spans
    for m in URL_RE.finditer(text):
        raw = m.group(0)
        raw = re.split(r"[{}\\]", raw, maxsplit=1)[0]
        raw = _trim_url(raw)
        if len(raw) <= len("https://"):
            continue
        url = raw if raw.lower().startswith("http") else "https://" + raw
        spans.append(UrlSpan(m.start(), m.start() + len(raw), url))
    return spans


def _trim_url(url: str) -> str:
    """Without trailing punctuation, nor a closing bracket that has no opening one; counted once, not per character
    (a URL followed by 200,000 `)` took 40 s)."""
    opened = {")": url.count("("), "]": url.count("[")}
    closed = {")": url.count(")"), "]": url.count("]")}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _URL_TRAILING:
            end -= 1
        elif last in ")]" and opened[last] < closed[last]:
            closed[last] -= 1
            end -= 1
        else:
            break
    return url[:end]


def looks_truncated(abstract: str) -> bool:
    """True for an abstract the page clipped: long, and stopping mid-sentence."""
    text = abstract.rstrip()
    if text.endswith(("\u2026", "...")):
        return True
    if len(text) < TRUNCATION_MIN_LENGTH or text.endswith(_SENTENCE_END):
        return False
    spans = find_urls(text)
    return not (spans and spans[-1].end >= len(text) - 1)
