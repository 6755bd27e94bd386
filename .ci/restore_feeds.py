#!/usr/bin/env python3
"""Restore the feeds of the live site into the local site dir before a build.

The build refuses to publish a feed that would lose more than half of its
items compared with the feed already at ``<site-dir>/feeds/<name>`` (unless
``--allow-shrink``).  A fresh CI checkout has no ``site/``, so the deploy
workflow first puts the currently published feeds there:

    python .ci/restore_feeds.py --site-url https://owner.github.io/repo --site-dir site

It downloads ``<site-url>/feeds/topics.opml``, ``<site-url>/feeds/all.xml``,
every ``xmlUrl`` of the OPML that lies under ``<site-url>/feeds/`` (anything
else, another host in particular, is ignored) and the ``.atom`` twin of every
``.xml`` feed.  Each file is written atomically and only if it parses as the
XML document it should be (OPML, RSS or Atom), so a broken download never
leaves garbage behind.

With ``--ids`` it also downloads ``<site-url>/api/ids.json``, the id map the
site published, into ``<site-dir>/api/ids.json``: a runner's own
``dumps/ids.json`` is never committed back, and the build reads this copy so
that no id a deployment published moves later.

This is a best-effort step and always exits 0: a missing OPML (404: nothing
deployed yet) prints one line; any other failure prints a one-line warning
per file.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

OPML_NAME = "topics.opml"
ALL_FEED = "all.xml"
MAX_BYTES = 32 * 1024 * 1024  # far above any real feed; guards against a runaway body
USER_AGENT = "paper-digest-restore-feeds/1"

# Root elements (local names) we accept for each kind of file.
FEED_ROOTS = {"rss", "feed", "RDF"}
OPML_ROOTS = {"opml"}


class FetchError(Exception):
    """A download failed for a reason other than 404."""


class NotFound(Exception):
    """The server answered 404 (or 410)."""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only when they stay on the same host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old = urllib.parse.urlsplit(req.full_url)
        new = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        same_host = (new.hostname or "").lower() == (old.hostname or "").lower()
        if new.scheme.lower() not in ("http", "https") or not same_host:
            raise FetchError(f"{req.full_url}: refusing redirect to another host ({new.geturl()})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


_OPENER = urllib.request.build_opener(_SameHostRedirects())


def fetch(url: str, timeout: float, retries: int) -> bytes:
    """GET url and return the body; NotFound on 404/410, FetchError otherwise."""
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(2.0 * attempt, 5.0))
        req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                body = resp.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise FetchError(f"{url}: body larger than {MAX_BYTES} bytes")
            return body
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise NotFound(url) from None
            last = FetchError(f"{url}: HTTP {exc.code}")
            if exc.code < 500 and exc.code != 429:
                break  # a client error will not get better by asking again
        except FetchError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            last = FetchError(f"{url}: {reason}")
    assert last is not None
    raise last


def parse_root(body: bytes, accepted: set[str]) -> ET.Element | None:
    """The parsed root if body is well-formed XML with an accepted root element."""
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    local = root.tag.rsplit("}", 1)[-1]
    return root if local in accepted else None


def feed_relpath(url: str, feeds_base: str) -> str | None:
    """The path of url relative to feeds_base, or None if it lies elsewhere.

    Both are absolute URLs; feeds_base ends with '/'.  The path is normalised
    first, so '..' cannot climb out of the feeds folder; query and fragment
    are dropped.
    """
    base = urllib.parse.urlsplit(feeds_base)
    target = urllib.parse.urlsplit(url)
    if target.scheme.lower() not in ("http", "https"):
        return None
    if target.scheme.lower() != base.scheme.lower():
        return None
    if (target.hostname or "").lower() != (base.hostname or "").lower():
        return None
    if (target.port or _default_port(target.scheme.lower())) != (base.port or _default_port(base.scheme.lower())):
        return None
    path = urllib.parse.unquote(target.path)
    if "\\" in path or "\x00" in path:
        return None
    norm = posixpath.normpath(path)
    base_path = urllib.parse.unquote(base.path)
    if not norm.startswith(base_path):
        return None
    rel = norm[len(base_path):]
    if not rel or rel.startswith("/") or rel.endswith("/"):
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    return rel


def write_atomic(dest: Path, body: bytes) -> None:
    """Write body to dest via a temp file in the same folder and os.replace."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def restore(site_url: str, site_dir: Path, timeout: float = 30.0, retries: int = 1, log=print) -> int:
    """Restore the live feeds; returns the number of files written."""
    site_url = site_url.strip()
    scheme = urllib.parse.urlsplit(site_url).scheme.lower()
    if scheme not in ("http", "https"):
        log(f"restore-feeds: warning: not an http(s) site URL: {site_url!r}; nothing restored")
        return 0
    feeds_base = site_url.rstrip("/") + "/feeds/"
    feeds_dir = site_dir / "feeds"
    opml_url = feeds_base + OPML_NAME

    try:
        opml_body = fetch(opml_url, timeout, retries)
    except NotFound:
        log(f"restore-feeds: no {opml_url} (404): nothing deployed yet, nothing to restore")
        return 0
    except FetchError as exc:
        log(f"restore-feeds: warning: could not download the OPML ({exc}); nothing restored")
        return 0

    opml_root = parse_root(opml_body, OPML_ROOTS)
    if opml_root is None:
        log(f"restore-feeds: warning: {opml_url} is not an OPML document; nothing restored")
        return 0

    # Which feeds to fetch: all.xml, every xmlUrl under feeds/, and the .atom twin of each .xml.
    wanted: dict[str, str] = {}  # relpath -> url
    wanted[ALL_FEED] = feeds_base + ALL_FEED
    skipped = 0
    for outline in opml_root.iter():
        if outline.tag.rsplit("}", 1)[-1] != "outline":
            continue
        xml_url = (outline.get("xmlUrl") or "").strip()
        if not xml_url:
            continue
        absolute = urllib.parse.urljoin(opml_url, xml_url)
        rel = feed_relpath(absolute, feeds_base)
        if rel is None:
            skipped += 1
            continue
        wanted.setdefault(rel, feeds_base + urllib.parse.quote(rel))
    for rel in list(wanted):
        if rel.endswith(".xml"):
            twin = rel[: -len(".xml")] + ".atom"
            wanted.setdefault(twin, feeds_base + urllib.parse.quote(twin))
    if skipped:
        log(f"restore-feeds: ignored {skipped} xmlUrl(s) outside {feeds_base}")

    # Download and check everything first, then write: a failure never leaves a partial file.
    good: dict[str, bytes] = {OPML_NAME: opml_body}
    for rel, url in sorted(wanted.items()):
        try:
            body = fetch(url, timeout, retries)
        except NotFound:
            if not rel.endswith(".atom"):
                log(f"restore-feeds: {url} not found (404); skipped")
            continue
        except FetchError as exc:
            log(f"restore-feeds: warning: {exc}; skipped")
            continue
        if parse_root(body, FEED_ROOTS) is None:
            log(f"restore-feeds: warning: {url} is not an RSS/Atom document; skipped")
            continue
        good[rel] = body

    written = 0
    for rel, body in good.items():
        try:
            write_atomic(feeds_dir / rel, body)
            written += 1
        except OSError as exc:
            log(f"restore-feeds: warning: could not write {feeds_dir / rel}: {exc}")
    log(f"restore-feeds: restored {written} file(s) from {feeds_base} into {feeds_dir}")
    return written


