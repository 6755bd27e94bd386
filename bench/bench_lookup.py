"""The extension's look-up shards at scale: how many, how large, and how many bytes one popup look-up reads.

    .venv/bin/python bench/bench_lookup.py --papers 50000            # makes (or reuses) bench/out/archive-50000
    .venv/bin/python bench/bench_lookup.py --archive /path/to/archive

Runs the build's own steps in process (parse, catalog, related papers) on a synthetic archive, then
generator/lookup.py, and prints the figures; nothing is written but the archive.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generator.catalog import build_catalog  # noqa: E402
from generator.ingest import read_dumps  # noqa: E402
from generator.lookup import ARXIV_SHARD_BYTES, LOOKUP_DIR, TITLE_SHARD_BYTES, lookup_files  # noqa: E402
from generator.related import RelatedIndex  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=50000, help="archive size (distinct papers; default 50000)")
    parser.add_argument("--archive", type=Path, default=None, help="an existing archive folder instead")
    args = parser.parse_args()
    archive = args.archive
    if archive is None:
        import make_archive

        archive = ROOT / "bench" / "out" / f"archive-{args.papers}"
        if not (archive / make_archive.MARKER).exists():
            make_archive.main(["--papers", str(args.papers), "--out", str(archive)])
    dumps, _ = read_dumps([archive])
    catalog, _ = build_catalog(dumps)
    _, related = RelatedIndex.build(catalog.papers)
    start = time.perf_counter()
    files = lookup_files(catalog.papers, related)
    seconds = time.perf_counter() - start
    index = json.loads(files[f"{LOOKUP_DIR}/index.json"])
    sizes = {space: [len(text.encode()) for path, text in files.items() if path.startswith(f"{LOOKUP_DIR}/{space}/")]
             for space in ("arxiv", "title")}
    index_bytes = len(files[f"{LOOKUP_DIR}/index.json"].encode())
    with_arxiv = sum(1 for p in catalog.papers if p.arxiv_id)
    print(f"archive: {archive}")
    print(f"papers: {len(catalog.papers)} ({with_arxiv} with an arXiv id)")
    for space in ("arxiv", "title"):
        s = sizes[space]
        print(f"{space} shards: {index[space]}, largest {max(s):,} B, median {int(statistics.median(s)):,} B, "
              f"total {sum(s) / 1e6:.1f} MB")
    print(f"index.json: {index_bytes} B; shard limits: arxiv {ARXIV_SHARD_BYTES:,} B, title {TITLE_SHARD_BYTES:,} B")
    worst = index_bytes + max(sizes["arxiv"]) + max(sizes["title"])
    print(f"one look-up reads at most {worst:,} B (index.json, an arXiv shard, a title shard); "
          f"typical {index_bytes + int(statistics.median(sizes['arxiv'])) + int(statistics.median(sizes['title'])):,} B")
    print(f"files: {len(files):,}; made in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
