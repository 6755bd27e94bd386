"""Every path and link of the site, in one place: where each page, feed and JSON file lives (README, URL scheme).

A page's path is its folder in the site (`papers/<id>/`, served as `…/papers/<id>/`); the pages MkDocs renders from
Markdown link to each other by source file (`papers/<id>.md`), which MkDocs resolves and checks. These shapes never
change once published: feed GUIDs and bookmarks point at them.
"""

from __future__ import annotations

PAPERS, TOPICS, DIGESTS = "papers/", "tags/", "digests/"
HOME = ""
PAPERS_JSON = "api/papers.json"
IDS_JSON = "api/ids.json"  # the published id map, read back by the next build (a CI runner has no other copy)
OPML = "feeds/topics.opml"
FEED_STYLESHEET = "assets/feed.xsl"  # the XSLT every feed names, which shows it as a page in a browser
ALL_FEED = "all"  # the all-papers feed's name, beside the topics' slugs
UP = "../../"  # from a page in a section (papers/<id>/, tags/<slug>/, digests/<id>/) back to the site's root


def paper(paper_id: str) -> str:
    return f"{PAPERS}{paper_id}/"


def topic(slug: str) -> str:
    return f"{TOPICS}{slug}/"


def digest(digest_id: str) -> str:
    return f"{DIGESTS}{digest_id}/"


def feed(name: str, ext: str = "xml") -> str:
    """A feed file: `name` is a topic slug or ALL_FEED, `ext` "xml" (RSS) or "atom"."""
    return f"{feed_stem(name)}.{ext}"


def feed_stem(name: str) -> str:
    """A feed's path without its suffix (what a page's front matter `rss` gets, `.xml` added by the theme's shell)."""
    return f"feeds/{name}"


def page_file(path: str) -> str:
    """The HTML file of a page: `papers/<id>/` -> `papers/<id>/index.html`."""
    return f"{path}index.html"


def source(path: str) -> str:
    """The Markdown source MkDocs knows a page by: `papers/<id>/` -> `papers/<id>.md`, `tags/` -> `tags/index.md`."""
    return f"{path}index.md" if path.count("/") < 2 else f"{path[:-1]}.md"


def relative(here: str, there: str) -> str:
    """A link from the page (or Markdown source's folder) `here` to `there`, both site paths: within a section it
    stays there (`papers/a/` -> `papers/b/` is `../b/`), otherwise it climbs to the root (`../../tags/x/`)."""
    section = here[: here.find("/") + 1]
    if section and there.startswith(section):
        return "../" * (here.count("/") - 1) + there[len(section):]
    return "../" * here.count("/") + there


def absolute(site_url: str, path: str) -> str:
    """`path` under the site's absolute URL (which ends with a slash)."""
    return f"{site_url}{path}"
