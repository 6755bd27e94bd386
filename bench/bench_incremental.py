"""How fast a new digest shows up in the local preview: `serve` on a synthetic archive, one captured page posted.

usage: python bench/bench_incremental.py [--papers 50000] [--new 30]

Starts the real backend on 127.0.0.1 over a copy of the project and the cached archive (bench/make_archive.py), lets it
do its first (full) build, then posts a papers page of `--new` new papers as the extension would and prints the
seconds from the post to the new paper pages being served, with what the incremental build rewrote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import shutil
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pipeline import archive_for, make_project  # noqa: E402

from generator.cli import _parser  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.server import make_server  # noqa: E402

TOKEN = "bench-token"


def new_page(archive: Path, count: int) -> tuple[bytes, list[str]]:
    """A papers page (hydration JSON) of `count` papers not in the archive, dated after its last digest."""
    dumps, _ = read_dumps([archive])
    last_day = max(d.day for d in dumps if d.day)
    day = (dt.date.fromisoformat(last_day) + dt.timedelta(days=1)).isoformat()
    donors = [p for d in dumps[-count:] for p in d.papers][:count]
    items, titles = [], []
    for i, paper in enumerate(donors):
        title = f"Revisiting {paper.title} at Scale {i}"
        words = paper.abstract.split()
        abstract = " ".join(words[len(words) // 2:] + words[: len(words) // 2])
        items.append({"paper": {"id": f"2999.{i:05d}", "title": title, "summary": abstract, "upvotes": i}})
        titles.append(title)
    props = html.escape(json.dumps({"dateString": day, "dailyPapers": items}), quote=True)
    return f'<html><body><div data-target="DailyPapers" data-props="{props}"></div></body></html>'.encode(), titles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=50000)
    parser.add_argument("--new", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    archive = archive_for(args.papers, args.seed)
    work = ROOT / "bench" / "out" / f"incremental-{args.papers}"
    shutil.rmtree(work, ignore_errors=True)
    project = make_project(work / "project")
    shutil.copytree(archive, project / "dumps")
    os.environ["PAPER_DIGEST_TOKEN"] = TOKEN
    serve_args = _parser().parse_args(
        ["serve", "--dumps", str(project / "dumps"), "--site-dir", str(work / "site"), "--config", str(project / "mkdocs.yml"),
         "--topics", str(project / "topics.yml"), "--site-url", "https://example.org/", "--port", "0", "--quiet"]
    )
    server, app = make_server(serve_args, log=lambda *a: None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        start = time.perf_counter()
        app.builder.request()
        app.builder.wait_idle(3600)
        first = app.builder.status()["last_build"]
        print(f"archive: {args.papers} papers; first build (full): {time.perf_counter() - start:.1f} s, ok={first['ok']}")

        body, titles = new_page(project / "dumps", args.new)
        request = urllib.request.Request(f"{base}/api/dumps", data=body, method="POST", headers={
            "Authorization": f"Bearer {TOKEN}", "Content-Type": "text/html", "X-Page-Url": "https://huggingface.co/papers"})
        posted = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        app.builder.wait_idle(600)
        visible = time.perf_counter()
        last = app.builder.status()["last_build"]
        if not last["ok"]:
            print(f"the build after the post failed: {last['error']}")
            return 1
        with urllib.request.urlopen(f"{base}/api/papers.json", timeout=60) as response:
            records = {r["title"]: r for r in json.loads(response.read())}
        served = 0
        for title in titles:
            with urllib.request.urlopen(f"{base}/papers/{records[title]['id']}/", timeout=60) as response:
                served += response.status == 200
        print(f"posted {answer['papers']} papers ({answer['new']} new): build incremental={last.get('incremental')} "
              f"ok={last['ok']} in {last['seconds']} s; post to preview: {visible - posted:.2f} s; "
              f"{served}/{len(titles)} new paper pages served")
    finally:
        app.builder.stop()
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
