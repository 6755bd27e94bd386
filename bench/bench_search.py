"""Does the site's search (generator/search.py, queried by site_src/assets/search.js) put the paper a query came from
first, and find what Pagefind finds?

    .venv/bin/python bench/bench_search.py                          # queries from every bundled paper, seed 0
    .venv/bin/python bench/bench_search.py --sample 100 --seed 1
    .venv/bin/python bench/bench_search.py --archive 10000 --sample 400   # a synthetic archive (bench/make_archive.py)

Both indexes are built in a temporary folder from the catalog of the bundled dumps (dumps/): Pagefind over one small
HTML page per paper (title, authors, abstract), as the build made them before the new search replaced it (the topic
pages it also indexed are left out), and generator.search.build_index. The folder is served on 127.0.0.1 and both
engines run in Chromium through their own JavaScript (pagefind.js; PaperDigestSearch.Searcher). Queries, from each
sampled paper (random.Random(seed) picks the words):
  title    its whole title
  longest  its longest title word               two      a title word the new search keeps, plus any other title word
  author   its first author's last name         rare     its abstract's rarest word of 6+ letters (links left out)
  prefix   the first 4 letters of a title word of 6+ letters, as typed: no trailing space
  variant  a title word in its other number (models <-> model, study <-> studies) if the corpus has that form too
Every query is as typed into the header box, without a trailing space: its last word is still being typed.

Goals (issue 16): title -> the paper first in >= 99%; two -> in the top 3 in >= 90%; longest -> top 10 in >= 90%;
prefix -> top 10 no worse than Pagefind.

Per kind: how often each engine finds the paper the query came from (at all, first, in its top 3 and top 10), the mean
result count, the mean Jaccard overlap of the two result sets, how often they are identical, and the target finds only
one engine makes; then the queries whose result sets differ most, with the words behind the extra matches. Also the
wall time of Pagefind's indexing (a subprocess) and of build_index. Table to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.search import STOP_WORDS, TOKEN_RE, build_index, fold, terms  # noqa: E402

KINDS = ("title", "longest", "two", "author", "rare", "prefix", "variant")
URL_RE = re.compile(r"\S*(?:://|www\.)\S*")  # a link's parts are no words a reader searches for
BROWSER_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
PAGE = '<!doctype html><meta charset="utf-8"><script src="assets/search.js"></script>\n'
SETUP_JS = """async () => {
  globalThis.pf = await import("/pagefind/pagefind.js");
  await pf.init();
  globalThis.urls = new Map();  // Pagefind result id -> url: each data() call loads a fragment
  globalThis.ours = new PaperDigestSearch.Searcher(location.origin + "/search-index/", u => fetch(u).then(r => r.json()));
}"""
SEARCH_JS = """async (queries) => Promise.all(queries.map(async (q) => {
  const r = await pf.search(q);
  const pages = await Promise.all(r.results.map(async x => urls.get(x.id) || urls.set(x.id, (await x.data()).url).get(x.id)));
  const found = await ours.search(q);
  const cards = await ours.cards(found.docs);
  return [pages, cards.map(c => c.id)];
}))"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def search_page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main data-pagefind-body><h1>{title}</h1>{body}</main></body></html>\n")


def build_both(papers, tmp: Path) -> tuple[float, float]:
    """Pagefind's bundle in tmp/pagefind, ours in tmp/search-index (and search.js in tmp/assets): their wall times."""
    corpus = tmp / "corpus"
    for p in papers:
        authors = f"<p>{html.escape(', '.join(p.authors))}</p>" if p.authors else ""
        page = corpus / "papers" / p.id / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(search_page(html.escape(p.title), f"{authors}<p>{html.escape(p.abstract)}</p>"), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(corpus), "--output-path", str(tmp / "pagefind"),
                    "--quiet"], check=True)
    pagefind_s = time.perf_counter() - start
    start = time.perf_counter()
    files = build_index(papers)
    ours_s = time.perf_counter() - start
    for name, text in files.items():
        (tmp / "search-index" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "search-index" / name).write_text(text, encoding="utf-8")
    (tmp / "assets").mkdir()
    shutil.copy(ROOT / "site_src" / "assets" / "search.js", tmp / "assets" / "search.js")
    (tmp / "index.html").write_text(PAGE, encoding="utf-8")
    return pagefind_s, ours_s


def words(text: str) -> list[str]:
    return [w for w in TOKEN_RE.findall(fold(text)) if w.isalpha()]


