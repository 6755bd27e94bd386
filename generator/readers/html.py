"""Reader for a saved papers page: the JSON the page hydrates from, else its paper cards."""

from __future__ import annotations

import json
import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from ..models import Problem
from .base import ReadResult, as_int, day_from_url, iso_day, make_paper
from .hfjson import papers_from_items

PAPER_HREF_RE = re.compile(r"^(?:https?://huggingface\.co)?/papers/([^/?#]+)/?$")
LIST_KEYS = ("dailyPapers", "searchResults", "papers")


def read_html(path: str, text: str) -> ReadResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(text, "html.parser")
    result = ReadResult(url=_page_url(soup))
    hydrated = _from_hydration(path, soup, result)
    if not hydrated:
        _from_cards(path, soup, result)
    if not result.papers:
        result.problems.append(Problem(path, "HTML page with no papers (no hydration data and no paper cards)"))
    if not result.day:
        result.day = day_from_url(result.url)
    return result


def _page_url(soup: BeautifulSoup) -> str:
    for tag, attr, key, value in (
        ("link", "href", "rel", "canonical"),
        ("meta", "content", "property", "og:url"),
    ):
        for element in soup.find_all(tag):
            found = element.get(key)
            found = " ".join(found) if isinstance(found, list) else found
            if found == value and element.get(attr):
                return str(element.get(attr)).strip()
    return ""


def _from_hydration(path: str, soup: BeautifulSoup, result: ReadResult) -> bool:
    """Papers from `data-props` of the DailyPapers element (or any element whose props hold a paper list)."""
    candidates = soup.find_all(attrs={"data-target": "DailyPapers"}) or soup.find_all(attrs={"data-props": True})
    for element in candidates:
        raw = element.get("data-props")
        if not raw:
            continue
        try:
            props = json.loads(raw)  # the parser already undid the HTML escaping of the attribute
        except (ValueError, TypeError) as error:  # ValueError: not JSON, or an integer of more than 4,300 digits
            if element.get("data-target") == "DailyPapers":
                detail = error.msg if isinstance(error, json.JSONDecodeError) else str(error).split(":")[0]
                result.problems.append(Problem(path, f"DailyPapers data-props is not valid JSON ({detail})"))
            continue
        if not isinstance(props, dict):
            continue
        for key in LIST_KEYS:
            if key in props:
                papers, problems = papers_from_items(props[key], path, key)
                result.papers.extend(papers)
                result.problems.extend(problems)
                result.day = iso_day(props.get("dateString")) or iso_day(props.get("date"))
                return True
    return False


def _from_cards(path: str, soup: BeautifulSoup, result: ReadResult) -> None:
    """Each `<article>` with `h3 > a[href="/papers/<id>"]`; pages render every card twice, so ids dedupe."""
    seen: set[str] = set()
    for article in soup.find_all("article"):
        link = next(
            (a for h3 in article.find_all("h3") for a in h3.find_all("a", href=True) if PAPER_HREF_RE.match(a["href"])),
            None,
        )
        if link is None:
            continue
        arxiv_id = PAPER_HREF_RE.match(link["href"]).group(1)
        title = link.get_text(" ", strip=True)
        if not title or arxiv_id in seen:
            continue
        seen.add(arxiv_id)
        paragraph = article.find("p")
        abstract = paragraph.get_text(" ", strip=True) if paragraph else ""
        if not abstract:
            result.problems.append(Problem(path, f"paper card {arxiv_id}: title with no abstract: {title[:80]!r}"))
        result.papers.append(make_paper(title, abstract, arxiv_id=arxiv_id, upvotes=_card_upvotes(article)))


def _card_upvotes(article) -> int:
    """The first bare number (or `-`, meaning none) in the card outside its title and abstract."""
    for element in article.find_all(["div", "span", "button"]):
        if element.find(["h3", "p"]):
            continue
        text = element.get_text(strip=True)
        if text == "-":
            return 0
        if re.fullmatch(r"\d{1,7}", text):
            return as_int(text)
    return 0
