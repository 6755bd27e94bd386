"""A burst of concurrent uploads to `serve` over loopback: how many are stored, how fast, and whether any is lost.

    .venv/bin/python bench/bench_uploads.py                   # 200 uploads at once, real (MkDocs) builds
    .venv/bin/python bench/bench_uploads.py --uploads 50 --no-mkdocs
    .venv/bin/python bench/bench_uploads.py --code /tmp/old-checkout   # the same burst against another checkout

A scratch project (the configuration, hand-written pages and bundled dumps, as tests/conftest.py make_project) gets a
real `python -m generator serve` subprocess on 127.0.0.1, which builds the site first. Then every upload gets its own
thread and connection; they wait at a barrier and post at once (one captured papers page each, one new paper each).
Measured: the answers (201 stored, other statuses, connection errors), wall time of the burst, latency per upload
(median, 95th percentile, max); then, once the builds the burst caused are done: the dumps on disk and in the
manifest that match an answer byte for byte, the builds run, and how many of the uploaded papers the site serves.
Nothing is lost when every upload got 201 and every one of them is on disk, in the manifest and in the site.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
GENERATED = ("index.md", "papers", "tags", "digests", "api", "feeds", "_shell")


def make_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "overrides", dest / "overrides")
    (dest / "site_src").mkdir()
    for source in sorted((ROOT / "site_src").iterdir()):
        if source.name not in GENERATED:
            (shutil.copytree if source.is_dir() else shutil.copy)(source, dest / "site_src" / source.name)
    shutil.copytree(ROOT / "dumps", dest / "dumps")
    return dest


def papers_page(n: int) -> bytes:
    paper = {"paper": {"id": f"2506.{n:05d}", "title": f"Burst Upload Paper Number {n} On Retrieval",
                       "summary": f"We study retrieval in upload number {n} of a burst.", "upvotes": n}}
    props = html.escape(json.dumps({"dateString": "2025-06-01", "dailyPapers": [paper]}), quote=True)
    return f'<!doctype html><html><body><div data-target="DailyPapers" data-props="{props}"></div></body></html>'.encode()


def request(port: int, method: str, path: str, body: bytes | None = None, timeout: float = 120) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/html",
                   "X-Page-Url": "https://huggingface.co/papers?date=2025-06-01"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def wait_idle(port: int, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = request(port, "GET", "/api/status")[1]
        if not status["building"] and not status["pending"] and status["builds"]:
            return status
        time.sleep(0.2)
    raise SystemExit("the server's builds did not finish in time")


def run(args: argparse.Namespace, work: Path) -> dict:
    project = make_project(work / "project")
    command = [sys.executable, "-m", "generator", "serve", "--dumps", "dumps", "--site-dir", "site", "--port", "0",
               "--site-url", "https://example.org/", "--quiet"] + (["--no-mkdocs"] if args.no_mkdocs else [])
    env = {**os.environ, "PYTHONPATH": str(args.code), "PAPER_DIGEST_TOKEN": TOKEN, "NO_MKDOCS_2_WARNING": "1"}
    log = open(work / "serve.log", "w")
    server = subprocess.Popen(command, cwd=project, env=env, stderr=subprocess.PIPE, stdout=log, text=True)
    try:
        port = int(server.stderr.readline().split("127.0.0.1:", 1)[1].split("/", 1)[0])
        threading.Thread(target=lambda: shutil.copyfileobj(server.stderr, log), daemon=True).start()
        wait_idle(port, 600)  # the first build, so the burst meets a server at rest
        pages = [papers_page(n) for n in range(args.uploads)]
        barrier = threading.Barrier(args.uploads + 1)
        results: list = [None] * args.uploads

        def upload(n: int) -> None:
            barrier.wait()
            started = time.perf_counter()
            try:
                status, body = request(port, "POST", "/api/dumps", pages[n])
            except OSError as error:
                status, body = type(error).__name__, {}
            results[n] = (status, body, time.perf_counter() - started)

        threads = [threading.Thread(target=upload, args=(n,)) for n in range(args.uploads)]
        for thread in threads:
            thread.start()
        barrier.wait()
        burst_start = time.perf_counter()
        for thread in threads:
            thread.join()
        burst = time.perf_counter() - burst_start
        status = wait_idle(port, 900)
        settled = time.perf_counter() - burst_start

        manifest = yaml.safe_load((project / "dumps" / "manifest.yml").read_text(encoding="utf-8"))["dumps"]
        stored = [body["dump"] for code, body, _ in results if code == 201]
        on_disk = sum((project / "dumps" / name).is_file() and (project / "dumps" / name).read_bytes() == pages[n]
                      for n, (code, body, _) in enumerate(results) if code == 201 for name in [body["dump"]])
        papers_json = project / ("site_src" if args.no_mkdocs else "site") / "api" / "papers.json"
        ids = {record["id"] for record in json.loads(papers_json.read_text(encoding="utf-8"))}
        in_site = sum(f"burst-upload-paper-number-{n}-on-retrieval" in ids for n in range(args.uploads))
        answers: dict[str, int] = {}
        for code, _, _ in results:
            answers[str(code)] = answers.get(str(code), 0) + 1
        latencies = sorted(seconds for _, _, seconds in results)
        return {
            "uploads": args.uploads, "answers": answers, "stored": len(stored), "on_disk": on_disk,
            "in_manifest": sum(name in manifest for name in stored), "in_site": in_site,
            "burst_s": burst, "settled_s": settled, "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))], "max_ms": 1000 * latencies[-1],
            "builds": status["builds"] - 1, "last_build_ok": status["last_build"].get("ok"),
        }
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200, help="uploads posted at once (default 200)")
    parser.add_argument("--no-mkdocs", action="store_true", help="builds stop after writing site_src/")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose generator runs the server (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch project and the server's log")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    try:
        row = run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"code: {args.code}; builds: {'site_src only' if args.no_mkdocs else 'full (MkDocs)'}")
    print("| uploads | answers | stored (201) | on disk, byte for byte | in the manifest | in the site | burst s "
          "| p50 ms | p95 ms | max ms | builds | last build ok | burst to site settled s |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    answers = ", ".join(f"{count}× {code}" for code, count in sorted(row["answers"].items()))
    print(f"| {row['uploads']} | {answers} | {row['stored']} | {row['on_disk']} | {row['in_manifest']} | {row['in_site']} "
          f"| {row['burst_s']:.2f} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['max_ms']:.0f} | {row['builds']} "
          f"| {row['last_build_ok']} | {row['settled_s']:.1f} |")
    lost = row["uploads"] - min(row["stored"], row["on_disk"], row["in_manifest"], row["in_site"])
    print(f"lost: {lost}")


if __name__ == "__main__":
    main()
