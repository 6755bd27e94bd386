"""Items of the Hugging Face papers JSON (the API and the page's hydration data) as `Paper` records."""

from __future__ import annotations

from ..model import Paper, Problem
from .base import as_int, make_paper


def papers_from_items(items: object, path: str, where: str) -> tuple[list[Paper], list[Problem]]:
    """Each item is `{"paper": {...}, ...}` (daily papers) or the paper fields themselves (search results)."""
    papers: list[Paper] = []
    problems: list[Problem] = []
    if not isinstance(items, list):
        return papers, [Problem(path, f"{where} is not a list of papers")]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Problem(path, f"{where}[{index}] is not an object; skipped"))
            continue
        paper = item.get("paper") if isinstance(item.get("paper"), dict) else item
        title = _text(paper.get("title")) or _text(item.get("title"))
        abstract = _text(paper.get("summary")) or _text(item.get("summary"))
        if not title:
            problems.append(Problem(path, f"{where}[{index}] has no title; skipped"))
            continue
        if not abstract:
            problems.append(Problem(path, f"{where}[{index}] ({title[:60]!r}): title with no abstract"))
        raw_authors = paper.get("authors")
        if raw_authors is not None and not isinstance(raw_authors, list):
            problems.append(Problem(path, f"{where}[{index}] ({title[:60]!r}): authors is {_kind(raw_authors)}, not a list; ignored"))
            raw_authors = None
        authors = tuple(
            _text(a.get("name")) for a in raw_authors or () if isinstance(a, dict) and _text(a.get("name"))
        )
        links = tuple(
            url
            for url in (_text(paper.get("projectPage")), _text(paper.get("githubRepo")))
            if url.startswith(("http://", "https://"))
        )
        papers.append(
            make_paper(
                title,
                abstract,
                arxiv_id=_text(paper.get("id")),
                authors=authors,
                upvotes=as_int(paper.get("upvotes")),
                extra_links=links,
                published=_text(paper.get("publishedAt")) or _text(item.get("publishedAt")),
            )
        )
    return papers, problems


def _kind(value: object) -> str:
    return {bool: "true or false", int: "a number", float: "a number", str: "text", dict: "an object"}.get(type(value), "a value")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
