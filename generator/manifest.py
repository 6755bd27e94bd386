"""The dumps manifest (`dumps/manifest.yml`): what is known about each dump beyond its bytes.

```yaml
dumps:
  000_efc7d801c89ff12f.txt:
    captured: 2025-03-11         # capture date (or timestamp): gives the year a day header lacks
    day: 2025-03-11              # the digest's day, when the dump itself does not say
    url: https://huggingface.co/papers?date=2025-03-11
    query: retrieval             # a search query the page showed
    topic: retrieval             # a topic (slug or name) every paper of this dump belongs to
```
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import yaml

from .models import Problem
from .readers.base import day_from_url, iso_day

KEYS = ("captured", "day", "url", "query", "topic", "note")
# libyaml's loader when PyYAML has it: a manifest of an archive lists thousands of dumps.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ManifestEntry:
    captured: str = ""  # ISO timestamp or day
    day: str = ""
    url: str = ""
    query: str = ""
    topic: str = ""
    note: str = ""


def parse_manifest(text: str, source: str = "manifest.yml") -> tuple[dict[str, ManifestEntry], list[Problem]]:
    """Entries by dump file name; a malformed manifest is reported, never fatal (dumps still read without it)."""
    try:
        data = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", -1) + 1
        return {}, [Problem(source, f"not valid YAML: {getattr(error, 'problem', error)}", line)]
    if data is None:
        return {}, []
    if not isinstance(data, dict) or not isinstance(data.get("dumps", {}), dict):
        return {}, [Problem(source, "expected a mapping with a `dumps:` mapping of file name to details")]
    entries: dict[str, ManifestEntry] = {}
    problems: list[Problem] = []
    for name, details in (data.get("dumps") or {}).items():
        details = details or {}
        if not isinstance(details, dict):
            problems.append(Problem(source, f"dump {name!r}: expected a mapping of details"))
            continue
        unknown = sorted(set(map(str, details)) - set(KEYS))
        if unknown:
            problems.append(Problem(source, f"dump {name!r}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}"))
        values = {key: _as_text(details.get(key)) for key in KEYS}
        for key in ("captured", "day"):
            if values[key] and not iso_day(values[key]):
                problems.append(Problem(source, f"dump {name!r}: {key} {values[key]!r} is not a YYYY-MM-DD date"))
                values[key] = ""
        entries[str(name)] = ManifestEntry(**values)
    return entries, problems


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


def settle_day(month_day: str, dump_day: str, entry: ManifestEntry, url: str) -> str:
    """The digest's ISO day: from the dump, else its URL, else the manifest; a yearless header takes the capture year."""
    if dump_day:
        return dump_day
    for candidate in (day_from_url(url), day_from_url(entry.url), iso_day(entry.day)):
        if candidate:
            return candidate
    captured = iso_day(entry.captured)
    if month_day and captured:
        year = int(captured[:4])
        # A header later in the year than the capture belongs to the year before (Dec 31 captured on Jan 1).
        if month_day > captured[5:]:
            year -= 1
        try:
            return dt.date(year, int(month_day[:2]), int(month_day[3:])).isoformat()
        except ValueError:
            return ""
    return ""
