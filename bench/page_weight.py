"""How much a visitor downloads for the home page, the largest topic page and the largest paper page, gzipped.

    .venv/bin/python bench/page_weight.py                 # builds the bundled dumps into a temporary folder
    .venv/bin/python bench/page_weight.py --site site/    # an already built site

For each page: the HTML document, and the document with the site's own stylesheets and scripts it loads (what a
first visit fetches; fonts and images aside), each gzipped at level 6 as a static host serves them. The limit
(issue 15) is on the document: `LIMIT` bytes gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 100 * 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        if tag == "link" and named.get("rel") == "stylesheet" and named.get("href"):
            self.found.append(named["href"])
        elif tag == "script" and named.get("src"):
            self.found.append(named["src"])


def assets(site: Path, page: Path) -> list[Path]:
    """The site's own stylesheets and scripts `page` loads (another host's are not the site's weight)."""
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    out = []
    for link in parser.found:
        url = urldefrag(link)[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            continue
        target = (page.parent / parts.path).resolve()
        if target.is_file() and site.resolve() in target.parents:
            out.append(target)
    return out


def chosen_pages(site: Path) -> dict[str, Path]:
    """Home, the largest topic page and the largest paper page (by bytes): the heaviest of each kind."""
    def largest(pattern: str) -> Path:
        return max(site.glob(pattern), key=lambda p: (p.stat().st_size, p.as_posix()))

    return {"home": site / "index.html", "topic": largest("tags/*/index.html"), "paper": largest("papers/*/index.html")}


def weights(site: Path) -> dict[str, tuple[Path, int, int]]:
    """Page kind -> (page, document gzipped, document and its assets gzipped)."""
    out = {}
    for kind, page in chosen_pages(site).items():
        document = gzipped(page.read_bytes())
        out[kind] = (page, document, document + sum(gzipped(a.read_bytes()) for a in assets(site, page)))
    return out


def build_bundled(into: Path) -> Path:
    site = into / "site"
    subprocess.run([sys.executable, "-m", "generator", "build", "--quiet", "--site-dir", str(site)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site folder (default: build the bundled dumps)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_bundled(Path(tmp))
        rows = weights(site)
        print(f"{'page':6} {'document KB':>12} {'with assets KB':>15}  path")
        over = False
        for kind, (page, document, total) in rows.items():
            over |= document > LIMIT
            print(f"{kind:6} {document / 1024:12.1f} {total / 1024:15.1f}  {page.relative_to(site).as_posix()}")
        print(f"limit: {LIMIT / 1024:.0f} KB gzipped per document" + (" (exceeded)" if over else ""))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
