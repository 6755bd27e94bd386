"""Print papers per second for parsing and merging the bundled dumps (or DUMPS given as arguments), and the time to
merge one paper seen twice with many authors (merging is linear in the number of authors), and the time to clean
hostile abstracts and pages (every cleaning step is linear: a URL followed by 200,000 `)` took 40 s, 20,000 backticks
1.3 s; reading cards is linear in the page: a card of 20,000 nested divs took 139 s).

usage: python bench/bench_ingest.py [PATH ...] [--repeat N] [--authors N] [--hostile N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.model import Dump, Paper  # noqa: E402
from generator.readers.base import make_paper  # noqa: E402
from generator.validate import read_valid_dump  # noqa: E402

HOSTILE = {  # abstracts made of one repeated piece, n characters long
    "closing brackets after a URL": ("http://a", ")"), "backticks": ("", "``"), "unclosed quotes": ("", "``a"),
    "URL schemes": ("", "http://"), "\\url{": ("", "\\url{"), "\\href{": ("", "\\href{"), "{\\em": ("", "{\\em "),
    "accents": ("", "\\'"), "tildes": ("", "x~"), "macros": ("", "\\abc"), "braced URLs": ("", "http://a{"),
    "a mix": ("", "``x \\href{http://a{b} ~ \\emph{"),
}
CARD = '<article><h3><a href="/papers/2503.00001">T</a></h3><p>A.</p>{}</article>'
HOSTILE_PAGES = {  # saved pages of about n characters
    "nested divs in a card": lambda n: CARD.format("<div>" * (n // 11) + "</div>" * (n // 11)),
    "cards nested in cards": lambda n: '<article><h3><a href="/papers/2503.00001">T</a></h3>' * (n // 43),
    "many cards": lambda n: (CARD.format("<span>3</span>")) * (n // 80),
    "flat divs in a card": lambda n: CARD.format("<div><span>x</span></div>" * (n // 25)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(Path(__file__).resolve().parent.parent / "dumps")])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--authors", type=int, default=450_000, help="authors of the paper merged from two sightings")
    parser.add_argument("--hostile", type=int, default=200_000, help="characters of each hostile abstract")
    args = parser.parse_args()
    parse_times, merge_times = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        dumps, _ = read_dumps(args.paths)
        parsed = time.perf_counter()
        catalog, _ = build_catalog(dumps)
        merged = time.perf_counter()
        parse_times.append(parsed - start)
        merge_times.append(merged - parsed)
    entries = sum(d.entries for d in dumps)
    parse, merge = min(parse_times), min(merge_times)
    print(f"dumps: {len(dumps)}  entries: {entries}  distinct papers: {len(catalog.papers)}  (best of {args.repeat})")
    print(f"parse: {parse * 1000:8.1f} ms  {entries / parse:10.0f} entries/s")
    print(f"merge: {merge * 1000:8.1f} ms  {entries / merge:10.0f} entries/s")
    print(f"total: {(parse + merge) * 1000:8.1f} ms")
    # Issue 11: one upload of 450,000 authors kept the builder busy 150 s when merging was quadratic. Validation now
    # quarantines a paper of more than 5,000 authors, so this goes past it, straight to the catalog.
    names = tuple(f"Author Number {i}" for i in range(args.authors))
    sightings = [Dump(f"{day}.json", "json", (Paper(title="Many Authors", abstract="A.", authors=names[offset::2] + names),),
                      day=f"2025-03-{day}", content_hash=str(day) * 64) for day, offset in ((11, 0), (12, 1))]
    start = time.perf_counter()
    catalog, _ = build_catalog(sightings)
    seconds = time.perf_counter() - start
    print(f"authors: {len(catalog.papers[0].authors):,} merged from two sightings of {len(sightings[0].papers[0].authors):,}"
          f" and {len(sightings[1].papers[0].authors):,} in {seconds:.2f} s")
    worst = ("", 0.0)
    for name, (head, piece) in HOSTILE.items():
        abstract = head + piece * (args.hostile // len(piece))
        start = time.perf_counter()
        make_paper("A title", abstract)
        worst = max(worst, (name, time.perf_counter() - start), key=lambda item: item[1])
    print(f"hostile abstracts of {args.hostile:,} characters: slowest {worst[0]!r} cleaned in {worst[1]:.3f} s")
    worst = ("", 0.0)
    for name, page in HOSTILE_PAGES.items():
        data = f"<html><body>{page(args.hostile * 10)}</body></html>".encode()
        start = time.perf_counter()
        read_valid_dump("hostile.html", data)
        worst = max(worst, (name, time.perf_counter() - start), key=lambda item: item[1])
    print(f"hostile pages of {args.hostile * 10:,} characters: slowest {worst[0]!r} read in {worst[1]:.2f} s")


if __name__ == "__main__":
    main()
