"""The fast path for paper, topic and digest pages: MkDocs renders one shell page with the theme; each of those pages
is that shell with its own title, feed and HTML body put in, so an archive of 50,000 papers does not go through
Markdown and Jinja 50,000 times while keeping the theme's look.

MkDocs knows those of them that its own pages link to (links are checked in strict mode) as files it neither reads
nor writes (they have no source file); `write_pages` writes them after the MkDocs build, and `rewrite_sitemap` lists
them all.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

import jinja2
import jinja2.bccache
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from . import store

SHELL_SOURCE = "_shell/paper.md"
SHELL_OUTPUT = "_shell/paper/index.html"
TITLE_MARK = "@@PD-TITLE@@"
DESCRIPTION_MARK = "@@PD-DESCRIPTION@@"
BODY_MARK = "@@PD-BODY@@"
RSS_MARK = "@@PD-RSS@@"
RSS_TITLE_MARK = "@@PD-RSSTITLE@@"
PATH_MARK = "@@PD-PATH@@"
FAST_SECTIONS = ("papers/", "tags/", "digests/")  # their index.md pages stay with MkDocs (they are in the nav)
SHELL_MARKDOWN = f"""---
title: "{TITLE_MARK}"
description: "{DESCRIPTION_MARK}"
rss: "{RSS_MARK}.xml"
rss_title: "{RSS_TITLE_MARK}"
---

# {TITLE_MARK}

