"""The README's screenshots: the home page and a paper page of the bundled site, at 1280x800 in Chromium.

    .venv/bin/python bench/screenshots.py                 # builds the bundled dumps into a temporary folder
    .venv/bin/python bench/screenshots.py --site site/    # an already built site

Writes docs/screenshots/home.png (the first screen, what a visitor sees before scrolling) and docs/screenshots/paper.png
(one screen of a paper page from the end of its abstract: its links, digests and related papers). The paper is a dated
one with two related papers or more and the shortest abstract.
Needs Debian's chromium (or CHROMIUM_PATH), like the browser tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from browser import BROWSER_ARGS, serve_directory  # noqa: E402
from page_weight import build_bundled  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
OUT = ROOT / "docs" / "screenshots"


def paper_to_show(site: Path) -> str:
    """Of the dated papers with two related papers or more, the one with the shortest abstract (its related papers then fit on the
    first screen), ties by id."""
    records = json.loads((site / "api" / "papers.json").read_text(encoding="utf-8"))
    records = [r for r in records if r["first_seen"]] or records
    most = min(2, max(len(r["related"]) for r in records))

    def size(record: dict) -> int:
        page = (site / "papers" / record["id"] / "index.html").read_text(encoding="utf-8")
        return len(page.split('class="pd-meta"', 1)[-1].split('<h2 id="links"', 1)[0])  # the abstract, mostly

    best = min((r for r in records if len(r["related"]) >= most), key=lambda r: (size(r), r["id"]))
    return f"papers/{best['id']}/"


def take(site: Path, out: Path = OUT) -> list[Path]:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    out.mkdir(parents=True, exist_ok=True)
    shots = [("home.png", ""), ("paper.png", paper_to_show(site))]
    written = []
    with serve_directory(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            for name, path in shots:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                if name == "paper.png":  # abstracts fill the first screen: show the end of it and what follows
                    page.evaluate("window.scrollTo(0, document.getElementById('links').offsetTop - 260)")
                target = out / name
                page.screenshot(path=str(target), full_page=False, animations="disabled", caret="hide")
                written.append(target)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site folder (default: build the bundled dumps)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build_bundled(Path(tmp))
        for path in take(site):
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
