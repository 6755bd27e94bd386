""""Papers like this": what a pasted text downloads, how long it takes, and whether the browser ranks as the build does.

    .venv/bin/python bench/bench_similar.py                                  # the bundled dumps
    .venv/bin/python bench/bench_similar.py --archive 50000 --sample 100     # a synthetic archive (bench/make_archive.py)
    .venv/bin/python bench/bench_similar.py --dumps DIR --browser 10

The related papers' vectors are fitted (`RelatedIndex.build`, as the build does) and the index written
(`generator/similar_index.py build_files`, with the search index's card files it names) into a scratch folder with a
page holding the search page's "papers like this" form and `site_src/assets/similar.js`. For each sampled paper two
texts: its own abstract, and a 250-word text (its abstract continued by the next paper's, by id, cut at 250 words:
two subjects, more distinct terms than one abstract). Reported:
  download   each text as a first visit (nothing loaded): the files similar.js loads (manifest, norms, term shards,
             the cards of its ten results), in KB raw and gzipped (level 6, as a static host serves JSON)
  agreement  the browser's top 5 (similar.js under node) against the build's own scoring (`SimilarModel.nearest`),
             same papers in the same order, and for own abstracts whether the paper itself comes first
  time       node: query to results over files on disk; Chromium (--browser N texts): click to the list of results
             in the DOM, a fresh context (empty cache) per text, served on 127.0.0.1 without compression
Table to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import BROWSER_ARGS, log, serve  # noqa: E402
from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.related import RelatedIndex  # noqa: E402
from generator.search import card_files, document_order  # noqa: E402
from generator.similar_index import SimilarModel, build_files  # noqa: E402

WORDS = 250
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>
<div id="pd-similar"></div>
<script src="assets/similar.js"></script>
<script>
  window.shown = 0; window.clicked = 0;
  document.addEventListener("submit", () => { window.clicked = performance.now(); }, true);
  document.getElementById("pd-similar").addEventListener("pd-similar-shown", () => { window.shown = performance.now(); });
</script></body></html>
"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def sizes(folder: Path, names: list[str]) -> dict[str, tuple[int, int]]:
    """(raw, gzipped) bytes of the files a query loaded, by kind."""
    out: dict[str, list[int]] = {}
    for name in names:
        data = (folder / name).read_bytes()
        kind = ("manifest" if name.endswith("manifest.json") else "norms" if name.endswith("norms.json")
                else "cards" if name.startswith("cards/") else "shards")
        total = out.setdefault(kind, [0, 0])
        total[0] += len(data)
        total[1] += len(gzip.compress(data, 6))
    return {k: (v[0], v[1]) for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=Path, default=ROOT / "dumps")
    parser.add_argument("--archive", type=int, default=0, help="papers of a synthetic archive instead of --dumps")
    parser.add_argument("--sample", type=int, default=100, help="papers whose texts are queried")
    parser.add_argument("--browser", type=int, default=10, help="250-word texts also timed in Chromium")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.archive:
        from bench_pipeline import archive_for
        args.dumps = archive_for(args.archive, 0)
    papers = sorted(build_catalog(read_dumps([args.dumps])[0])[0].papers, key=lambda p: p.id)
    log(f"{len(papers)} papers: fitting the related papers' vectors ...")
    start = time.perf_counter()
    related_index, _ = RelatedIndex.build(papers)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    model = SimilarModel.from_related(related_index, papers)
    files = build_files(model, papers)
    build_s = time.perf_counter() - start
    rng = random.Random(args.seed)
    picked = sorted(rng.sample(range(len(papers)), min(args.sample, len(papers))))
    own = [papers[i].abstract for i in picked]
    long = [" ".join((papers[i].abstract.split() + papers[(i + 1) % len(papers)].abstract.split())[:WORDS]) for i in picked]

    with tempfile.TemporaryDirectory(prefix="bench-similar-") as name:
        tmp = Path(name)
        index = tmp / "search-index"
        for file, text in [*files.items(), *card_files(document_order(papers))]:
            (index / file).parent.mkdir(parents=True, exist_ok=True)
            (index / file).write_text(text, encoding="utf-8")
        index_bytes = sum(len(t.encode()) for t in files.values())
        log(f"index: {len(files)} files, {index_bytes / 1e6:.1f} MB; fit {fit_s:.1f} s, index {build_s:.1f} s; querying ...")
        requests = tmp / "requests.json"
        requests.write_text(json.dumps({"index": str(index), "queries": own + long, "cold": True}), encoding="utf-8")
        proc = subprocess.run(["node", str(ROOT / "tests/js/similar_run.mjs"), str(ROOT / "site_src/assets/similar.js"),
                               str(requests)], capture_output=True, text=True, check=True)
        answers = json.loads(proc.stdout)["answers"]
        rows = {}
        for label, texts, found in (("own abstract", own, answers[:len(own)]), (f"{WORDS}-word text", long, answers[len(own):])):
            same = sum(1 for text, a in zip(texts, found) if a["ids"][:5] == [pid for pid, _ in model.nearest(text, 5)])
            first = sum(1 for i, a in zip(picked, found) if a["ids"][:1] == [papers[i].id])
            by_kind = [sizes(index, a["files"]) for a in found]
            raw = [sum(v[0] for v in k.values()) for k in by_kind]
            packed = [sum(v[1] for v in k.values()) for k in by_kind]
            kinds = {kind: statistics.median(k.get(kind, (0, 0))[0] for k in by_kind) for kind in ("manifest", "norms", "shards", "cards")}
            words = statistics.median(len(t.split()) for t in texts)
            terms = statistics.median(len(a["terms"]) for a in found)
            rows[label] = (words, terms, raw, packed, kinds, same, first, [a["ms"] for a in found], len(found),
                           statistics.median(len(a["files"]) for a in found))

        browser_ms = []
        if args.browser:
            (tmp / "assets").mkdir()
            shutil.copy(ROOT / "site_src/assets/similar.js", tmp / "assets/similar.js")
            (tmp / "index.html").write_text(PAGE, encoding="utf-8")
            server = serve(tmp)
            from playwright.sync_api import sync_playwright
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
                    for text in long[: args.browser]:
                        context = browser.new_context()
                        page = context.new_page()
                        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
                        page.locator("textarea").fill(text)
                        page.locator("button").click()
                        page.wait_for_function("() => window.shown > 0", timeout=60000)
                        browser_ms.append(page.evaluate("window.shown - window.clicked"))
                        context.close()
                        log(f"  Chromium: {browser_ms[-1]:.0f} ms")
                    browser.close()
            finally:
                server.shutdown()
                server.server_close()

    print(f"{len(papers)} papers from {args.dumps}; index {len(files)} files, {index_bytes / 1e6:.1f} MB raw; "
          f"fit (RelatedIndex.build) {fit_s:.1f} s, index (build_files) {build_s:.1f} s")
    print("\n| text | texts | words | vocabulary terms | files | KB raw: median / max | KB gzipped: median / max "
          "| raw KB: manifest / norms / shards / cards | top 5 as the build | itself first | node ms: median / max |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for label, (words, terms, raw, packed, kinds, same, first, ms, n, nfiles) in rows.items():
        kinds_text = " / ".join(f"{kinds[k] / 1e3:.0f}" for k in ("manifest", "norms", "shards", "cards"))
        print(f"| {label} | {n} | {words:.0f} | {terms:.0f} | {nfiles:.0f} | {statistics.median(raw) / 1e3:.0f} / "
              f"{max(raw) / 1e3:.0f} | {statistics.median(packed) / 1e3:.0f} / {max(packed) / 1e3:.0f} | {kinds_text} | "
              f"{same}/{n} | {first}/{n} | {statistics.median(ms):.0f} / {max(ms):.0f} |")
    if browser_ms:
        print(f"\nChromium, {WORDS}-word texts, click to results, empty cache: median {statistics.median(browser_ms):.0f} ms, "
              f"p90 {pct(browser_ms, 0.9):.0f} ms, max {max(browser_ms):.0f} ms ({len(browser_ms)} texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