def variant(word: str) -> str | None:
    """The other number of an English noun, by the commonest rules; None when no rule is safe."""
    if len(word) < 4 or word.endswith(("ss", "us", "is", "x", "z", "ch", "sh")):
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def make_queries(papers, sample, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, query, id of the paper it came from) for each sampled paper, each kind it has words for."""
    df = Counter(w for p in papers for w in set(words(URL_RE.sub(" ", p.abstract))))
    vocabulary = {w for p in papers for w in words(p.title)} | set(df)
    queries = []
    for p in sample:
        title = [w for w in words(p.title) if len(w) > 1]
        content = [w for w in title if w not in STOP_WORDS]
        pair = [rng.choice(content)] if content else []  # one word a search keeps, the other any other title word
        pair += [rng.choice(others)] if pair and (others := [w for w in title if w != pair[0]]) else []
        rare = sorted({w for w in words(URL_RE.sub(" ", p.abstract)) if len(w) > 5}, key=lambda w: (df[w], w))
        made = {
            "title": p.title,
            "longest": max(content, key=len, default=None),
            "two": " ".join(sorted(pair, key=title.index)) if len(pair) == 2 else None,
            "author": p.authors[0].split()[-1] if p.authors else None,
            "rare": rng.choice([w for w in rare if df[w] == df[rare[0]]]) if rare else None,
            "prefix": rng.choice(long)[:4] if (long := [w for w in content if len(w) >= 6]) else None,
            "variant": rng.choice(other) if (other := [v for w in content if (v := variant(w)) in vocabulary]) else None,
        }
        queries += [(kind, q, p.id) for kind, q in made.items() if q]
    return queries


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_queries(base: str, queries: list[str], batch: int) -> list[tuple[list[str], list[str]]]:
    """(Pagefind's paper ids, ours), each best first, for every query."""
    out = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.goto(base)
            page.evaluate(SETUP_JS)
            for start in range(0, len(queries), batch):
                for urls, ids in page.evaluate(SEARCH_JS, queries[start:start + batch]):
                    out.append(([unquote(re.fullmatch(r"/papers/([^/]+)/(?:index\.html)?", u)[1]) for u in urls], ids))
                if len(out) % 500 < batch or len(out) == len(queries):
                    log(f"  {len(out)}/{len(queries)} queries")
        finally:
            browser.close()
    return out


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def why(query: str, extra: set, text_words: dict) -> str:
    """The words most of the extra papers have that begin like a query word (its first 3 letters, 4 for a word over 4
    letters; the query's own words left out): what stemming or prefix matching made them match."""
    asked = TOKEN_RE.findall(fold(query))
    near = Counter(w for doc in extra for w in text_words[doc]
                   if w not in asked and any(w.startswith(q[:3 if len(q) <= 4 else 4]) for q in asked))
    return ", ".join(f"{w} ({n})" for w, n in near.most_common(3)) or "?"


def report(queries, results, papers, per_kind: int) -> None:
    header = ["kind", "queries", "PF found %", "ours found %", "PF first %", "ours first %", "PF top3 %", "ours top3 %",
              "PF top10 %", "ours top10 %", "PF results", "ours results", "mean Jaccard", "identical %",
              "found by PF only", "found by ours only"]
    print("| " + " | ".join(header) + " |\n|" + "|".join("---:" for _ in header) + "|")
    empty = []
    for kind in KINDS:
        rows = [(target, pf, ours) for (k, _, target), (pf, ours) in zip(queries, results) if k == kind]
        if not rows:
            empty.append(kind)
            print(f"| {kind} | 0 |" + " |" * (len(header) - 2))
            continue

        def pct(flags) -> str:
            return f"{100 * sum(flags) / len(rows):.1f}"
        print("| " + " | ".join([
            kind, str(len(rows)), pct(t in pf for t, pf, _ in rows), pct(t in ours for t, _, ours in rows),
            pct(t in pf[:1] for t, pf, _ in rows), pct(t in ours[:1] for t, _, ours in rows),
            pct(t in pf[:3] for t, pf, _ in rows), pct(t in ours[:3] for t, _, ours in rows),
            pct(t in pf[:10] for t, pf, _ in rows), pct(t in ours[:10] for t, _, ours in rows),
            f"{statistics.mean(len(pf) for _, pf, _ in rows):.1f}", f"{statistics.mean(len(ours) for _, _, ours in rows):.1f}",
            f"{statistics.mean(jaccard(set(pf), set(ours)) for _, pf, ours in rows):.3f}",
            pct(set(pf) == set(ours) for _, pf, ours in rows),
            str(sum(t in pf and t not in ours for t, pf, ours in rows)),
            str(sum(t in ours and t not in pf for t, pf, ours in rows))]) + " |")
    print("\nfound: the paper the query was made from is among the results; PF/ours results: mean result count; "
          "Jaccard: |both| / |either| of the two result sets.")
    title_terms = {p.id: set(terms(p.title)) for p in papers}
    for kind, top in (("title", 1), ("longest", 10), ("two", 3)):
        counts = [sum(1 for words in title_terms.values() if set(terms(q)) <= words) or 1
                  for (k, q, _) in queries if k == kind]
        if counts:
            print(f"{kind}: papers whose title has every query word: median {statistics.median(counts):g}, more than "
                  f"{top} for {100 * sum(n > top for n in counts) / len(counts):.1f}% of queries; ranking those first "
                  f"in random order puts the paper in the top {top} in {100 * statistics.mean(min(1, top / n) for n in counts):.1f}%")
    if empty:
        print(f"No query of kind {', '.join(empty)}: none of the sampled papers has the words for it (authors, say).")

    text_words = {p.id: set(words(f"{p.title} {' '.join(p.authors)} {p.abstract}")) for p in papers}
    print(f"\nMost different result sets, {per_kind} per kind (after PF only / ours only: the words most of those "
          "papers have that begin like a query word, and in how many):")
    for kind in KINDS:
        diffs = {q: (pf, ours) for (k, q, _), (pf, ours) in zip(queries, results) if k == kind and set(pf) != set(ours)}
        for query in sorted(diffs, key=lambda q: (-len(set(diffs[q][0]) ^ set(diffs[q][1])), q))[:per_kind]:
            pf, ours = map(set, diffs[query])
            dropped = [w for w in TOKEN_RE.findall(fold(query)) if not terms(w)]
            notes = [f"ours drops {', '.join(dropped)}"] if dropped else []
            notes += [f"PF only {len(pf - ours)}: {why(query, pf - ours, text_words)}"] if pf - ours else []
            notes += [f"ours only {len(ours - pf)}: {why(query, ours - pf, text_words)}"] if ours - pf else []
            print(f"  {kind:8} {query!r:20} PF {len(pf):3}  ours {len(ours):3}  both {len(pf & ours):3}  {'; '.join(notes)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumps", type=Path, default=ROOT / "dumps", help="dumps folder (default: the bundled dumps/)")
    parser.add_argument("--archive", type=int, default=0,
                        help="papers of a synthetic archive to use instead (made or reused in bench/out/archive-N)")
    parser.add_argument("--sample", type=int, default=0, help="papers to make queries from (default 0: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and of the word choices")
    parser.add_argument("--batch", type=int, default=50, help="queries per page.evaluate call")
    parser.add_argument("--examples", type=int, default=3, help="most different queries to show per kind")
    args = parser.parse_args()

    if args.archive:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_pipeline import archive_for
        args.dumps = archive_for(args.archive, 0)
    dumps, _ = read_dumps([args.dumps])
    papers = build_catalog(dumps)[0].papers
    rng = random.Random(args.seed)
    chosen = rng.sample(list(papers), args.sample) if 0 < args.sample < len(papers) else list(papers)
    queries = make_queries(papers, chosen, rng)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as name:
        tmp = Path(name)
        log(f"{len(papers)} papers: indexing ...")
        pagefind_s, ours_s = build_both(papers, tmp)
        log(f"{len(queries)} queries from {len(chosen)} papers ...")
        server = serve(tmp)
        try:
            start = time.perf_counter()
            results = run_queries(f"http://127.0.0.1:{server.server_address[1]}/", [q for _, q, _ in queries], args.batch)
            query_s = time.perf_counter() - start
        finally:
            server.shutdown()
            server.server_close()
    print(f"{len(papers)} papers from {args.dumps}, {len(chosen)} sampled, seed {args.seed}, {len(queries)} queries "
          f"({query_s:.1f} s in Chromium for both engines, browser start included)")
    print(f"indexing wall time: Pagefind {pagefind_s:.2f} s (subprocess), build_index {ours_s:.3f} s\n")
    report(queries, results, papers, args.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
