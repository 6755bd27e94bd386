"""Time the whole build (`python -m generator build`) on synthetic archives of growing size.

    .venv/bin/python bench/bench_pipeline.py                          # 1,000, 10,000 and 50,000 papers
    .venv/bin/python bench/bench_pipeline.py --sizes 1000 --stages no-mkdocs --keep

Per size: the archive comes from bench/make_archive.py (cached in bench/out/archive-N/, remade when the size,
seed, script or topics.yml change); a scratch project (bench/out/project-N/: mkdocs.yml, topics.yml,
overrides/ and the hand-written part of site_src/, as tests/conftest.py make_project) is made fresh, and the
real build runs in a fresh subprocess, cold (no site_src/ output, no site/). Then a second build with nothing
changed (the no-op rebuild) counts the files under the site folder whose mtime or size changed.

Measured: each stage's wall time from the `[build] <stage>: ... (X.XX s)` lines the build prints when not on a
terminal; the build's peak memory (the summed proportional set size of the build and the workers it forks,
sampled every 50 ms: pages the workers share with the build count once) and the largest single process (the
ru_maxrss that os.wait4 returns); total wall time of the subprocess (interpreter start and imports included);
pages/s = HTML pages in the site / (render + write + mkdocs + pages s); the site's disk usage (du) and file
count; and what one search query downloads (site/search-index/): the manifest, search.js, the term shards of a
two-word query (median shards; worst case the two largest) and the card files of the first 10 results (median
size), raw and gzipped as a static host serves them.

The table goes to stdout, progress to stderr; logs of each build stay in bench/out/logs/.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(ROOT))

import make_archive  # noqa: E402

OUT = ROOT / "bench" / "out"
STAGES = ("parse", "tag", "related", "render", "write", "mkdocs", "pages", "search", "publish")
STAGE_RE = re.compile(r"^\[build\] ([\w-]+)(?:: (.*))? \((\d+(?:\.\d+)?) s\)$")
SITE_URL = "https://example.org/"
SEARCH_RESULTS = 10  # result cards the search page shows at first


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- setup


def archive_for(n: int, seed: int) -> Path:
    """bench/out/archive-N, reused when its marker matches what make_archive would write now."""
    folder = OUT / f"archive-{n}"
    marker = folder / make_archive.MARKER
    want = make_archive.archive_key(n, seed, ROOT / "topics.yml")
    if marker.exists():
        have = json.loads(marker.read_text(encoding="utf-8"))
        if all(have.get(k) == v for k, v in want.items()):
            log(f"archive-{n}: cached ({have['info']['days']} dumps, {have['info']['entries']} entries)")
            return folder
    info = make_archive.make_archive(n, folder, seed=seed)
    log(f"archive-{n}: made in {info.seconds:.1f} s: {info.summary()}")
    return folder


def make_project(dest: Path) -> Path:
    """A fresh copy of the project's configuration, theme overrides and hand-written pages (no generated files)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "topics.yml"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "overrides", dest / "overrides")
    for source in sorted((ROOT / "site_src").iterdir()):  # the hand-written part of docs_dir
        if source.name in generated_parts() or source.name.startswith("."):
            continue
        target = dest / "site_src" / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    return dest


def generated_parts() -> tuple[str, ...]:
    """What the generator owns inside docs_dir (generator.build.GENERATED), so it is not copied as hand-written."""
    try:
        from generator.build import GENERATED
    except Exception:  # noqa: BLE001 - the generator is being edited; fall back to the parts it has always owned
        return ("index.md", "papers", "tags", "digests", "api", "feeds", "_shell")
    return tuple(GENERATED)


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


# ---------------------------------------------------------------- one build


