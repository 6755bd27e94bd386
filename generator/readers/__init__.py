"""One reader per dump format, each returning the same records; `read_dump` picks the reader."""

from __future__ import annotations

import hashlib
import json
import re
import types

from ..model import Dump, Problem
from .base import ReadResult
from .html import read_html
from .jsonapi import read_json
from .text import read_text

READERS = types.MappingProxyType({"text": read_text, "html": read_html, "json": read_json})
DUMP_SUFFIXES = (".txt", ".text", ".html", ".htm", ".json")
_HTML_START_RE = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body|<article|<div|<main|<!--)", re.I)


def sniff_format(path: str, text: str) -> str:
    """The format by content first (the extension of a saved page is often wrong), then by extension."""
    head = text.lstrip()[:2000]
    if head.startswith(("[", "{")) and (path.lower().endswith(".json") or _parses_as_json(text)):
        return "json"
    if _HTML_START_RE.match(head):
        return "html"
    lower = path.lower()
    if lower.endswith((".html", ".htm")):
        return "html"
    if lower.endswith(".json"):
        return "json"
    return "text"


def _parses_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def decode(path: str, data: bytes) -> tuple[str, list[Problem]]:
    """Text of a dump: UTF-8 with or without BOM; undecodable bytes are replaced and reported, never fatal."""
    problems: list[Problem] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), problems
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), problems
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(path, f"undecodable bytes (not UTF-8) at byte {error.start}; replaced", line))
        return data.decode("utf-8-sig", errors="replace"), problems


def looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and controls / len(sample) > 0.1


def read_dump(path: str, data: bytes) -> Dump:
    """Parse one dump; any problem is reported in `Dump.problems` and never raises."""
    content_hash = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return Dump(path, "unknown", (), (Problem(path, "empty file"),), content_hash=content_hash)
    if looks_binary(data) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Dump(path, "unknown", (), (Problem(path, "binary file, not a text, HTML or JSON dump"),), content_hash=content_hash)
    text, problems = decode(path, data)
    fmt = sniff_format(path, text)
    try:
        result = READERS[fmt](path, text)
    except RecursionError:  # deeply nested JSON or HTML
        result = ReadResult(problems=[Problem(path, f"{fmt} too deeply nested to read")])
    problems.extend(result.problems)
    if not result.papers and not any(p.severity == "error" for p in problems):
        problems.append(Problem(path, f"no papers found in this {fmt} dump"))
    return Dump(
        path=path,
        format=fmt,
        papers=tuple(result.papers),
        problems=tuple(problems),
        day=result.day,
        month_day=result.month_day,
        url=result.url,
        content_hash=content_hash,
    )