{BODY_MARK}
"""
_INDENT_RE = re.compile(r"\n[ \t]+")
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class _PrebuiltPage(File):
    """A paper page MkDocs can link to but does not render or copy: the fast path writes it."""

    def is_documentation_page(self) -> bool:
        return False

    def is_static_page(self) -> bool:
        return False

    def copy_file(self, dirty: bool = False) -> None:
        return None


class _PublishedAsset(File):
    """A static file the site already holds, byte for byte, from this process's last build: listed, linked and
    checked as usual, not copied again. Only an incremental build uses it, for every static file but the generated
    ones this build rewrote: its other inputs (theme, overrides, hand-written files, configuration) are those of the
    last build, or it would be a full one, and the generated files it did not rewrite are as that build left them."""

    def copy_file(self, dirty: bool = False) -> None:
        return None


def is_fast_page(src_uri: str) -> bool:
    section, _, name = src_uri.partition("/")
    return f"{section}/" in FAST_SECTIONS and name.endswith(".md") and "/" not in name and name != "index.md"


def is_fast_output(site_path: str) -> bool:
    """A built page the fast path writes (papers/<id>/index.html, tags/<slug>/index.html, ...)."""
    parts = site_path.split("/")
    return len(parts) == 3 and f"{parts[0]}/" in FAST_SECTIONS and parts[2] == "index.html"


class FastPagesPlugin(BasePlugin):
    """Registered by the build on the loaded config (not in mkdocs.yml, which stays a plain theme config).

    The fast pages have no Markdown source; the pages MkDocs renders link to some of them, so those (`linked`: their
    src URIs, `papers/<id>.md`, under the docs folder `source`) are added as files MkDocs can check and resolve links
    to but never reads or writes."""

    def __init__(self, linked: Iterable[str] = (), source: str = "", templates: TemplateCache | None = None,
                 copy_only: Iterable[str] | None = None) -> None:
        self.linked = sorted(linked)
        self.source = source
        self.templates = templates
        # None: copy every static file (a full build); else only these (src URIs): an incremental build's rewritten ones
        self.copy_only = None if copy_only is None else frozenset(copy_only)

    def on_files(self, files: Files, config) -> Files:
        out = [file for file in files if not is_fast_page(file.src_uri)]
        if self.copy_only is not None:
            for file in out:
                if not file.is_documentation_page() and file.src_uri not in self.copy_only:
                    file.__class__ = _PublishedAsset  # the same file, minus the copy
        for uri in self.linked:
            out.append(_PrebuiltPage(uri, self.source, config["site_dir"], config["use_directory_urls"],
                                     dest_uri=f"{uri[:-3]}/index.html"))
        return Files(out)

    def on_env(self, env, config, files):
        # MkDocs makes a new Jinja environment every build; keeping the compiled theme templates between the builds
        # of one process (the preview server's, in its kept state) spares compiling them again (BENCHMARKS.md).
        if self.templates is not None:
            env.bytecode_cache = self.templates
        return env


class TemplateCache(jinja2.BytecodeCache):
    """The theme's compiled templates, keyed by each template's source checksum: kept between builds."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_MD_LINK = re.compile(r"\]\(<?([^)>#\s]+\.md)(?:#[^)>\s]*)?>?\)")


def linked_fast_pages(pages: dict[str, str]) -> set[str]:
    """The fast pages (src URIs) that the Markdown `pages` ({src URI: text}) link to."""
    linked = set()
    for uri, text in pages.items():
        folder = posixpath.dirname(uri)
        for target in _MD_LINK.findall(text):
            resolved = posixpath.normpath(posixpath.join(folder, target))
            if is_fast_page(resolved):
                linked.add(resolved)
    return linked


def minify(text: str) -> str:
    """Drop the theme's indentation (the shell has no <pre>): about a fifth of every page."""
    return _INDENT_RE.sub("\n", text)


def split_shell(shell_html: str) -> list[str]:
    """The shell cut at its placeholders: text, mark, text, mark, ... (marks kept to know what to put in)."""
    shell_html = shell_html.replace(f"<p>{BODY_MARK}</p>", BODY_MARK)
    # The heading keeps the shell's id: the theme's "skip to content" link points at it.
    shell_html = shell_html.replace("_shell/paper/", PATH_MARK)
    return re.split(r"(@@PD-[A-Z]+@@)", minify(shell_html))


def fill(parts: list[str], page) -> str:
    """The page's HTML: the shell with a `pages.common.ShellPage`'s fields put in (text fields escaped); a redirect page is
    a page of its own, without the theme."""
    if getattr(page, "redirect", ""):
        return redirect_html(page)
    values = {
        TITLE_MARK: html.escape(page.title),
        DESCRIPTION_MARK: html.escape(page.description),
        RSS_MARK: page.rss,
        RSS_TITLE_MARK: html.escape(page.rss_title),
        BODY_MARK: page.body,
        PATH_MARK: page.path,
    }
    return "".join(values.get(part, part) for part in parts)


def redirect_html(page) -> str:
    """A standalone page sending the visitor (and search engines, by its canonical link) to `page.redirect` (a
    `pages.common.ShellPage`'s): what the mkdocs-redirects plugin writes, made here because the redirects come from
    topics.yml, not mkdocs.yml, and these pages are written by the fast path anyway."""
    url = html.escape(page.redirect)
    title = html.escape(page.title)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<link rel="canonical" href="{url}">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        '<meta name="robots" content="noindex">\n'
        f"<script>location.replace({json.dumps(page.redirect)} + location.hash)</script>\n"
        "</head>\n<body>\n"
        f'<p>This topic is now <a href="{url}">{title}</a>.</p>\n'
        "</body>\n</html>\n"
    )


def read_shell(site_dir: Path) -> list[str]:
    """The shell MkDocs rendered, cut at its placeholders; the shell's own page is removed from the site."""
    shell_path = site_dir / SHELL_OUTPUT
    parts = split_shell(shell_path.read_text(encoding="utf-8"))
    store.remove_tree(shell_path.parent.parent)
    return parts


def write_pages(parts: list[str], pages: Iterable, write) -> list[str]:
    """`write(rel, html)` for each page's <path>index.html; returns the paths `write` did not skip (by returning
    False: an unchanged file)."""
    written = []
    for page in pages:
        rel = f"{page.path}index.html"
        if write(rel, fill(parts, page)) is not False:
            written.append(rel)
    return written


def rewrite_sitemap(site_dir: Path, site_url: str, page_paths: Iterable[str], lastmod: str, mtime: int) -> None:
    """The sitemap MkDocs wrote, without the shell and with every fast page, sorted; gzip stamped with `mtime`."""
    sitemap = site_dir / "sitemap.xml"
    if not sitemap.exists():
        return
    root = ET.fromstring(sitemap.read_bytes())
    locs = {loc.text for loc in root.iter(f"{{{_SITEMAP_NS}}}loc") if loc.text and "/_shell/" not in loc.text}
    base = site_url if site_url.endswith("/") else site_url + "/"
    locs.update(base + path[: -len("index.html")] for path in page_paths)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{_SITEMAP_NS}">']
    for loc in sorted(locs):
        lines.append(f"    <url>\n         <loc>{html.escape(loc)}</loc>\n         <lastmod>{lastmod}</lastmod>\n    </url>")
    lines.append("</urlset>")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    store.write_private(sitemap, data)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="sitemap.xml", mode="wb", fileobj=buffer, mtime=mtime) as handle:
        handle.write(data)
    store.write_private(site_dir / "sitemap.xml.gz", buffer.getvalue())
