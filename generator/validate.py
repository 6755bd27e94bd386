"""Decide whether a dump may enter the catalog: everything the writers will meet (text they can encode, sizes they
can hold, the types they expect) is checked first, and a dump that fails is quarantined with one cause.

A quarantined dump keeps its file and its name in every report, but none of its papers: `check` fails on it, a
build skips it with one line (and lists it in the build report), `serve` refuses it (422) before storing it. A
field over its limit quarantines the whole dump rather than being clipped: a clipped title or abstract would be
published as if it were the paper's, under an id that never changes again, and a dump that carries one is broken
or hostile anyway; the limits sit far above any real paper.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata

from .model import Dump, Paper, Problem
from .readers import read_dump

MAX_DUMP_BYTES = 10 * 1024 * 1024  # serve's default upload cap: a saved papers page is 1-3 MB
MAX_PAPERS = 2_000  # per dump: a day's page lists 20-100, a search page a few hundred
MAX_TITLE = 1_000  # characters; arXiv titles stay under 300
MAX_ABSTRACT = 20_000  # characters; arXiv caps abstracts at 1,920
MAX_AUTHORS = 5_000  # per paper; the largest collaborations sign about 3,000
MAX_AUTHOR = 500  # characters of one author's name
MAX_LINKS = 200  # per paper
MAX_URL = 2_048  # characters of one link or page URL
MAX_LABEL = 500  # characters of a manifest query or topic
MAX_UPVOTES = 10**9
MAX_PROBLEMS = 50  # reported per dump; the rest are counted in one more line (a million `{}` items is not a log)

# What XML 1.0 refuses and what UTF-8 cannot encode (an unpaired surrogate from a JSON `\ud800` escape).
_NOT_TEXT_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A file name lands in pages and in every printed line: no control, format or unpaired surrogate characters.
_NAME_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def read_valid_dump(path: str, data: bytes, page_url: str = "", check_name: bool = True) -> Dump:
    """What `check`, `build` and `serve` make of one dump's bytes: parsed (never raises), then validated.

    A dump that must not enter the catalog comes back quarantined: no papers, `quarantined` naming the cause (one
    line), and that cause as its only problem. `page_url` is the URL the dump will be stored with (serve's
    `X-Page-Url`), checked like the URL a manifest gives. `check_name=False` leaves out the file name: for what is
    cached by content and may be found again under another name."""
    if len(data) > MAX_DUMP_BYTES:
        return refused(path, f"{len(data):,} bytes, over the limit of {MAX_DUMP_BYTES:,} bytes per dump",
                       hashlib.sha256(data).hexdigest())
    try:
        dump = read_dump(path, data)
    except Exception as error:  # noqa: BLE001 - a reader's bug must quarantine one dump, not stop every build
        return refused(path, f"the reader failed on it ({type(error).__name__}: {str(error)[:200]})",
                       hashlib.sha256(data).hexdigest())
    if page_url and not dump.url:
        dump = dataclasses.replace(dump, url=page_url)
    if len(dump.problems) > MAX_PROBLEMS:
        more = len(dump.problems) - MAX_PROBLEMS
        worst = "error" if any(p.severity == "error" for p in dump.problems[MAX_PROBLEMS:]) else "warning"
        dump = dataclasses.replace(dump, problems=(*dump.problems[:MAX_PROBLEMS],
                                                   Problem(path, f"... and {more:,} more problems like these", severity=worst)))
    return admit(dump, check_name=check_name)


def admit(dump: Dump, papers: bool = True, check_name: bool = True) -> Dump:
    """`dump` as it is when it may enter the catalog, else quarantined. `papers=False` checks only its name and
    what the manifest can change (URL, query, topic, day), for a dump whose papers were checked when it was read."""
    if dump.quarantined:
        return dump
    cause = (name_fault(dump.path) if check_name else "") or dump_fault(dump) or (papers_fault(dump.papers) if papers else "")
    return quarantine(dump, cause) if cause else dump


def quarantine(dump: Dump, cause: str) -> Dump:
    return dataclasses.replace(dump, papers=(), quarantined=cause, problems=(Problem(dump.path, f"quarantined: {cause}"),))


def refused(path: str, cause: str, content_hash: str = "") -> Dump:
    """A dump that could not be read at all (not a regular file, too large, the reader failed), quarantined."""
    return quarantine(Dump(path=path, format="unknown", papers=(), content_hash=content_hash), cause)


def name_fault(path: str) -> str:
    """Why the dump's file name cannot be published (it lands in pages and printed lines), or ""."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if any(unicodedata.category(ch) in _NAME_BAD_CATEGORIES for ch in name):
        return "its file name holds control, invisible or undecodable characters; rename it"
    return ""


