"""The home page (index.md, rendered by MkDocs with the theme): the catalog in one line, the topics, and the newest
day's digests in full."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import urls
from ..model import Digest, Paper, Site, Topic, long_day, paper_order
from .common import chips, front_matter, md, plural, snippet

HOME_SNIPPET_LENGTH = 120  # about one line beside the title on a desktop screen
HOME_STRIP_LIMIT = 8  # papers in each of the home page's "most seen" and "most upvoted" strips


def newest_day(site: Site) -> tuple[Digest, ...]:
    """The digests of the newest dated day in capture order (the undated ones when no digest has a day)."""
    digests = site.catalog.digests
    if not digests:
        return ()
    day = next((d.day for d in digests if d.day), "")
    return tuple(d for d in site.digest_sequence if d.day == day)


def day_papers(day: Sequence[Digest]) -> list[tuple[str, bool]]:
    """(paper id, new) for every paper of `day`'s digests once, in capture and page order; new when its first
    digest that day is where it was first seen."""
    out: dict[str, bool] = {}
    for digest in day:
        for paper_id in digest.paper_ids:
            out.setdefault(paper_id, paper_id not in digest.repeats)
    return list(out.items())


def home_line(paper: Paper, new: bool, topics: Mapping[str, Topic], tags: Sequence[str]) -> str:
    """A paper on the home page: title, "seen before" unless new, a one-line snippet, its topics."""
    here = urls.HOME
    line = f"- [{md(paper.title)}]({urls.relative(here, urls.source(urls.paper(paper.id)))})"
    if not new:
        line += ' <span class="pd-repeat">seen before</span>'
    if paper.abstract:
        line += f'<br><span class="pd-snippet pd-one-line">{md(snippet(paper.abstract, HOME_SNIPPET_LENGTH))}</span>'
    if tags:
        line += f"<br>{chips(tags, topics, here)}"
    return line


def render(site: Site) -> str:
    catalog, papers, topics, counts = site.catalog, site.papers_by_id, site.topics_by_slug, site.counts
    here = urls.HOME

    def to(path: str) -> str:
        return urls.relative(here, urls.source(path))

    day = newest_day(site)
    listed = day_papers(day)
    new = sum(1 for _, is_new in listed if is_new)
    day_name = long_day(day[0].day) if day else ""
    parts = [
        front_matter(title="Paper Digest", description="AI research papers from daily digests, by topic, with related papers.",
                     rss=urls.feed(urls.ALL_FEED), rss_title="Paper Digest: all papers"),
        "# Paper Digest\n\n",
        f"{plural(len(catalog.papers), 'paper')} · {plural(len(catalog.digests), 'digest')} · {plural(len(site.shown_topics), 'topic')}"
        + (f" · **{new} new** on {day_name}" if day else "")
        + f" · subscribe: [RSS]({urls.feed(urls.ALL_FEED)}) · [Atom]({urls.feed(urls.ALL_FEED, 'atom')}) · "
        f"[OPML of every topic]({urls.OPML})\n\n",
    ]
    # The topics come first, as one compact strip: on a desktop screen they show without scrolling.
    ranked = sorted(site.shown_topics, key=lambda t: (-counts.get(t.slug, 0), t.slug))
    parts.append("## Topics { #topics }\n\n")
    parts.append(" ".join(f"[{md(t.name)} ({counts.get(t.slug, 0)})]({to(urls.topic(t.slug))}){{ .pd-chip }}"
                          for t in ranked) + "\n\n")
    parts.append(f"By number of papers; A\u2013Z and with descriptions on [the topics page]({to(urls.TOPICS)}).\n\n")
    if not day:
        return "".join(parts)
    links = " and ".join(f"[{md(site.digest_names[d.id])}]({to(urls.digest(d.id))}) "
                         f"({plural(len(d.paper_ids), 'paper')}, {len(d.paper_ids) - len(d.repeats)} new)" for d in day)
    parts.append(f"## Latest {'digests' if len(day) > 1 else 'digest'}: {md(day_name)} {{ #latest }}\n\n"
                 f"{plural(new, 'new paper')} and {len(listed) - new} seen before, from {links}.\n\n")
    day_ids = [pid for pid, _ in listed]
    several = sorted((pid for pid in day_ids if len(papers[pid].digests) > 1),
                     key=lambda pid: (-len(papers[pid].digests), paper_order(papers[pid])))[:HOME_STRIP_LIMIT]
    upvoted = sorted((pid for pid in day_ids if papers[pid].upvotes > 0),
                     key=lambda pid: (-papers[pid].upvotes, paper_order(papers[pid])))[:HOME_STRIP_LIMIT]
    if several:
        parts.append("### Seen in several digests\n\n")
        parts.extend(f"- [{md(papers[pid].title)}]({to(urls.paper(pid))}) <span class=\"pd-date\">"
                     f"in {len(papers[pid].digests)} digests</span>\n" for pid in several)
        parts.append("\n")
    if upvoted:
        parts.append("### Most upvoted\n\n")
        parts.extend(f"- [{md(papers[pid].title)}]({to(urls.paper(pid))}) <span class=\"pd-date\">"
                     f"{plural(papers[pid].upvotes, 'upvote')}</span>\n" for pid in upvoted)
        parts.append("\n")
    parts.append(f"### Every paper of {md(day_name)}\n\n")
    parts.extend(home_line(papers[pid], is_new, topics, site.tags.get(pid, ())) + "\n" for pid, is_new in listed)
    return "".join(parts)
