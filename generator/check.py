"""What `python -m generator check` says about dumps: each one read, validated and counted by the catalog's rules,
and whether any would be quarantined or is missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .catalog import build_catalog, distinct_papers
from .ingest import read_dumps
from .model import printable


def check_dumps(paths: Sequence[Path]) -> tuple[dict, bool]:
    """The report `check --json` prints, and whether the check failed (an error, a dump that would be quarantined,
    or no dump at all)."""
    dumps, general = read_dumps(paths)
    catalog, merge_problems = build_catalog(dumps)
    report = {
        "dumps": [
            {
                "path": dump.path,
                "format": dump.format,
                "entries": dump.entries,
                "papers": distinct_papers(dump.papers),
                "day": dump.day,
                "quarantined": dump.quarantined,
                "problems": [str(p) for p in dump.problems],
            }
            for dump in dumps
        ],
        "papers": len(catalog.papers),
        "problems": [str(p) for p in (*general, *merge_problems)],
    }
    failed = bool(general) and any(p.severity == "error" for p in general) or not all(d.clean for d in dumps)
    if not dumps and not general:
        report["problems"].append("no dumps found")
        failed = True
    return report, failed


def format_check(report: dict, failed: bool) -> str:
    """The report as `check` prints it: a line a dump, its problems indented, then the totals."""
    lines = []
    for item in report["dumps"]:
        day = item["day"] or "undated"
        lines.append(printable(f"{item['path']}: {item['format']}, {day}, {item['entries']} entries, {item['papers']} papers"))
        lines += [f"  {problem}" for problem in item["problems"]]
    lines += report["problems"]
    total = sum(item["entries"] for item in report["dumps"])
    lines.append(f"{len(report['dumps'])} dumps, {total} entries, {report['papers']} distinct papers"
                 + (", problems found" if failed else ""))
    return "\n".join(lines) + "\n"
