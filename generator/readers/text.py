"""Reader for text copied from a papers page: chrome, an optional day header, then title / abstract lines."""

from __future__ import annotations

import re

from ..model import Problem
from .base import ReadResult, iso_day, make_paper

PAGE_CHROME = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "byAK and the research community",
        "Daily Papers",
    )
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAY_HEADER_RE = re.compile(
    r"^(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$",
    re.I,
)
_GLUED_SUBSCRIBE_RE = re.compile(r"^Subscribe(?=\S)")
# Titles run to about 250 characters; an abstract is rarely under 300.
LONGEST_TITLE = 300


def parse_day_header(line: str) -> tuple[str, str]:
    """("MM-DD", "YYYY" or "") for a header such as `Mar 11` or `March 11, 2025`; ("", "") otherwise."""
    match = DAY_HEADER_RE.match(line)
    if not match:
        return "", ""
    month = MONTHS.index(match.group(1)[:3].lower()) + 1
    day = int(match.group(2))
    if not 1 <= day <= 31:
        return "", ""
    return f"{month:02d}-{day:02d}", match.group(3) or ""


def read_text(path: str, text: str) -> ReadResult:
    result = ReadResult()
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    content = [(n, line) for n, line in lines if line and line.casefold() not in PAGE_CHROME]
    content = _strip_header(content, result)

    index = 0
    while index < len(content):
        number, title = content[index]
        if _is_abstract_like(title):
            result.problems.append(
                Problem(path, f"a long line where a title was expected fits nowhere ({title[:50]!r}...)", number)
            )
            index += 1
            continue
        month_day, _ = parse_day_header(title)
        if month_day:
            if result.month_day and month_day != result.month_day:
                result.problems.append(
                    Problem(path, f"a second day header {title!r}; its papers are counted under the first day", number, "warning")
                )
            index += 1
            continue
        following = content[index + 1][1] if index + 1 < len(content) else None
        after = content[index + 2][1] if index + 2 < len(content) else None
        # A title followed by another title-like line that itself leads into an abstract has lost its abstract.
        if following is None or (_is_title_like(following) and after is not None and _is_abstract_like(after)):
            result.problems.append(Problem(path, f"title with no abstract: {title[:80]!r}", number))
            result.papers.append(make_paper(title, ""))
            index += 1
            continue
        result.papers.append(make_paper(title, following))
        index += 2
    return result


def _strip_header(content: list[tuple[int, str]], result: ReadResult) -> list[tuple[int, str]]:
    """Drop a `Subscribe` glued to the first title and read the day header that precedes the entries."""
    if content and _GLUED_SUBSCRIBE_RE.match(content[0][1]):
        number, line = content[0]
        content = [(number, _GLUED_SUBSCRIBE_RE.sub("", line, count=1).strip()), *content[1:]]
    if content:
        month_day, year = parse_day_header(content[0][1])
        if month_day:
            result.month_day = month_day
            if year:
                result.day = iso_day(f"{year}-{month_day}")  # "Feb 30, 2025" gives no day
            content = content[1:]
        if content and _GLUED_SUBSCRIBE_RE.match(content[0][1]):
            number, line = content[0]
            content = [(number, _GLUED_SUBSCRIBE_RE.sub("", line, count=1).strip()), *content[1:]]
    return content


def _is_abstract_like(line: str) -> bool:
    return len(line) > LONGEST_TITLE


def _is_title_like(line: str) -> bool:
    """Short and not ending a sentence: titles rarely end with a period, abstracts nearly always do."""
    return len(line) <= LONGEST_TITLE and not line.endswith((".", "!", "?", ".)", '."'))
