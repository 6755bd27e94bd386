"""The two index pages MkDocs renders with the theme: every topic (tags/index.md) and every digest (digests/index.md)."""

from __future__ import annotations

from .. import urls
from ..model import Site, Topic, newest_first
from .common import front_matter, md, plural


def render_topics(site: Site) -> str:
    """Every topic with papers, by number of papers and again A to Z: the second list shows in place of the first when
    its anchor is the target (CSS, no script), and without CSS both read in turn."""
    here, counts = urls.TOPICS, site.counts

    def to(path: str) -> str:
        return urls.relative(here, path)

    def entry(topic: Topic) -> str:
        return (f"- [{md(topic.name)}]({to(urls.source(urls.topic(topic.slug)))}) · {plural(counts.get(topic.slug, 0), 'paper')} · "
                f"[RSS]({to(urls.feed(topic.slug))}) · [Atom]({to(urls.feed(topic.slug, 'atom'))})"
                f"<br><span class=\"pd-topic-desc\">{md(topic.description)}</span>\n")

    by_count = sorted(site.shown_topics, key=lambda t: (-counts.get(t.slug, 0), t.name.casefold(), t.slug))
    by_name = sorted(site.shown_topics, key=lambda t: (t.name.casefold(), t.slug))
    return "".join([
        front_matter(title="Topics", description="Every topic with its papers and feeds.", rss=urls.feed(urls.ALL_FEED)),
        "# Topics\n\n",
        f"Subscribe to everything: [RSS]({to(urls.feed(urls.ALL_FEED))}) · [Atom]({to(urls.feed(urls.ALL_FEED, 'atom'))}) · "
        f"every topic feed at once: [OPML]({to(urls.OPML)})\n\n",
        '<p class="pd-sort">Sort: <a href="#by-count">by number of papers</a> · <a href="#a-z">A\u2013Z</a></p>\n\n',
        "## By number of papers { #by-count }\n\n", *(entry(t) for t in by_count), "\n",
        "## A\u2013Z { #a-z }\n\n", *(entry(t) for t in by_name),
    ])


def render_digests(site: Site) -> str:
    parts = [front_matter(title="Digests", description="Every captured digest, newest first.", rss=urls.feed(urls.ALL_FEED)),
             "# Digests\n\n", "| Digest | Papers | New |\n|---|---:|---:|\n"]
    # newest day first like the catalog, but a day's digests in capture order, so "#2" follows the first
    ordered = sorted(site.catalog.digests, key=lambda d: (d.day == "", newest_first(d.day), site.digest_places[d.id]))
    for digest in ordered:
        link = urls.relative(urls.DIGESTS, urls.source(urls.digest(digest.id)))
        parts.append(f"| [{md(site.digest_names[digest.id])}]({link}) | {len(digest.paper_ids)} "
                     f"| {len(digest.paper_ids) - len(digest.repeats)} |\n")
    return "".join(parts)