def dump_fault(dump: Dump) -> str:
    """Why the dump's own fields (URL, query, topic, day) cannot be published, or ""."""
    for label, value, limit in (("URL", dump.url, MAX_URL), ("query", dump.query, MAX_LABEL), ("topic", dump.topic, MAX_LABEL)):
        fault = text_fault(value, limit)
        if fault:
            return f"its {label} {fault}"
    if dump.day and not _is_day(dump.day):
        return f"its day {dump.day!r} is not a calendar date"
    return ""


def papers_fault(papers: tuple[Paper, ...]) -> str:
    """Why one of the papers cannot be published (the first found), or ""."""
    if len(papers) > MAX_PAPERS:
        return f"{len(papers):,} papers, over the limit of {MAX_PAPERS:,} per dump"
    for number, paper in enumerate(papers, start=1):
        fault = paper_fault(paper)
        if fault:
            title = paper.title[:60] if isinstance(paper.title, str) else ""
            return f"paper {number} ({title!r}): {fault}"
    return ""


def paper_fault(paper: Paper) -> str:
    """Why this paper cannot be published, or "": types, sizes, text every output can encode."""
    for label, value, limit in (("title", paper.title, MAX_TITLE), ("abstract", paper.abstract, MAX_ABSTRACT),
                                ("arXiv id", paper.arxiv_id, 64), ("published date", paper.published, 10)):
        fault = text_fault(value, limit)
        if fault:
            return f"its {label} {fault}"
    if not paper.title:
        return "it has no title"
    if paper.published and not _is_day(paper.published):
        return f"its published date {paper.published!r} is not a calendar date"
    for label, items, count, limit in (("authors", paper.authors, MAX_AUTHORS, MAX_AUTHOR),
                                       ("links", paper.links, MAX_LINKS, MAX_URL)):
        if not isinstance(items, tuple):
            return f"its {label} are {type(items).__name__}, not a list"
        if len(items) > count:
            return f"{len(items):,} {label}, over the limit of {count:,} per paper"
        for index, item in enumerate(items, start=1):
            fault = text_fault(item, limit)
            if fault:
                return f"{label[:-1]} {index} {fault}"
    if type(paper.upvotes) is not int or not 0 <= paper.upvotes <= MAX_UPVOTES:
        return f"its upvotes are not a count from 0 to {MAX_UPVOTES:,}"
    if not isinstance(paper.truncated, bool):
        return "its truncated flag is not true or false"
    return ""


def text_fault(value: object, limit: int) -> str:
    """Why `value` is not text of at most `limit` characters that UTF-8, XML, YAML and JSON all carry, or ""."""
    if not isinstance(value, str):
        return f"is {type(value).__name__}, not text"
    if len(value) > limit:
        return f"has {len(value):,} characters, over the limit of {limit:,}"
    bad = _NOT_TEXT_RE.search(value)
    if bad:
        kind = "an unpaired surrogate" if "\ud800" <= bad.group() <= "\udfff" else "a control character"
        return f"holds U+{ord(bad.group()):04X} ({kind}), which no output can encode"
    return ""


def _is_day(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
