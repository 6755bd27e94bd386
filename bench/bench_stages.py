"""Time the enrich stages of one source tree (tagging, related papers, the search index) on an archive's catalog.

For before/after guards measured in one sitting: run it for two trees, alternating, e.g.

    for t in /path/to/before /path/to/after /path/to/before /path/to/after; do
        .venv/bin/python bench/bench_stages.py --tree $t --archive /tmp/archive-50000
    done

Each stage runs once in a fresh process (the first call is what a build pays) on the catalog of `--archive`, read
and merged by that tree's own code and cached as a pickle beside the archive's name in the temp folder. Prints one
JSON line: seconds per stage and the peak RSS of the related-papers process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

STAGE = r"""
import gc, json, pickle, resource, sys, time
from pathlib import Path
tree, pickled, stage = sys.argv[1:4]
sys.path.insert(0, tree)
papers = pickle.loads(Path(pickled).read_bytes())
gc.freeze()
if stage == "tag":
    from generator.topics import assign_topics, load_taxonomy
    topics = load_taxonomy(Path(tree) / "topics.yml")
    run = lambda: assign_topics(papers, topics)
elif stage == "related":
    from generator.related import RelatedIndex
    run = lambda: RelatedIndex.build(papers)
else:
    from generator.search import build_index
    run = lambda: build_index(papers)
start = time.perf_counter()
run()
print(json.dumps({"seconds": round(time.perf_counter() - start, 2),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

CATALOG = r"""
import pickle, sys
from pathlib import Path
tree, archive, pickled = sys.argv[1:4]
sys.path.insert(0, tree)
from generator.catalog import build_catalog
from generator.ingest import read_dumps
dumps, _ = read_dumps([Path(archive)])
built = build_catalog(dumps)
catalog = built[0] if isinstance(built, tuple) else built
Path(pickled).write_bytes(pickle.dumps(catalog.papers))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", required=True, type=Path, help="a checkout of the generator (its generator/ and topics.yml)")
    parser.add_argument("--archive", required=True, type=Path, help="a dumps folder, e.g. from bench/make_archive.py")
    parser.add_argument("--stages", default="tag,related,search", help="comma-separated: tag, related, search")
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    pickled = Path(tempfile.gettempdir()) / f"bench-stages-{tree.name}-{args.archive.resolve().name}.pickle"
    if not pickled.exists():
        subprocess.run([sys.executable, "-c", CATALOG, str(tree), str(args.archive), str(pickled)], check=True)
    result: dict = {"tree": str(tree)}
    for stage in args.stages.split(","):
        out = subprocess.run([sys.executable, "-c", STAGE, str(tree), str(pickled), stage],
                             check=True, capture_output=True, text=True).stdout
        result[stage] = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
