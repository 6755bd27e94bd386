"""One source tree's incremental build, stage by stage, in-process: a full build of an archive in one process (as
`serve` makes it), then a captured page of 30 new papers built incrementally; prints the stage times as JSON.

    .venv/bin/python bench/incremental_stages.py TREE OUT ARCHIVE    # e.g. /work/base-14 /tmp/out bench/out/archive-50000

Run it for two trees in turn (before, after, before, after) to compare them on a shared machine.
"""
import json, shutil, sys, time
from pathlib import Path
tree, out, archive = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), Path(sys.argv[3]).resolve()
sys.path.insert(0, str(tree / "bench")); sys.path.insert(0, str(tree))
import bench_pipeline as bp
from bench_incremental import new_page
from generator.build import BuildOptions, Reporter, build
bp.ROOT = tree
if out.exists(): shutil.rmtree(out)
project = bp.make_project(out / "project")
shutil.copytree(archive, project / "dumps")
(project / "dumps" / "ids.json").unlink(missing_ok=True)
opts = BuildOptions(dumps=project / "dumps", site_dir=out / "site", config=project / "mkdocs.yml", topics=project / "topics.yml",
                    site_url="https://example.org/", quiet=True)
import threading
threading.Thread(target=lambda: time.sleep(10**6), daemon=True).start()  # as in serve: builds run in one process
first = build(opts, Reporter(quiet=True))
body, titles = new_page(project / "dumps", 30)
(project / "dumps" / "2999-new.html").write_bytes(body)
start = time.perf_counter()
second = build(opts, Reporter(quiet=True), previous=first.state)
total = time.perf_counter() - start
print(json.dumps({"tree": str(tree), "incremental": second.incremental, "total": round(total, 2),
                  "stages": {k: round(v, 2) for k, v in second.timings.items()}}))
