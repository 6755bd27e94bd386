"""The topic page (tags/<slug>/) and the redirect left at a merged or renamed topic's old URL (tags/<alias>/): their
one rendering each, and which of them a change touches."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from .. import urls
from ..model import Paper, Site, Topic
from .common import Fragments, ShellPage, day_label, plural, snippet


def topic_line(paper: Paper, fragments: Fragments) -> str:
    """A paper's entry in topic pages (rendered once a build, or kept from the last: `Fragments`)."""
    line = fragments.topic_lines.get(paper.id)
    if line is None:
        date, text = day_label(paper.first_seen), snippet(paper.abstract)
        line = fragments.topic_lines[paper.id] = (
            f'<li><a href="{urls.UP}{urls.paper(paper.id)}">{html.escape(paper.title)}</a> <span class="pd-date">{date}</span>'
            f'<br><span class="pd-snippet">{html.escape(text)}</span></li>\n')
    return line


def render(topic: Topic, papers: Sequence[Paper], fragments: Fragments) -> str:
    """The topic page's body as HTML."""
    e = html.escape
    parts = [
        f"<p>{e(topic.description)}</p>\n",
        f'<p>{plural(len(papers), "paper")} · subscribe: <a href="{urls.UP}{urls.feed(topic.slug)}">RSS</a> · '
        f'<a href="{urls.UP}{urls.feed(topic.slug, "atom")}">Atom</a></p>\n',
    ]
    if not papers:
        parts.append("<p>No papers in this topic yet.</p>\n")
    else:
        parts.append('<ul>\n')
        parts.extend(topic_line(paper, fragments) for paper in papers)
        parts.append("</ul>\n")
    return "".join(parts)


# ---- the output table's rows (pages/__init__.py) ------------------------------------------------


def keys(site: Site) -> list[str]:
    """The topics with papers: an empty topic gets no page until it has some."""
    return [t.slug for t in site.shown_topics]


def affected(site: Site, previous: Site, papers: frozenset[str], digests: frozenset[str]) -> Iterable[str]:
    """Every topic a changed paper is or was in."""
    return {slug for pid in papers for slug in (*previous.tags.get(pid, ()), *site.tags.get(pid, ()))}


def page(site: Site, fragments: Fragments, key: str) -> ShellPage:
    topic = site.topics_by_slug[key]
    return ShellPage(urls.topic(topic.slug), topic.name, topic.description, urls.feed_stem(topic.slug),
                     f"Paper Digest: {topic.name}", render(topic, site.members[topic.slug], fragments))


def redirect_keys(site: Site) -> list[str]:
    """Every alias of a topic (a merged or renamed topic's old slug)."""
    return [alias for topic in site.topics for alias in topic.aliases]


def redirect_affected(site: Site, previous: Site, papers: frozenset[str], digests: frozenset[str]) -> Iterable[str]:
    """All of them: a handful, and a topic that empties or fills changes where its aliases send visitors (only
    those whose bytes change are written)."""
    return redirect_keys(site)


def redirect_page(site: Site, fragments: Fragments, key: str) -> ShellPage:
    """A page at tags/<alias>/ that sends the visitor to the topic's page, or to the topics index while the topic is
    empty: published URLs keep working."""
    topic = next(t for t in site.topics if key in t.aliases)
    shown = {t.slug for t in site.shown_topics}
    here = urls.topic(key)
    target = urls.relative(here, urls.topic(topic.slug) if topic.slug in shown else urls.TOPICS)
    return ShellPage(here, topic.name, f"This topic is now {topic.name}.", urls.feed_stem(topic.slug),
                     f"Paper Digest: {topic.name}", "", redirect=target)
