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
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import store
from .model import Problem
from .readers.base import day_from_url, iso_day

KEYS = ("captured", "day", "url", "query", "topic", "note")
TOP_KEYS = ("dumps",)
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # an archive of 10,000 dumps lists about 1 MB


class ManifestError(ValueError):
    """A manifest that cannot be read as data (or edited safely); the message is one line."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's when PyYAML has it: thousands of entries
    """Plain data: dates stay text (checked here, so `2025-02-30` is a problem, not a crash)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


@dataclass(frozen=True)
class ManifestEntry:
    captured: str = ""  # ISO timestamp or day
    day: str = ""
    url: str = ""
    query: str = ""
    topic: str = ""
    note: str = ""


def load(text: str) -> dict:
    """The manifest as plain data (`{}` when empty); `ManifestError` when it is not YAML, uses aliases (nested
    aliases expand a small file into gigabytes: a manifest never needs one) or is not a mapping."""
    try:
        if "*" in text:  # an alias starts with `*`: look for one among the events before building anything
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, yaml.AliasEvent):
                    raise ManifestError(f"line {event.start_mark.line + 1}: YAML aliases (*name) are not allowed")
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ManifestError(f"{where}not valid YAML: {' '.join(str(getattr(error, 'problem', None) or error).split())}") from None
    except (ValueError, TypeError, RecursionError) as error:  # a 5,000-digit number, nesting too deep
        if isinstance(error, ManifestError):
            raise
        raise ManifestError(f"not readable YAML: {' '.join(str(error).split())[:200]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("dumps") or {}, dict):
        raise ManifestError("expected a mapping with a `dumps:` mapping of file name to details")
    return data


def parse_manifest(text: str, source: str = "manifest.yml") -> tuple[dict[str, ManifestEntry], list[Problem]]:
    """Entries by dump file name; a malformed manifest is reported, never fatal (dumps still read without it)."""
    try:
        data = load(text)
    except ManifestError as error:
        return {}, [Problem(source, f"{error}; dumps are read without it")]
    problems: list[Problem] = []
    unknown = sorted(str(key) for key in data if key not in TOP_KEYS)
    if unknown:
        problems.append(Problem(source, f"unknown top-level key(s) {', '.join(map(repr, unknown))}; known: {', '.join(TOP_KEYS)}"))
    entries: dict[str, ManifestEntry] = {}
    for name, details in (data.get("dumps") or {}).items():
        name = "" if name is None else str(name)
        if not name or name in (".", "..") or any(ch in name for ch in "/\\\0"):
            problems.append(Problem(source, f"dump {name!r}: not the name of a file beside the manifest"))
            continue
        details = details or {}
        if not isinstance(details, dict):
            problems.append(Problem(source, f"dump {name!r}: expected a mapping of details"))
            continue
        unknown = sorted(set(map(str, details)) - set(KEYS))
        if unknown:
            problems.append(Problem(source, f"dump {name!r}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}"))
        values = {}
        for key in KEYS:
            value = details.get(key)
            if isinstance(value, (dict, list)):
                problems.append(Problem(source, f"dump {name!r}: {key} is a {type(value).__name__}, expected text"))
                value = None
            values[key] = _as_text(value)
        for key in ("captured", "day"):
            if values[key] and not _is_date(values[key]):
                problems.append(Problem(source, f"dump {name!r}: {key} {values[key]!r} is not a date (YYYY-MM-DD)"))
                values[key] = ""
        entries[str(name)] = ManifestEntry(**values)
    return entries, problems


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip()


def _is_date(value: str) -> bool:
    """A calendar day, or a timestamp that starts with one (`2025-03-11T10:00:00Z`)."""
    return bool(iso_day(value)) and value.startswith(iso_day(value))


def with_entry(text: str | None, name: str, details: dict[str, str]) -> str:
    """The manifest `text` with the entry of dump `name` set to `details` (keys updated, or the entry added at the
    end), everything else as it was: comments, order, quoting (round-tripped by ruamel.yaml; its indentation
    becomes two spaces). `ManifestError` when `text` is not a manifest this can edit (see `load`)."""
    text = text or ""
    data = load(text)  # refuses aliases and anything that is not a manifest, before ruamel.yaml reads it
    appended = _appended(text, data, name, details)
    if appended is not None:
        return appended
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    editor = YAML(typ="rt")
    editor.width = 1_000_000  # never fold a long URL
    editor.preserve_quotes = True
    data = editor.load(text) if text.strip() else None
    preamble = ""
    if data is None:  # empty, or only comments: keep them above the new mapping
        preamble = text.rstrip("\n") + "\n" if text.strip() else ""
        data = CommentedMap()
    if data.get("dumps") is None:
        data["dumps"] = CommentedMap()
    dumps = data["dumps"]
    if isinstance(dumps.get(name), dict):
        dumps[name].update(details)
    else:
        dumps[name] = CommentedMap(details)
    out = io.StringIO()
    editor.dump(data, out)
    result = preamble + out.getvalue()
    entries, _ = parse_manifest(result)
    written = entries.get(name)
    if written is None or any(getattr(written, key) != str(value).strip() for key, value in details.items() if key in KEYS):
        raise ManifestError(f"the entry for {name!r} would not read back as written; manifest left as it was")
    return result


def _appended(text: str, data: dict, name: str, details: dict[str, str]) -> str | None:
    """The common case, fast: a new entry appended as text to a block `dumps:` mapping that ends the file, kept only
    if the result reads back as exactly the old data plus the entry (else None, and ruamel.yaml edits it). ruamel.yaml
    takes a second to round-trip a manifest of 2,000 dumps; serve records every upload."""
    dumps = data.get("dumps")
    if not isinstance(dumps, dict) or not dumps or name in dumps:
        return None
    block = yaml.safe_dump({name: dict(details)}, allow_unicode=True, sort_keys=False, width=1_000_000)
    want = {**data, "dumps": {**dumps, name: dict(details)}}
    for indent in ("  ", "    "):
        candidate = text.rstrip("\n") + "\n" + "".join(f"{indent}{line}\n" for line in block.splitlines())
        try:
            if load(candidate) == want:
                return candidate
        except ManifestError:
            continue
    return None


def add_entry(folder: Path, name: str, details: dict[str, str]) -> None:
    """Set dump `name`'s entry in `folder`'s manifest (see `with_entry`), written atomically and synced: the
    server's way to record a stored dump. `ManifestError` (nothing written) when the manifest cannot be edited."""
    path = Path(folder) / store.MANIFEST_NAME
    try:
        current = store.read_text(path, max_bytes=MAX_MANIFEST_BYTES)
    except (store.RefusedFile, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: {error}") from None
    try:
        text = with_entry(current, name, details)
    except ManifestError as error:
        raise ManifestError(f"{path}: {error}") from None
    store.write_atomic(path, text, durable=True)


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