IDS_PATH = "api/ids.json"  # the published id map (generator/urls.py IDS_JSON)


def restore_ids(site_url: str, site_dir: Path, timeout: float = 30.0, retries: int = 1, log=print) -> bool:
    """Put the live site's published id map at <site-dir>/api/ids.json, where the build reads it besides
    dumps/ids.json: the ids earlier deployments published but never committed back stay where they are. Written
    only if it is the JSON object the build writes (the build checks every entry again); returns whether it was."""
    site_url = site_url.strip()
    if urllib.parse.urlsplit(site_url).scheme.lower() not in ("http", "https"):
        log(f"restore-feeds: warning: not an http(s) site URL: {site_url!r}; id map not restored")
        return False
    url = site_url.rstrip("/") + "/" + IDS_PATH
    try:
        body = fetch(url, timeout, retries)
    except NotFound:
        log(f"restore-feeds: no {url} (404): no id map published yet")
        return False
    except FetchError as exc:
        log(f"restore-feeds: warning: could not download the id map ({exc}); not restored")
        return False
    try:
        data = json.loads(body.decode("utf-8"))
        ok = isinstance(data, dict) and data.get("version") == 1 and isinstance(data.get("ids"), dict)
    except (ValueError, RecursionError):
        ok = False
    if not ok:
        log(f"restore-feeds: warning: {url} is not a published id map; not restored")
        return False
    try:
        write_atomic(site_dir / IDS_PATH, body)
    except OSError as exc:
        log(f"restore-feeds: warning: could not write {site_dir / IDS_PATH}: {exc}")
        return False
    log(f"restore-feeds: restored the id map ({len(data['ids'])} ids) into {site_dir / IDS_PATH}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--site-url", required=True, help="base URL of the deployed site")
    parser.add_argument("--site-dir", default="site", type=Path, help="local site folder (default: site)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default: 30)")
    parser.add_argument("--retries", type=int, default=1, help="retries after a network error or 5xx (default: 1)")
    parser.add_argument("--ids", action="store_true", help=f"also restore the published id map ({IDS_PATH})")
    args = parser.parse_args(argv)
    try:
        restore(args.site_url, args.site_dir, timeout=args.timeout, retries=max(0, args.retries))
    except Exception as exc:  # best effort: never fail the build from here
        print(f"restore-feeds: warning: {type(exc).__name__}: {exc}; feeds not (fully) restored")
    if args.ids:
        try:
            restore_ids(args.site_url, args.site_dir, timeout=args.timeout, retries=max(0, args.retries))
        except Exception as exc:  # best effort, as above: the committed dumps/ids.json is still there
            print(f"restore-feeds: warning: {type(exc).__name__}: {exc}; id map not restored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
