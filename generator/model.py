"""The site's model: the records that flow through the pipeline (frozen dataclasses, no I/O), the one order of
papers and digests, and `Site`, the derived site every output is rendered from (its lookups computed once)."""

from __future__ import annotations

import functools
import re
import types
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
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


# ---- the one order ----------------------------------------------------------------------------------------------


def newest_first(day: str) -> str:
    """A key that sorts ISO days newest first."""
    return day.translate(_NEWEST_FIRST)


_NEWEST_FIRST = types.MappingProxyType({code: 255 - code for code in range(256)})


def paper_order(paper: Paper) -> tuple:
    """The one order of papers in every list, feed and index: newest first by the day first seen, undated last,
    then by id."""
    return (paper.first_seen == "", newest_first(paper.first_seen), paper.id)


def digest_order(digest: Digest) -> tuple:
    """The order of digests: newest day first, undated last, then by id."""
    return (digest.day == "", newest_first(digest.day), digest.id)


def capture_order(digest: Digest) -> tuple:
    """The order digests were captured in: oldest day first, a day's digests by file name, undated last (the order
    papers are "seen" in, catalog.dump_order)."""
    return (digest.day == "", digest.day, digest.source, digest.id)


# ---- the derived site -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Everything the outputs are made from, gathered before anything is rendered; its lookups are derived here,
    once, and never change (nothing is filled in by rendering)."""

    catalog: Catalog
    topics: tuple[Topic, ...]
    tags: Mapping[str, tuple[str, ...]]  # paper id -> topic slugs, best first
    related: Mapping[str, tuple[Related, ...]]
    site_url: str = ""  # absolute, with a trailing slash; "" keeps JSON urls relative

    @functools.cached_property
    def papers_by_id(self) -> dict[str, Paper]:
        return self.catalog.by_id()

    @functools.cached_property
    def topics_by_slug(self) -> dict[str, Topic]:
        return {t.slug: t for t in self.topics}

    @functools.cached_property
    def digests_by_id(self) -> dict[str, Digest]:
        return {d.id: d for d in self.catalog.digests}

    @functools.cached_property
    def members(self) -> dict[str, list[Paper]]:
        """Each topic's papers, newest first."""
        members: dict[str, list[Paper]] = {t.slug: [] for t in self.topics}
        for paper in self.catalog.papers:
            for slug in self.tags.get(paper.id, ()):
                if slug in members:
                    members[slug].append(paper)
        return {slug: sorted(items, key=paper_order) for slug, items in members.items()}

    @functools.cached_property
    def counts(self) -> dict[str, int]:
        """Topic slug -> its number of papers."""
        return {slug: len(items) for slug, items in self.members.items()}

    @functools.cached_property
    def shown_topics(self) -> tuple[Topic, ...]:
        """The topics that get a page, a feed and a place in the lists: those with papers (an empty topic, such as a
        catch-all nothing fell into, appears once it has some)."""
        return tuple(t for t in self.topics if self.members.get(t.slug))

    @functools.cached_property
    def digest_names(self) -> dict[str, str]:
        """Digest id -> what a visitor reads for it (`digest_name`)."""
        # A manifest may name a topic by an old slug (an alias) or by its name: each reads as the topic's name today.
        topics = {**{key: t for t in self.topics for key in (*t.aliases, t.name.lower())}, **self.topics_by_slug}
        return {d.id: digest_name(d, n, topics) for d, n in numbered(self.catalog.digests)}

    @functools.cached_property
    def digest_sequence(self) -> tuple[Digest, ...]:
        """Every digest in the order they were captured (`capture_order`)."""
        return tuple(sorted(self.catalog.digests, key=capture_order))

    @functools.cached_property
    def digest_places(self) -> dict[str, int]:
        """Digest id -> its place in `digest_sequence`."""
        return {d.id: at for at, d in enumerate(self.digest_sequence)}

    def digest_neighbours(self, digest: Digest) -> tuple[Digest | None, Digest | None]:
        """The digests captured just before and just after `digest`."""
        sequence = self.digest_sequence
        at = self.digest_places[digest.id]
        return (sequence[at - 1] if at else None), (sequence[at + 1] if at + 1 < len(sequence) else None)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def long_day(day: str) -> str:
    """An ISO day as people write it: "2025-03-12" -> "12 March 2025"; "" -> "Undated"."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", day) or not 1 <= int(day[5:7]) <= 12:
        return day or "Undated"
    return f"{int(day[8:])} {_MONTHS[int(day[5:7]) - 1]} {day[:4]}"


def numbered(digests: Sequence[Digest]) -> Iterator[tuple[Digest, int]]:
    """(digest, its place among the digests of its day in capture order, from 1)."""
    seen: dict[str, int] = {}
    for digest in sorted(digests, key=capture_order):
        seen[digest.day] = seen.get(digest.day, 0) + 1
        yield digest, seen[digest.day]


def digest_name(digest: Digest, number: int, topics: Mapping[str, Topic]) -> str:
    """A digest as people name it: its day, "#2" for a day's second digest (the first keeps the plain day, so a capture
    of the same day added later under a later file name renames nothing), and the topic or query the manifest gives.
    Never its file name."""
    name = long_day(digest.day)
    if number > 1:
        name += f" #{number}"
    if digest.topic:
        topic = topics.get(digest.topic) or topics.get(digest.topic.lower())
        name += f" · {topic.name if topic else digest.topic}"
    if digest.query and digest.query != digest.topic:
        name += f" · \u201c{digest.query}\u201d"
    return name
