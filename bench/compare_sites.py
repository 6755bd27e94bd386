"""Build the same dumps with two source trees and compare the results byte for byte (`diff -r`): the site folder and
the generated sources (docs_dir), for a refactoring that must not change a byte.

    .venv/bin/python bench/compare_sites.py --before /work/base-14 --dumps dumps --out /tmp/i14/bundled
    .venv/bin/python bench/compare_sites.py --before /work/base-14 --dumps /tmp/i14/archive-10000 --out /tmp/i14/10k

Each tree builds in a project of its own (its mkdocs.yml, topics.yml, overrides and hand-written pages; a copy of the
dumps, since a build writes `ids.json` beside them) with its own interpreter and code, the clock taken out
(`SOURCE_DATE_EPOCH` unset, as CI). The "before" build is kept under `--out` and reused while its folder exists
(`--rebuild-before` to redo it). Prints each differing file and a summary; exit status 0 when the sites are identical
(the generated sources may differ by `--expect-missing` patterns: files the after tree no longer writes).
"""

from __future__ import annotations

import argparse
import fnmatch
import filecmp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("index.md", "papers", "tags", "digests", "api", "feeds", "_shell", "_report.json")
SITE_URL = "https://example.org/"


def make_project(tree: Path, dest: Path, dumps: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(tree / name, dest / name)
    shutil.copytree(tree / "overrides", dest / "overrides")
    for source in sorted((tree / "site_src").iterdir()):
        if source.name in GENERATED or source.name.startswith("."):
            continue
        target = dest / "site_src" / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    shutil.copytree(dumps, dest / "dumps", symlinks=True)
    return dest


def build(tree: Path, out: Path, dumps: Path, site_url: str) -> float:
    project = make_project(tree, out / "project", dumps)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(PYTHONPATH=str(tree), CI="1", NO_MKDOCS_2_WARNING="1")
    cmd = [str(tree / ".venv" / "bin" / "python"), "-m", "generator", "build", "--dumps", "dumps",
           "--site-dir", str(out / "site"), "--site-url", site_url, "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{tree}: build failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - start


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def compare(a: Path, b: Path, label: str, expect_missing: list[str]) -> bool:
    fa, fb = files(a), files(b)
    only_a, only_b = sorted(fa - fb), sorted(fb - fa)
    changed = sorted(rel for rel in fa & fb if not filecmp.cmp(a / rel, b / rel, shallow=False))
    expected = [rel for rel in only_a if any(fnmatch.fnmatch(rel, pat) for pat in expect_missing)]
    unexpected = [rel for rel in only_a if rel not in expected]
    for rel in unexpected[:20]:
        print(f"{label}: only before: {rel}")
    for rel in only_b[:20]:
        print(f"{label}: only after: {rel}")
    for rel in changed[:20]:
        print(f"{label}: differs: {rel}")
    print(f"{label}: {len(fa)} files before, {len(fb)} after; {len(changed)} differ, {len(unexpected)} only before"
          f" ({len(expected)} more as expected: {' '.join(expect_missing) or '-'}), {len(only_b)} only after")
    return not (unexpected or only_b or changed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the source tree before the change")
    parser.add_argument("--after", type=Path, default=ROOT, help="the source tree after (default: this one)")
    parser.add_argument("--dumps", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for both projects and sites")
    parser.add_argument("--site-url", default=SITE_URL)
    parser.add_argument("--rebuild-before", action="store_true")
    parser.add_argument("--expect-missing", action="append", default=[],
                        help="glob of generated sources (docs_dir) the after tree no longer writes")
    args = parser.parse_args()
    dumps = args.dumps.resolve()
    before, after = args.out / "before", args.out / "after"
    if args.rebuild_before or not (before / "site").is_dir():
        shutil.rmtree(before, ignore_errors=True)
        print(f"before ({args.before}): {build(args.before.resolve(), before, dumps, args.site_url):.1f} s")
    shutil.rmtree(after, ignore_errors=True)
    print(f"after ({args.after}): {build(args.after.resolve(), after, dumps, args.site_url):.1f} s")
    same_site = compare(before / "site", after / "site", "site", [])
    same_src = compare(before / "project" / "site_src", after / "project" / "site_src", "site_src", args.expect_missing)
    same_ids = filecmp.cmp(before / "project" / "dumps" / "ids.json", after / "project" / "dumps" / "ids.json", shallow=False)
    print(f"dumps/ids.json: {'identical' if same_ids else 'DIFFERS'}")
    print("IDENTICAL" if same_site and same_src and same_ids else "DIFFERENT")
    return 0 if same_site and same_src and same_ids else 1


if __name__ == "__main__":
    sys.exit(main())
