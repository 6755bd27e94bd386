"""RSS 2.0 / Atom feeds and the OPML list of them: the only module that imports feedgen.

Render functions return text; nothing here touches the file system or the clock.

Files made by `render_feeds` (paths relative to the site root):

* ``feeds/all.xml`` + ``feeds/all.atom``: the newest papers in whole days, plus one item per dated digest of
  those days;
* ``feeds/<slug>.xml`` + ``feeds/<slug>.atom`` for every topic with papers (an empty topic gets none until it has
  some), and the same items under each alias of a topic (an old slug of a merged or renamed topic);
* ``feeds/topics.opml``: OPML 2.0 listing the all-papers feed and every topic feed.

URL scheme (never changes; ``site_url`` is normalised to end in exactly one ``/``):
paper ``{site_url}papers/{id}/``, topic ``{site_url}tags/{slug}/``, digest
``{site_url}digests/{id}/``, feed ``{site_url}feeds/{slug}.xml`` (``.atom``), home ``{site_url}``.

Rules:

* Identity: a paper's RSS guid and Atom id is ``urn:paper-digest:paper:{paper.id}``
  (``isPermaLink="false"``), a digest's is ``urn:paper-digest:digest:{digest.id}``: the same in
  every feed and independent of ``site_url``.
* Dates: an item's date is the paper's ``first_seen`` (a digest's ``day``) at 00:00 UTC, never the
  build time. Order is newest first; ties: digest items before paper items, then by id.
* Undated papers (``first_seen == ""``) come after every dated item (by id). Their RSS item has
  no ``pubDate``; their Atom entry (where ``updated`` is required) uses the fixed date
  1970-01-01T00:00:00 UTC (written ``1970-01-01T00:00:00+00:00``) and has no ``published``.
  Undated digests get no item.
* ``limit`` caps the number of items of a topic feed (the newest ``limit`` are kept). The all-papers feed holds
  whole days instead (a day's digest items and every paper first seen that day), newest first, until it has at least
  ``limit`` items: its newest day is always whole, however big, so a subscriber never misses a paper of it; undated
  papers fill what is left below ``limit``. It thus holds at most ``limit - 1`` items plus one day.
* Channel date: RSS ``lastBuildDate`` and Atom feed ``updated`` are the newest dated item's date.
  A feed without any dated item (empty, or undated papers only) has no ``lastBuildDate``, and its
  Atom ``updated`` is the 1970-01-01 date above.
* Text: characters illegal in XML 1.0, DEL and the C1 controls are dropped from every string; titles and names
  are folded onto one line. Titles are plain text in both formats, escaped once by XML (RSS 2.0 allows markup in
  ``description`` only; Atom says ``type="text"``). The RSS ``description`` carries HTML-escaped text (``<``
  becomes ``&amp;lt;`` in the XML), which is how RSS readers, who render it as HTML, show ``<script>`` as text; the
  Atom ``summary`` is ``type="text"``. Nothing from a dump ever becomes markup; the only markup is the digest item's
  list, built here with every title escaped.
* Authors: a paper's authors, when the dump gave them, are its RSS ``dc:creator`` (one element, names joined by
  ``", "``) and its Atom ``author`` elements (one per name). Every Atom feed has the site as its ``author``
  (name and uri), which RFC 4287 4.1.1 requires unless every entry has its own: entries with unknown authors (and
  digest items) inherit it. RSS items with unknown authors have no ``dc:creator``.
* Stylesheet: every feed starts with ``<?xml-stylesheet type="text/xsl" href="../assets/feed.xsl"?>`` (relative,
  so it works under any site_url and on any host; browsers refuse a stylesheet from another origin). The
  stylesheet (``site_src/assets/feed.xsl``, copied into the site by MkDocs) shows the feed in a browser as a page
  with a "subscribe" hint; feed readers ignore it.
"""

from __future__ import annotations

import email.utils
import html
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from urllib.parse import quote, urlsplit

from feedgen.feed import FeedGenerator
from lxml import etree

from generator import urls
from generator.model import paper_order
from generator.model import Catalog, Digest, Paper, Topic