def run_build(project: Path, dumps: Path, site: Path, stages: str, timeout: float, log_path: Path) -> dict:
    """One build in a fresh subprocess: stage times, peak RSS, wall time, exit status."""
    cmd = [python(), "-m", "generator", "build", "--dumps", str(dumps), "--site-dir", str(site),
           "--site-url", SITE_URL, "--config", str(project / "mkdocs.yml"), "--topics", str(project / "topics.yml")]
    if stages == "no-mkdocs":
        cmd.append("--no-mkdocs")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(PYTHONPATH=str(ROOT), CI="1", NO_MKDOCS_2_WARNING="1", PYTHONUNBUFFERED="1")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    timed_out = False
    tree_peak = 0.0
    with open(log_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, session_rss_mb(proc.pid))
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    text = log_path.read_text(encoding="utf-8", errors="replace")
    timings, details = {}, {}
    for line in text.splitlines():
        match = STAGE_RE.match(line.strip())
        if match:
            timings[match.group(1)] = float(match.group(3))
            details[match.group(1)] = match.group(2) or ""
    return {
        "cmd": cmd,
        "timings": timings,
        "details": details,
        "wall": wall,
        "peak_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "tree_peak_mb": tree_peak,
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "tail": "\n".join(text.splitlines()[-15:]),
    }


