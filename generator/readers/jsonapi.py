"""Reader for JSON from the papers API (`/api/daily_papers`): a list of items, or an object holding one."""

from __future__ import annotations

import collections
import json

from ..model import Problem
from .base import ReadResult, iso_day
from .hfjson import papers_from_items
from .html import LIST_KEYS


def read_json(path: str, text: str) -> ReadResult:
    result = ReadResult()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        result.problems.append(Problem(path, f"not valid JSON: {error.msg}", error.lineno))
        return result
    except ValueError as error:  # an integer of more than 4,300 digits
        result.problems.append(Problem(path, f"not readable JSON: {str(error).split(':')[0]}"))
        return result
    items, where = data, "the top-level list"
    if isinstance(data, dict):
        result.day = iso_day(data.get("dateString")) or iso_day(data.get("date"))
        key = next((k for k in LIST_KEYS if k in data), None)
        if key is None:
            result.problems.append(Problem(path, "JSON object with no papers (expected a list, or dailyPapers/searchResults)"))
            return result
        items, where = data[key], key
    papers, problems = papers_from_items(items, path, where)
    result.papers.extend(papers)
    result.problems.extend(problems)
    if not papers and not problems:
        result.problems.append(Problem(path, "JSON with no papers"))
    if not result.day and isinstance(items, list):
        result.day = _daily_day(items)
    return result


def _daily_day(items: list) -> str:
    """A daily list's items were all posted on its day: the most common `publishedAt` day, if most agree."""
    days = [iso_day(item.get("publishedAt")) for item in items if isinstance(item, dict) and "paper" in item]
    days = [d for d in days if d]
    if not days:
        return ""
    day, count = collections.Counter(days).most_common(1)[0]
    return day if count * 2 > len(items) else ""
