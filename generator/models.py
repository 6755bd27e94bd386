"""The records that flow through the pipeline: frozen dataclasses, no I/O."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# Characters that move the cursor, recolour a terminal, reorder text or split a line: never printed as they are.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def printable(text: str) -> str:
    """`text` safe to print as part of one line: control, format and unpaired surrogate characters (a newline, an
    ANSI escape, a bidi override, undecodable bytes of a file name) as `\\x..`/`\\u..` escapes, and a leading
    `::` (a CI workflow command) escaped. Every line that shows a file name or a problem goes through here."""
    if not text.isprintable():
        text = "".join(_escape(ch) if unicodedata.category(ch) in _UNPRINTABLE_CATEGORIES else ch for ch in text)
    if text.lstrip().startswith("::"):
        text = text.replace(":", "\\x3a", 1)
    return text


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@dataclass(frozen=True)
class Problem:
    """Something wrong with one dump; `line` is 1-based, 0 when it concerns the whole file."""

    path: str
    message: str
    line: int = 0
    severity: str = "error"  # "error" makes `check` fail; "warning" is reported only

    def __str__(self) -> str:
        """One printable line, whatever the file name or message holds."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return printable(f"{where}: {self.severity}: {self.message}")


@dataclass(frozen=True)
class Paper:
    """One paper as a reader sees it in a dump, or (after the catalog) merged across dumps.

    Readers fill what their format carries; the catalog assigns `id`, `digests` and `first_seen`.
    """

    title: str
    abstract: str
    arxiv_id: str = ""
    authors: tuple[str, ...] = ()
    upvotes: int = 0
    links: tuple[str, ...] = ()  # project pages and code, in first-seen order
    published: str = ""  # ISO date the source gives, if any
    truncated: bool = False  # the page clipped the abstract
    id: str = ""
    digests: tuple[str, ...] = ()  # digest ids the paper appeared in, oldest first
    first_seen: str = ""  # ISO day of its earliest dated digest; "" when undated


@dataclass(frozen=True)
class Dump:
    """What a reader made of one dump file."""

    path: str  # relative to the dumps folder (or as given on the command line)
    format: str  # "text", "html", "json" or "unknown"
    papers: tuple[Paper, ...]
    problems: tuple[Problem, ...] = ()
    day: str = ""  # ISO day of the digest when the dump (plus manifest) tells it
    month_day: str = ""  # "MM-DD" read from a day header that has no year
    url: str = ""
    query: str = ""
    topic: str = ""
    content_hash: str = ""
    quarantined: str = ""  # why the dump is kept out of the catalog (generator/validate.py); "" when it is not

    @property
    def entries(self) -> int:
        return len(self.papers)

    @property
    def clean(self) -> bool:
        return not self.quarantined and not any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True)
class Digest:
    """One dump as a page of the site: its papers in page order."""

    id: str
    source: str
    format: str
    day: str  # "" when undated
    paper_ids: tuple[str, ...]
    repeats: frozenset[str] = field(default_factory=frozenset)  # ids already seen in an earlier digest
    url: str = ""
    query: str = ""
    topic: str = ""


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    description: str
    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    catch_all: bool = False
    aliases: tuple[str, ...] = ()  # slugs this topic replaces (merged or renamed): their URLs and feeds keep working
    title_include: tuple[str, ...] = ()  # phrases that count only in a title (too common in abstracts to mean much)


@dataclass(frozen=True)
class Related:
    id: str
    score: float
    terms: tuple[str, ...]
    version: bool = False  # another version of the same work (shown as such), not a related paper


@dataclass(frozen=True)
class Catalog:
    """Every distinct paper and every digest, both sorted deterministically."""

    papers: tuple[Paper, ...]  # sorted by id
    digests: tuple[Digest, ...]  # newest first, undated last
    dumps: tuple[Dump, ...]
    ids: dict = field(default_factory=dict, compare=False, repr=False)  # paper key -> published id (catalog.parse_ids)

    def by_id(self) -> dict[str, Paper]:
        return {p.id: p for p in self.papers}