def session_rss_mb(session: int) -> float:
    """Memory of every process in the build's session right now (the build and any worker it forked): the sum of
    their proportional set sizes, so pages forked workers share with the build are counted once, not per process."""
    total_kb = 0
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return 0.0
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) != session:  # field 6 of stat: the session id
                continue
            with open(f"/proc/{entry.name}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total_kb / 1024


# ---------------------------------------------------------------- the site


def walk(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Relative path -> (mtime_ns, size, 512-byte blocks) of every file under `folder`."""
    out: dict[str, tuple[int, int, int]] = {}
    if not folder.exists():
        return out
    stack = [folder]
    prefix = len(str(folder)) + 1
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    out[entry.path[prefix:]] = (st.st_mtime_ns, st.st_size, st.st_blocks)
    return out


def site_stats(site: Path, files: dict[str, tuple[int, int, int]]) -> dict:
    return {
        "files": len(files),
        "html": sum(1 for name in files if name.endswith(".html")),
        "du_mb": sum(f[2] for f in files.values()) * 512 / 1e6,
        "bytes_mb": sum(f[1] for f in files.values()) / 1e6,
        **search_download(site, files),
    }


def search_download(site: Path, files: dict[str, tuple[int, int, int]]) -> dict:
    """What one search query downloads, in KB raw and gzipped (see the module docstring)."""
    folder = site / "search-index"
    if (folder / "manifest.json").exists():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

        def sizes(rel: str) -> tuple[int, int]:
            data = (site / rel).read_bytes()
            return len(data), len(gzip.compress(data, 6))

        shards = sorted((sizes(f"search-index/{name}") for _, name in manifest["shards"]), key=lambda s: s[0])
        cards = [sizes(f"search-index/{name}") for name in manifest["cards"]]
        fixed = [sizes("search-index/manifest.json"), sizes("assets/search.js")]
        card = (statistics.median(c[0] for c in cards), statistics.median(c[1] for c in cards)) if cards else (0, 0)
        typical = [*fixed, *([shards[len(shards) // 2]] * 2), *([card] * SEARCH_RESULTS)] if shards else fixed
        worst = [*fixed, *shards[-2:], *([card] * SEARCH_RESULTS)]
        how = (f"two words, {SEARCH_RESULTS} result cards: manifest {fixed[0][0] / 1000:.0f} KB + search.js "
               f"{fixed[1][0] / 1000:.0f} KB + 2 of {len(shards)} shards (median {shards[len(shards) // 2][0] / 1000:.0f} KB, "
               f"largest {shards[-1][0] / 1000:.0f} KB) + {SEARCH_RESULTS} of {len(cards)} card files "
               f"({card[0] / 1000:.0f} KB); worst case: the two largest shards")
        return {"search_kb": sum(x[0] for x in typical) / 1000, "search_gz_kb": sum(x[1] for x in typical) / 1000,
                "search_worst_kb": sum(x[0] for x in worst) / 1000, "search_worst_gz_kb": sum(x[1] for x in worst) / 1000,
                "search_how": how}
    return {"search_kb": None, "search_gz_kb": None, "search_how": "no search index"}


def changed_files(before: dict, after: dict) -> dict:
    rewritten = sum(1 for name, f in after.items() if name in before and before[name][:2] != f[:2])
    return {"rewritten": rewritten, "added": len(after.keys() - before.keys()), "removed": len(before.keys() - after.keys())}


# ---------------------------------------------------------------- one size


def bench_size(n: int, args) -> dict:
    row: dict = {"papers": n}
    t = time.perf_counter()
    dumps = archive_for(n, args.seed)
    row["archive_s"] = time.perf_counter() - t
    project = make_project(OUT / f"project-{n}")
    site = OUT / f"site-{n}"
    if site.exists():
        shutil.rmtree(site)
    log(f"{n} papers: cold build ...")
    first = run_build(project, dumps, site, args.stages, args.timeout, OUT / "logs" / f"build-{n}.log")
    row["build"] = first
    if first["timed_out"] or first["returncode"] != 0:
        log(f"{n} papers: build {'timed out' if first['timed_out'] else 'failed'}:\n{first['tail']}")
        return row
    log(f"{n} papers: built in {first['wall']:.1f} s, peak {first['peak_mb']:.0f} MB")
    before = walk(site)
    row["site"] = site_stats(site, before)
    log(f"{n} papers: no-op rebuild ...")
    second = run_build(project, dumps, site, args.stages, args.timeout, OUT / "logs" / f"noop-{n}.log")
    row["noop"] = second
    if not second["timed_out"] and second["returncode"] == 0:
        row["noop_changes"] = changed_files(before, walk(site))
        log(f"{n} papers: no-op rebuild {second['wall']:.1f} s, {row['noop_changes']}")
    else:
        log(f"{n} papers: no-op rebuild {'timed out' if second['timed_out'] else 'failed'}:\n{second['tail']}")
    if not args.keep:
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(project, ignore_errors=True)
    return row


# ---------------------------------------------------------------- report


def fmt(value, spec: str = ".2f") -> str:
    return "" if value is None else format(value, spec)


def table_row(row: dict, args) -> list[str]:
    build = row["build"]
    timings = build["timings"]
    stages_wanted = [s for s in STAGES if not (s == "mkdocs" and args.stages == "no-mkdocs")]
    failed = "timeout" if build["timed_out"] else ("failed" if build["returncode"] else "")
    cells = [f"{row['papers']:,}"]
    for stage in STAGES:
        if stage in timings:
            cells.append(fmt(timings[stage]))
        elif stage not in stages_wanted:
            cells.append("-")
        else:
            cells.append(failed or "?")
    if failed:
        total = f"{failed} (>{args.timeout:.0f} s)" if build["timed_out"] else f"failed (exit {build['returncode']})"
        return [*cells, total, fmt(build["tree_peak_mb"], ".0f"), "", "", "", "", ""]
    site = row["site"]
    render_time = sum(timings.get(stage, 0) for stage in ("render", "write", "mkdocs", "pages"))
    pages_per_s = site["html"] / render_time if site["html"] and render_time else None
    noop = row.get("noop_changes")
    if noop is None:
        noop_cell = "timeout" if row["noop"]["timed_out"] else "failed"
    else:
        noop_cell = str(noop["rewritten"]) + (f" (+{noop['added']}/-{noop['removed']})" if noop["added"] or noop["removed"] else "")
    search = f"{fmt(site['search_gz_kb'], ',.0f')} ({fmt(site.get('search_worst_gz_kb'), ',.0f')})"
    return [*cells, fmt(build["wall"], ".1f"), fmt(build["tree_peak_mb"], ".0f"), fmt(pages_per_s, ".0f"),
            fmt(site["du_mb"], ".1f"), f"{site['files']:,}", search, noop_cell]


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    build_python = subprocess.run([python(), "-c", "import platform; print(platform.python_version())"],
                                  capture_output=True, text=True).stdout.strip()
    versions = []
    for package in ("mkdocs", "mkdocs-material", "scikit-learn", "pagefind"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return (f"machine: {cpu}, {cores} cores, {ram}, Python {build_python or platform.python_version()} "
            f"({platform.system()} {platform.release()}); {', '.join(versions)}")


def code_state() -> str:
    """Which code was measured: the commit, and how many files of the generator and site setup differ from it."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return f"code: {ROOT} (not a git checkout)"
    dirty = [line for line in git("status", "--porcelain", "--", "generator", "mkdocs.yml", "overrides", "site_src",
                                  "topics.yml", "pyproject.toml", "uv.lock", "requirements").splitlines() if line.strip()]
    return f"code: {head}" + (f" + working-tree changes in {len(dirty)} file(s) of generator/, mkdocs.yml, overrides/, site_src/"
                              if dirty else " (clean)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated archive sizes (distinct papers)")
    parser.add_argument("--keep", action="store_true", help="keep bench/out/site-N and project-N (archives are always cached)")
    parser.add_argument("--stages", choices=("all", "no-mkdocs"), default="all", help="no-mkdocs: stop after the write stage")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per build (default 900)")
    parser.add_argument("--seed", type=int, default=0, help="archive seed")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in sizes:
        rows.append(bench_size(n, args))
        log(f"  {' | '.join(table_row(rows[-1], args))}")

    header = ["papers", *STAGES, "total s", "peak MB", "pages/s", "site MB", "files", "search KB gz (worst)", "no-op rewrites"]
    print(machine())
    print(code_state())
    print(f"command: python -m generator build --dumps bench/out/archive-N --site-dir bench/out/site-N --site-url "
          f"{SITE_URL} --config <scratch>/mkdocs.yml --topics <scratch>/topics.yml" + (" --no-mkdocs" if args.stages == "no-mkdocs" else ""))
    print()
    print(markdown(header, [table_row(r, args) for r in rows]))
    print()
    detail_header = ["papers", "dumps", "entries", "html pages", "site MB (bytes)", "search raw KB (worst)", "search",
                     "largest process MB", "no-op total s", "no-op peak MB", "no-op site_src writes"]
    details = []
    for row in rows:
        build, site, noop = row["build"], row.get("site"), row.get("noop")
        parse = build["details"].get("parse", "")
        dumps = re.search(r"(\d+) dumps", parse)
        entries = re.search(r"(\d+) entries", parse)
        noop_write = (noop or {}).get("details", {}).get("write", "")
        details.append([
            f"{row['papers']:,}", dumps.group(1) if dumps else "", entries.group(1) if entries else "",
            f"{site['html']:,}" if site else "", fmt(site and site["bytes_mb"], ".1f"),
            f"{fmt(site and site['search_kb'], ',.0f')} ({fmt(site and site.get('search_worst_kb'), ',.0f')})",
            site["search_how"] if site else "",
            fmt(build["peak_mb"], ".0f"),
            ("timeout" if noop["timed_out"] else fmt(noop["wall"], ".1f")) if noop else "",
            fmt(noop and noop["tree_peak_mb"], ".0f") if noop else "",
            noop_write.split(",")[0] if noop_write else "",
        ])
    print(markdown(detail_header, details))
    print()
    print("Stage columns: seconds from the build's own `[build]` lines; total s: the subprocess's wall time (interpreter "
          "start and imports included). peak MB: summed proportional set size of the build and its forked workers, sampled "
          "every 50 ms; largest process MB: ru_maxrss of the largest one. pages/s: HTML pages / (render + write + mkdocs + pages s). "
          "site MB: disk usage (du). search KB: what a two-word query showing ten results downloads, gzipped (worst case: "
          "the two largest shards). no-op rewrites: files under the "
          "site folder whose mtime or size changed on a second build with no change (+added/-removed).")
    return 0 if all(not r["build"]["timed_out"] and r["build"]["returncode"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
