"""Reader for a saved papers page: the JSON the page hydrates from, else its paper cards."""

from __future__ import annotations

import bisect
import json
import re
import warnings

from bs4 import BeautifulSoup, CData, MarkupResemblesLocatorWarning, NavigableString, Tag

from ..model import Problem
from .base import ReadResult, as_int, day_from_url, iso_day, make_paper
from .hfjson import papers_from_items

PAPER_HREF_RE = re.compile(r"^(?:https?://huggingface\.co)?/papers/([^/?#]+)/?$")
LIST_KEYS = ("dailyPapers", "searchResults", "papers")
_TEXT_TYPES = (NavigableString, CData)  # what get_text reads (not comments, scripts or styles)


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
    tree = _Tree(soup)
    seen: set[str] = set()
    titles: dict[int, str] = {}
    for article in tree.positions("article"):
        link = tree.first_card_link(article)
        if link is None:
            continue
        arxiv_id = PAPER_HREF_RE.match(link["href"]).group(1)
        if arxiv_id in seen:
            continue
        title = titles.setdefault(id(link), link.get_text(" ", strip=True))  # nested cards can share a link
        if not title:
            continue
        seen.add(arxiv_id)
        paragraph = tree.first(article, "p")
        abstract = paragraph.get_text(" ", strip=True) if paragraph is not None else ""
        if not abstract:
            result.problems.append(Problem(path, f"paper card {arxiv_id}: title with no abstract: {title[:80]!r}"))
        result.papers.append(make_paper(title, abstract, arxiv_id=arxiv_id, upvotes=tree.upvotes(article)))


class _Tree:
    """The page's elements indexed once, so that each card is a few lookups.

    In document order: where each element's subtree ends, its nearest `h3`, and its text when short. Asking every
    card's subtree again (find its `h3`, its `p`, the text of each of its `div`s) is quadratic in the nesting: a card
    of 20,000 nested `div`s, or cards nested in cards, took minutes for a page of 200 KB."""

    SHORT = 16  # an upvote count is at most 7 digits: longer text is only "long"

    def __init__(self, soup: BeautifulSoup):
        self.elements = elements = soup.find_all(True)
        count = len(elements)
        position = {id(element): index for index, element in enumerate(elements)}
        parent = [position.get(id(element.parent), -1) for element in elements]
        self.end = end = list(range(1, count + 1))  # one past the last element of each subtree
        for index in range(count - 1, -1, -1):  # an element comes after its parent: fold its end into the parent's
            if parent[index] >= 0 and end[index] > end[parent[index]]:
                end[parent[index]] = end[index]
        self.h3 = h3 = [-1] * count  # the nearest h3 at or above each element
        for index, element in enumerate(elements):
            h3[index] = index if element.name == "h3" else (h3[parent[index]] if parent[index] >= 0 else -1)
        # get_text(strip=True) of each element when at most SHORT characters (None when longer), and whether an h3 or
        # a p is inside it: from the leaves up, each child read once.
        text: list[str | None] = [""] * count
        holds_block = [False] * count
        for index in range(count - 1, -1, -1):
            element = elements[index]
            parts: list[str] | None = []
            block = element.name in ("h3", "p")
            for child in element.contents:
                if isinstance(child, Tag):
                    at = position[id(child)]
                    block = block or holds_block[at]
                    piece = text[at]
                elif type(child) in _TEXT_TYPES:
                    piece = child.strip()
                else:
                    continue
                if piece is None or parts is None:
                    parts = None
                else:
                    parts.append(piece)
            joined = None if parts is None else "".join(parts)
            text[index] = joined if joined is not None and len(joined) <= self.SHORT else None
            holds_block[index] = block
        self._by_name: dict[str, list[int]] = {}
        for index, element in enumerate(elements):
            self._by_name.setdefault(element.name, []).append(index)
        self.links = [index for index in self._by_name.get("a", ()) if h3[index] >= 0
                      and isinstance(elements[index].get("href"), str) and PAPER_HREF_RE.match(elements[index]["href"])]
        # The first bare number (or `-`, meaning none) outside the title and abstract: a card's upvotes.
        self.counts = [index for index in range(count) if elements[index].name in ("div", "span", "button")
                       and not holds_block[index] and text[index] is not None
                       and (text[index] == "-" or re.fullmatch(r"\d{1,7}", text[index]))]
        self._text = text

    def positions(self, name: str) -> list[int]:
        return self._by_name.get(name, [])

    def _first_after(self, indexes: list[int], start: int) -> int | None:
        """The first of `indexes` (sorted) inside the subtree of the element at `start`."""
        at = bisect.bisect_right(indexes, start)
        return indexes[at] if at < len(indexes) and indexes[at] < self.end[start] else None

    def first(self, start: int, name: str):
        found = self._first_after(self.positions(name), start)
        return None if found is None else self.elements[found]

    def first_card_link(self, start: int):
        """`h3 > a[href="/papers/<id>"]` inside the element at `start`: the first such link whose h3 is inside too."""
        at = bisect.bisect_right(self.links, start)
        for index in self.links[at:at + 50]:  # a link whose h3 is outside the card comes only in contrived pages
            if index >= self.end[start]:
                break
            if self.h3[index] > start:
                return self.elements[index]
        return None

    def upvotes(self, start: int) -> int:
        found = self._first_after(self.counts, start)
        if found is None or self._text[found] == "-":
            return 0
        return as_int(self._text[found])
