"""What every page kind shares: escaping for each place a dump's text lands, the small parts several pages show, the
fast page record (`ShellPage`) and the rendered fragments kept between builds (`Fragments`).

Every string from a dump is escaped where it lands: numeric character references in Markdown (so no Markdown, HTML
or template syntax survives), HTML escaping in HTML and in front matter `title`/`description` (which the theme
prints as HTML), and `<`, `>`, `&` as `\\u` escapes in JSON. Every path and link comes from `urls`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from .. import urls
from ..model import Paper, Topic
from ..textclean import find_urls, is_code_url

# Characters that mean something to Markdown, its extensions or a template engine: written as
# numeric references, which every Markdown flavour passes through as the literal character.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]#+!|~^=$<>&]")
_LIST_START = re.compile(r"^(\d+)([.)])")
SNIPPET_LENGTH = 180


# ---- escaping ----------------------------------------------------------------------------------


def md(text: str) -> str:
    """Plain text as inline Markdown that renders as exactly that text."""
    text = _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group(0))};", text)
    text = _LIST_START.sub(lambda m: f"{m.group(1)}&#{ord(m.group(2))};", text)
    if text.startswith("-"):
        text = "&#45;" + text[1:]
    return text


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def front_matter(**fields: str) -> str:
    """YAML front matter of string fields; strings the theme prints as HTML (title, description) are HTML-escaped.

    Each value is written as a JSON string, which is a valid YAML double-quoted scalar: safe for any text and
    much faster than a YAML emitter over 50,000 pages.
    """
    lines = []
    for key, value in fields.items():
        if not value:
            continue
        if key in ("title", "description"):
            value = html.escape(value, quote=True)
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}\n")
    return "---\n" + "".join(lines) + "---\n\n"


def json_text(data: object) -> str:
    """Deterministic JSON that is also safe to inline in HTML: `<`, `>`, `&` as `\\u` escapes. A list is written one
    item a line (diffs stay readable, and the C encoder does the work: `indent` would fall back to pure Python)."""
    if isinstance(data, list):
        text = "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in data) + "\n]"
    else:
        text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def linkify(text: str) -> str:
    """Running text as HTML with its URLs as links (code hosts shown as code)."""

    def escape(part: str) -> str:
        return html.escape(part, quote=False)

    out, last = [], 0
    for span in find_urls(text):
        out.append(escape(text[last : span.start]))
        label = escape(text[span.start : span.end])
        if span.is_code:
            label = f"<code>{label}</code>"
        out.append(f'<a href="{attr(span.url)}" rel="nofollow">{label}</a>')
        last = span.end
    out.append(escape(text[last:]))
    return "".join(out)


# ---- small parts ------------------------------------------------------------------------------


def snippet(text: str, length: int = SNIPPET_LENGTH) -> str:
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


def day_label(day: str) -> str:
    return day or "undated"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def external_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, url) for the paper page: arXiv, its PDF and Hugging Face (or a title search on both), then the GitHub,
    other code and project links, web addresses only."""
    if paper.arxiv_id:
        links = [
            ("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}"),
            ("PDF", f"https://arxiv.org/pdf/{paper.arxiv_id}"),
            ("Hugging Face", f"https://huggingface.co/papers/{paper.arxiv_id}"),
        ]
    else:
        query = quote_plus(paper.title)
        links = [
            ("Search arXiv", f"https://arxiv.org/search/?query={query}&searchtype=title"),
            ("Search Hugging Face", f"https://huggingface.co/papers?q={query}"),
        ]
    for url in paper.links:
        if not url.lower().startswith(("http://", "https://")):
            continue  # only a web address becomes a link
        if re.match(r"https?://(www\.)?github\.com/", url, re.I):
            links.append(("GitHub", url))
        else:
            links.append(("Code" if is_code_url(url) else "Project page", url))
    return links


def full_text_url(paper: Paper) -> str:
    return external_links(paper)[0][1]


def chips(slugs: Sequence[str], topics: Mapping[str, Topic], here: str) -> str:
    """Topic chips in a Markdown page whose folder is `here`."""
    return " ".join(f"[{md(topics[s].name)}]({urls.relative(here, urls.source(urls.topic(s)))}){{ .pd-chip }}"
                    for s in slugs if s in topics)


def chips_html(topics: Iterable[Topic]) -> str:
    """Topic chips in an HTML page one folder below a section (papers/<id>/, digests/<id>/)."""
    return " ".join(f'<a class="pd-chip" href="{urls.UP}{urls.topic(t.slug)}">{html.escape(t.name)}</a>' for t in topics)


# ---- what the fast path writes ----------------------------------------------------------------


@dataclass(frozen=True)
class ShellPage:
    """A page for the fast path: the theme's shell filled with these (plain-text fields are escaped on filling)."""

    path: str  # site path of the page folder, e.g. "papers/<id>/"
    title: str
    description: str
    rss: str  # feed path without suffix, e.g. "feeds/all"
    rss_title: str
    body: str  # HTML
    redirect: str = ""  # a page that only sends the visitor on: this relative URL (the body is then ignored)


def markdown_page(page: ShellPage) -> str:
    """A fast page as a Markdown page (`build --markdown`): the shell's front matter and heading, its HTML body as it
    is (Markdown passes raw HTML blocks through); a redirect becomes a page with a link to where the topic went."""
    body = page.body
    if page.redirect:
        body = f'<p>This topic is now <a href="{attr(page.redirect)}">{html.escape(page.title)}</a>.</p>\n'
    return (front_matter(title=page.title, description=page.description, rss=f"{page.rss}.xml",
                         rss_title=page.rss_title)
            + f"# {md(page.title)}\n\n" + body)


ALL_PAPERS_FEED = (urls.feed_stem(urls.ALL_FEED), "Paper Digest: all papers")


@dataclass
class Fragments:
    """Pieces of one paper that several outputs repeat (its line of api/papers.json, its entry in topic pages),
    rendered once a build and kept by the preview server: an incremental build renders only the changed papers'
    again (a paper sits in up to five topic pages of thousands of papers). Not part of the model: a rendering."""

    records: dict[str, str] = field(default_factory=dict)
    topic_lines: dict[str, str] = field(default_factory=dict)
    lookups: dict[str, tuple] = field(default_factory=dict)  # paper id -> its look-up entry (lookup.lookup_files)

    def without(self, changed: Iterable[str]) -> Fragments:
        """These fragments except the papers in `changed` (their tags, related papers or digests may differ), and
        the look-up entries that name one of them (a look-up entry carries its related papers' titles)."""
        changed = frozenset(changed)
        return Fragments({k: v for k, v in self.records.items() if k not in changed},
                         {k: v for k, v in self.topic_lines.items() if k not in changed},
                         {k: v for k, v in self.lookups.items() if k not in changed and not v[-1] & changed})
