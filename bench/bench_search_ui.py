"""How fast does the header box show results as a visitor types? Cold cache and per keystroke, in Chromium.

    .venv/bin/python bench/bench_search_ui.py                       # the bundled dumps
    .venv/bin/python bench/bench_search_ui.py --archive 10000       # a synthetic archive (bench/make_archive.py)

The index (generator.search.build_index over the catalog), site_src/assets/search.js and a page holding the header's
search form are served on 127.0.0.1 by a threaded static server (no compression, no cache headers). For each sampled
paper, a new browser context (empty cache) opens the page, clicks the box and types a query made of two of its title
words, one key every --delay ms, as a visitor does. Latency of a keystroke: from its input event to the moment the
list showing that query's results is in the DOM (search.js's `pd-search-shown` event). Reported:
  cold   the first keystroke that shows results (the third letter: shorter words wait for more), in a fresh context:
         the manifest, the term shards and the result cards all come over the loopback connection
  warm   every later keystroke that shows results, split by whether it had to download a file (a new word's shard,
         new result cards) or found everything loaded
Goals (issue 16): cold <= 300 ms, warm <= 50 ms. Also: how many shown lists were older than one already shown (must
be 0: a list is only ever replaced by a newer one). Table to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench_search import BROWSER_ARGS, log, serve, words  # noqa: E402
from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.search import STOP_WORDS, build_index  # noqa: E402

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>
<form class="pd-search-form" action="search/" method="get" role="search">
<input class="pd-search-form__input" type="search" name="q" aria-label="Search papers" autocomplete="off"></form>
<script src="assets/search.js"></script>
<script>
  window.typed = new Map(); window.lat = []; window.order = [];
  const box = document.querySelector("input");
  const files = () => performance.getEntriesByType("resource").length;
  box.addEventListener("input", (e) => typed.set(box.value, [e.timeStamp, files()]));
  box.addEventListener("pd-search-shown", (e) => {
    const [at, before] = typed.get(e.detail.query);
    order.push(e.detail.query);
    lat.push([e.detail.query, performance.now() - at, files() > before]);
  });
</script></body></html>
"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=Path, default=ROOT / "dumps")
    parser.add_argument("--archive", type=int, default=0, help="papers of a synthetic archive instead of --dumps")
    parser.add_argument("--sample", type=int, default=20, help="papers (fresh contexts) to type queries from")
    parser.add_argument("--delay", type=int, default=150, help="ms between keys")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.archive:
        from bench_pipeline import archive_for
        args.dumps = archive_for(args.archive, 0)
    papers = build_catalog(read_dumps([args.dumps])[0])[0].papers
    rng = random.Random(args.seed)
    queries = []
    for paper in rng.sample(list(papers), min(args.sample, len(papers))):
        title = [w for w in words(paper.title) if w not in STOP_WORDS and len(w) > 2]
        if len(title) >= 2:
            queries.append(" ".join(rng.sample(title, 2)))
    with tempfile.TemporaryDirectory(prefix="bench-search-ui-") as name:
        tmp = Path(name)
        log(f"{len(papers)} papers: indexing ...")
        for file, text in build_index(papers).items():
            (tmp / "search-index" / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp / "search-index" / file).write_text(text, encoding="utf-8")
        (tmp / "assets").mkdir()
        shutil.copy(ROOT / "site_src" / "assets" / "search.js", tmp / "assets" / "search.js")
        (tmp / "index.html").write_text(PAGE, encoding="utf-8")
        server = serve(tmp)
        cold, warm, fetched, stale = [], [], [], 0
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
                for i, query in enumerate(queries):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
                    box = page.locator("input")
                    box.click()
                    box.press_sequentially(query, delay=args.delay)
                    page.wait_for_function("(q) => order.includes(q)", arg=query, timeout=10000)
                    latencies, order = page.evaluate("[lat, order]")
                    stale += sum(1 for a, b in zip(order, order[1:]) if len(b) <= len(a))
                    cold.append(latencies[0][1])
                    warm += [ms for _, ms, downloaded in latencies[1:] if not downloaded]
                    fetched += [ms for _, ms, downloaded in latencies[1:] if downloaded]
                    context.close()
                    log(f"  {i + 1}/{len(queries)} {query!r}: first results in {latencies[0][1]:.0f} ms")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    print(f"{len(papers)} papers from {args.dumps}; {len(queries)} two-word queries typed at one key per {args.delay} ms")
    print("| keystrokes | count | median ms | p90 ms | max ms | goal |\n|---|---:|---:|---:|---:|---|")
    for label, values, goal in (("cold (first results, empty cache)", cold, "≤ 300"),
                                ("warm, everything loaded", warm, "≤ 50"),
                                ("warm, a file downloaded", fetched, "≤ 300")):
        if values:
            print(f"| {label} | {len(values)} | {statistics.median(values):.0f} | {pct(values, 0.9):.0f} | {max(values):.0f} | {goal} |")
    print(f"\nshown lists older than one shown before them: {stale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
