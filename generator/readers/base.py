"""What every reader shares: the result type and turning raw fields into a clean `Paper`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..model import Paper, Problem
from ..textclean import clean_text, find_urls, looks_truncated

ARXIV_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})$")
ISO_DAY_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass
class ReadResult:
    """A reader's findings for one dump, before dates are settled against the manifest."""

    papers: list[Paper] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    day: str = ""  # full ISO day when the dump carries one
    month_day: str = ""  # "MM-DD" from a day header without a year
    url: str = ""


def make_paper(
    title: str,
    abstract: str,
    *,
    arxiv_id: str = "",
    authors: tuple[str, ...] = (),
    upvotes: int = 0,
    extra_links: tuple[str, ...] = (),
    published: str = "",
) -> Paper:
    """A `Paper` with clean text; links are the extra ones (project page, code) then those in the abstract."""
    title = clean_text(title)
    abstract = clean_text(abstract)
    links = dict.fromkeys(url for url in (*extra_links, *(span.url for span in find_urls(abstract))) if url)
    arxiv_id = arxiv_id.strip()
    return Paper(
        title=title,
        abstract=abstract,
        arxiv_id=arxiv_id if ARXIV_ID_RE.match(arxiv_id) else "",
        authors=tuple(a for a in (clean_text(a) for a in authors) if a),
        upvotes=max(0, upvotes),
        links=tuple(links),
        published=iso_day(published),
        truncated=looks_truncated(abstract),
    )


def iso_day(value: object) -> str:
    """The YYYY-MM-DD part of an ISO timestamp, or "" when there is none."""
    if not isinstance(value, str):
        return ""
    match = ISO_DAY_RE.search(value)
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    if not 1990 <= year <= 2200:
        return ""
    try:
        dt.date(year, month, day)  # 2025-02-30 is no day: it would stop the build where dates are computed
    except ValueError:
        return ""
    return match.group(0)


def day_from_url(url: str) -> str:
    """`?date=2025-03-11` or `/papers/date/2025-03-11` in a papers page URL."""
    match = re.search(r"(?:[?&]date=|/date/)(\d{4}-\d{2}-\d{2})", url or "")
    return iso_day(match.group(1)) if match else ""


def as_int(value: object) -> int:
    """A count from a JSON number or digits; 0 for anything else (a 5,000-digit string is not a count)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(digits)
    return 0