__all__ = ["FeedError", "render_feeds", "check_shrink", "paper_guid", "digest_guid"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # Atom `updated` of undated entries and of feeds without dates
_BEFORE_ALL = datetime.min.replace(tzinfo=timezone.utc)  # sort key of undated items
GENERATOR = "python-feedgen"
GENERATOR_URI = "https://lkiesow.github.io/python-feedgen"
ALL_SLUG = urls.ALL_FEED
SITE_URL_REQUIRED = "site_url is required for feeds: pass --site-url or set site_url in mkdocs.yml"

# Everything outside XML 1.0's Char production (lone surrogates included), and DEL and the C1 controls, which XML 1.0
# (2.2) asks documents to avoid and readers take for Windows-1252 (feedparser shows "\x91" as a quote).
_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SAFE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True, huge_tree=False
)


class FeedError(ValueError):
    """Feeds cannot be rendered from this input (one-line message)."""


def paper_guid(paper_id: str) -> str:
    return f"urn:paper-digest:paper:{paper_id}"


def digest_guid(digest_id: str) -> str:
    return f"urn:paper-digest:digest:{digest_id}"


# --------------------------------------------------------------------------- text and dates


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry; normalise line ends."""
    return _ILLEGAL_XML.sub("", text or "").replace("\r\n", "\n").replace("\r", "\n")


def _one_line(text: str) -> str:
    return " ".join(_clean(text).split())


def _html_text(text: str) -> str:
    """Plain text as HTML that displays exactly that text."""
    return html.escape(text, quote=False)


def _day(value: str, what: str) -> datetime | None:
    if not value:
        return None
    try:
        if not _ISO_DAY.fullmatch(value):
            raise ValueError
        d = date.fromisoformat(value)
    except ValueError:
        raise FeedError(f"{what}: {value!r} is not an ISO day (YYYY-MM-DD)") from None
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def normalise_site_url(site_url: str | None) -> str:
    url = (site_url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise FeedError(SITE_URL_REQUIRED)
    return url.rstrip("/") + "/"


# --------------------------------------------------------------------------- items


class _Item:
    """One feed item, format-neutral; built once and shared by every feed that lists it."""

    __slots__ = ("guid", "when", "rank", "key", "title", "link", "text", "html", "categories", "authors")

    def __init__(self, *, guid, when, rank, key, title, link, text="", html_body="", categories=(), authors=()):
        self.guid = guid
        self.when = when  # datetime or None (undated)
        self.rank = rank  # 0 = digest, 1 = paper: digests first within a day
        self.key = key
        self.title = title  # plain text, one line, XML-legal
        self.link = link
        self.text = text  # plain-text body (papers)
        self.html = html_body  # HTML body built here (digests)
        self.categories = categories  # ((slug, name), ...)
        self.authors = authors  # plain-text names, one line each; () when unknown


def _sorted(items: list[_Item]) -> list[_Item]:
    items = sorted(items, key=lambda i: (i.rank, i.key))
    # Stable: newest day first, undated (None) last, ties keep (rank, id) order.
    return sorted(items, key=lambda i: i.when or _BEFORE_ALL, reverse=True)


def _paper_url(site_url: str, paper_id: str) -> str:
    return urls.absolute(site_url, urls.paper(quote(_clean(paper_id), safe='')))


def _paper_item(paper: Paper, site_url: str, categories) -> _Item:
    title = _one_line(paper.title) or _one_line(paper.arxiv_id) or _one_line(paper.id)
    return _Item(
        guid=_clean(paper_guid(paper.id)),
        when=_day(paper.first_seen, f"paper {paper.id!r} first_seen"),
        rank=1,
        key=paper.id,
        title=title,
        link=_paper_url(site_url, paper.id),
        text=_clean(paper.abstract).strip(),
        categories=categories,
        authors=tuple(name for name in map(_one_line, paper.authors) if name),
    )


def _digest_item(digest: Digest, when: datetime, papers: Mapping[str, Paper], site_url: str) -> _Item:
    listed = [papers[pid] for pid in digest.paper_ids if pid in papers]
    n = len(listed)
    rows = "".join(
        f'<li><a href="{html.escape(_paper_url(site_url, p.id))}">'
        f"{_html_text(_one_line(p.title) or _one_line(p.id))}</a></li>"
        for p in listed
    )
    return _Item(
        guid=_clean(digest_guid(digest.id)),
        when=when,
        rank=0,
        key=digest.id,
        title=f"Digest for {digest.day}: {n} paper{'' if n == 1 else 's'}",
        link=urls.absolute(site_url, urls.digest(quote(digest.id, safe=''))),
        html_body=f"<ul>{rows}</ul>" if rows else "",
    )


# --------------------------------------------------------------------------- rendering


def _feed(
    kind: str,
    *,
    feed_id: str,
    title: str,
    description: str,
    page: str,
    self_url: str,
    items: Sequence[_Item],
    site: str,
    site_url: str,
) -> str:
    """Render one feed; `kind` is "rss" or "atom". Every date is set explicitly (feedgen would use now)."""
    fg = FeedGenerator()
    if kind == "rss":
        fg.load_extension("dc", atom=False, rss=True)
    fg.id(feed_id)
    fg.title(title)
    fg.description(description)
    # feedgen takes the RSS channel <link> from the *last* link added: self first, page last.
    fg.link(href=self_url, rel="self", type="application/rss+xml" if kind == "rss" else "application/atom+xml")
    fg.link(href=page, rel="alternate")
    fg.language("en")
    fg.generator(GENERATOR, uri=GENERATOR_URI)  # no version: upgrades must not rewrite every feed
    if kind == "atom":
        # RFC 4287 4.1.1: every entry needs an author; the site is the one of entries whose authors are unknown.
        fg.author(name=site, uri=site_url)
    dated = [i.when for i in items if i.when is not None]
    newest = max(dated) if dated else None
    fg.updated(newest or EPOCH)  # sets Atom updated and RSS lastBuildDate; never left at now

    for item in items:
        fe = fg.add_entry(order="append")
        fe.guid(item.guid, permalink=False)  # also the Atom id
        fe.link(href=item.link, rel="alternate")
        fe.updated(item.when or EPOCH)  # Atom only; feedgen defaults it to now
        if item.when is not None:
            fe.published(item.when)  # RSS pubDate / Atom published
        # Titles are plain text in both formats (RSS 2.0 allows markup in description only): escaped once, by XML.
        fe.title(item.title)
        if kind == "rss":
            body = item.html or _html_text(item.text)
            if body:
                fe.description(body)
            if item.authors:
                # One dc:creator with every name, as arXiv's feeds do: readers show one creator per item.
                fe.dc.dc_creator(", ".join(item.authors))
        else:
            if item.html:
                fe.summary(item.html, type="html")
            elif item.text:
                fe.summary(item.text)
            if item.authors:
                fe.author([{"name": name} for name in item.authors])
        for slug, name in item.categories:
            if kind == "rss":
                fe.category(term=name)
            else:
                fe.category(term=slug, label=name)

    raw = fg.rss_str(pretty=False) if kind == "rss" else fg.atom_str(pretty=False)
    root = etree.fromstring(raw, _PARSER)
    if kind == "rss" and newest is None:
        channel = root.find("channel")
        for el in channel.findall("lastBuildDate"):
            channel.remove(el)
    # feedgen writes no processing instructions. Relative to the feed: it works under a sub-path site_url, on a mirror
    # and on a local server, where an absolute URL would point at another origin, whose stylesheet browsers refuse.
    href = urls.relative(urls.feed_stem(ALL_SLUG).rpartition("/")[0] + "/", urls.FEED_STYLESHEET)
    root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"'))
    return etree.tostring(
        root.getroottree(), pretty_print=True, xml_declaration=True, encoding="UTF-8"
    ).decode("utf-8")


def _opml(site_name: str, site_url: str, outlines: Sequence[tuple[str, str, str, str]]) -> str:
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = f"{site_name}: topic feeds"
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    for name, description, xml_url, html_url in outlines:
        outline = etree.SubElement(body, "outline")
        outline.set("text", name)
        outline.set("title", name)
        outline.set("type", "rss")
        outline.set("xmlUrl", xml_url)
        outline.set("htmlUrl", html_url)
        if description:
            outline.set("description", description)
    return etree.tostring(opml, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def render_feeds(
    catalog: Catalog,
    topics: Sequence[Topic],
    tags: Mapping[str, Sequence[str]],
    site_url: str,
    limit: int = 50,
    site_name: str = "Paper Digest",
    only: set[str] | None = None,
) -> dict[str, str]:
    """Return {relative path: file text} for every feed plus ``feeds/topics.opml``; with `only` (topic slugs), the
    all-papers feed, the OPML and only those topics' feeds (an incremental build's: the others did not change).

    `tags` maps paper id -> topic slugs (unknown ids and slugs are ignored). Rules for dates,
    undated papers, digest items, `limit` and escaping are in the module docstring.
    Raises FeedError on a missing/relative `site_url`, a bad `limit`, unusable or duplicate topic
    slugs, or a date that is not an ISO day.
    """
    site_url = normalise_site_url(site_url)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise FeedError(f"feed limit must be a positive integer, got {limit!r}")
    site = _one_line(site_name) or "Paper Digest"

    names: dict[str, str] = {}
    for topic in topics:
        if not _SAFE_SLUG.fullmatch(topic.slug or ""):
            raise FeedError(f"topic slug {topic.slug!r} cannot name a feed file")
        if topic.slug == ALL_SLUG:
            raise FeedError(f"topic slug {ALL_SLUG!r} is reserved for the all-papers feed")
        if topic.slug in names:
            raise FeedError(f"topic slug {topic.slug!r} is used by more than one topic")
        names[topic.slug] = _one_line(topic.name) or topic.slug
    aliases: dict[str, str] = {}  # old slug -> the topic that took it over
    for topic in topics:
        for alias in topic.aliases:
            if not _SAFE_SLUG.fullmatch(alias) or alias == ALL_SLUG or alias in names or alias in aliases:
                raise FeedError(f"topic alias {alias!r} cannot name a feed file of its own")
            aliases[alias] = topic.slug

    papers = catalog.by_id()
    # Only the newest `limit` papers of each feed become items: order the papers once (the order `_sorted` gives
    # paper items: newest day first, undated last, then id) and keep the first `limit` of each topic.
    ordered = sorted(catalog.papers, key=paper_order)
    chosen: dict[str, list[Paper]] = {slug: [] for slug in names}
    for paper in ordered:
        for slug in tags.get(paper.id, ()):
            if slug in chosen and len(chosen[slug]) < limit:
                chosen[slug].append(paper)
    built: dict[str, _Item] = {}

    def item(paper: Paper) -> _Item:
        if paper.id not in built:
            slugs = set(tags.get(paper.id, ()))
            cats = tuple((slug, names[slug]) for slug in names if slug in slugs)  # topic order
            built[paper.id] = _paper_item(paper, site_url, cats)
        return built[paper.id]

    members = {slug: [item(p) for p in chosen[slug]] for slug in names}
    everything = _whole_days(
        ordered, catalog.digests, limit, item, lambda digest, when: _digest_item(digest, when, papers, site_url)
    )

    out: dict[str, str] = {}
    outlines = []

    def emit(slug: str, name: str, title: str, description: str, page: str, items: list[_Item],
             topic: str = "", cap: int | None = limit) -> None:
        if not topic:
            outlines.append((name, description, urls.absolute(site_url, urls.feed(slug)), page))
        if only is not None and slug != ALL_SLUG and (topic or slug) not in only:
            return
        kept = _sorted(items)[:cap]
        for kind, ext in (("rss", "xml"), ("atom", "atom")):
            out[urls.feed(slug, ext)] = _feed(
                kind,
                feed_id=f"urn:paper-digest:feed:{slug}",
                title=title,
                description=description,
                page=page,
                self_url=urls.absolute(site_url, urls.feed(slug, ext)),
                items=kept,
                site=site,
                site_url=site_url,
            )

    emit(
        ALL_SLUG,
        "All papers",
        f"{site}: all papers",
        f"Every paper and daily digest on {site}, newest first.",
        site_url,
        everything,
        cap=None,  # whole days, chosen above
    )
    for topic in topics:
        if not members[topic.slug]:
            continue  # an empty topic gets no feed and no OPML entry until it has papers
        name = names[topic.slug]
        description = _one_line(topic.description) or f"Papers about {name} on {site}."
        page = urls.absolute(site_url, urls.topic(quote(topic.slug, safe='')))
        emit(topic.slug, name, f"{site}: {name}", description, page, members[topic.slug])
        for alias in topic.aliases:
            # A merged or renamed topic's old feed: the same items (same GUIDs) as the topic that took it over, under
            # its old feed id and address, so subscribers keep receiving papers. Not in the OPML (the topic is).
            emit(alias, name, f"{site}: {name}", description, page, members[topic.slug], topic=topic.slug)
    out[urls.OPML] = _opml(site, site_url, outlines)
    return out


def _whole_days(
    ordered: Sequence[Paper], digests: Sequence[Digest], limit: int, paper_item, digest_item
) -> list[_Item]:
    """The all-papers feed's items: whole days, newest first, until there are at least `limit` items.

    A subscriber must get every paper of a day or none of it: the newest day is always whole however big, an older
    day comes in whole only while the feed is still short of `limit`. Undated papers (no day to keep whole) fill
    what is left below `limit`, by id. `ordered` is the papers in `paper_order`.
    """
    papers_of: dict[str, list[Paper]] = {}
    undated: list[Paper] = []
    for paper in ordered:
        if _day(paper.first_seen, f"paper {paper.id!r} first_seen") is None:
            undated.append(paper)
        else:
            papers_of.setdefault(paper.first_seen, []).append(paper)
    digests_of: dict[str, list[Digest]] = {}
    for digest in digests:  # catalog order: newest day first, then id
        if _day(digest.day, f"digest {digest.id!r} day") is not None:
            digests_of.setdefault(digest.day, []).append(digest)
    items: list[_Item] = []
    for day in sorted(digests_of.keys() | papers_of.keys(), reverse=True):
        if len(items) >= limit:
            break
        when = _day(day, "day")
        items += [digest_item(d, when) for d in digests_of.get(day, ())]
        items += [paper_item(p) for p in papers_of.get(day, ())]
    items += [paper_item(p) for p in undated[: max(0, limit - len(items))]]
    return items


# --------------------------------------------------------------------------- shrink guard


def _items(text) -> dict[str, datetime | None] | None:
    """Item key (guid, else link, else the item's XML) -> its pubDate, of an RSS document; None when it is not one."""
    if text is None:
        return None
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or root.tag != "rss":
        return None
    items: dict[str, datetime | None] = {}
    for item in root.iter("item"):
        guid = (item.findtext("guid") or "").strip()
        link = (item.findtext("link") or "").strip()
        items[guid or link or etree.tostring(item, encoding="unicode")] = _pub_date(item.findtext("pubDate"))
    return items


def _pub_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None


def _rank(when: datetime | None) -> float:
    """Undated items sort after (older than) every dated one."""
    return when.timestamp() if when is not None else float("-inf")


def check_shrink(
    previous: Mapping[str, str], current: Mapping[str, str], max_loss: float = 0.5, limit: int | None = None
) -> list[str]:
    """One message per RSS feed (``*.xml``) that would lose more than `max_loss` of its items.

    An item counts as lost when it is gone for no good reason: newer items pushing the oldest out of a full feed is
    the feed working, not a loss (a digest of 30 papers renews most of a 50-item feed). So an item missing from the
    new feed is lost if the feed got short, or if the item is newer than the oldest item the new feed still carries.
    A feed is short when it has fewer items than before; with `limit` (the feeds' item limit, as given to
    `render_feeds`), fewer than before and fewer than `limit`: the all-papers feed holds whole days, so its length
    follows the days' sizes (a day of 30 and a day of 117, then a day of 40 and that day of 30). A previous feed
    that cannot be parsed (or has no items) is ignored; a feed missing from `current` (or unparseable there) loses
    everything. Items are matched by guid. Messages are sorted by path;
    the caller decides whether to stop the build.
    """
    if not 0 <= max_loss <= 1:
        raise FeedError(f"max_loss must be between 0 and 1, got {max_loss!r}")
    messages = []
    for path in sorted(previous):
        if not path.endswith(".xml"):
            continue
        before = _items(previous[path])
        if not before:
            continue
        after = _items(current.get(path)) or {}
        shorter = len(after) < (len(before) if limit is None else min(len(before), limit))
        oldest_kept = min((_rank(when) for when in after.values()), default=float("inf"))
        lost = sum(1 for key, when in before.items() if key not in after and (shorter or _rank(when) > oldest_kept))
        if lost > max_loss * len(before):
            messages.append(
                f"{path} would lose {lost} of {len(before)} items ({lost * 100 // len(before)}%); "
                "pass --allow-shrink to publish anyway"
            )
    return messages
