"""The extension's two builds (extension/tools/build.mjs) and their manifests: Chromium's with the service worker
only, Firefox's with background scripts and its data-collection declaration, both with the fewest permissions;
Mozilla's `web-ext lint` finds nothing at all in the Firefox build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

EXTENSION = ROOT / "extension"
WEB_EXT = ROOT / "node_modules" / ".bin" / "web-ext"


def _need(path_or_name: str) -> str:
    found = shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is not installed: run `make test` (it runs `npm ci` for web-ext; node and npm needed)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ext-dist")
    proc = subprocess.run([_need("node"), str(EXTENSION / "tools" / "build.mjs"), "--out", str(out)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return out


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_chromium_build_is_the_source_manifest_with_a_service_worker_only(builds):
    chrome = _manifest(builds / "chrome")
    assert chrome == _manifest(EXTENSION)
    assert chrome["background"] == {"service_worker": "background.js", "type": "module"}
    assert "browser_specific_settings" not in chrome  # Chromium lists an unknown key as an error
    for name in ("popup.html", "popup.js", "background.js", "lib/lookup.js", "icons/icon128.png"):
        assert (builds / "chrome" / name).is_file(), name
    assert not (builds / "chrome" / "test").exists() and not (builds / "chrome" / "tools").exists()


def test_firefox_build_declares_background_scripts_and_data_collection(builds):
    firefox = _manifest(builds / "firefox")
    assert firefox["background"] == {"scripts": ["background.js"], "type": "module"}
    gecko = firefox["browser_specific_settings"]["gecko"]
    assert gecko["id"]
    assert gecko["data_collection_permissions"]["required"] == ["websiteContent", "browsingActivity"]
    assert int(gecko["strict_min_version"].split(".")[0]) >= 140
    assert {k: v for k, v in firefox.items() if k not in ("background", "browser_specific_settings")} == {
        k: v for k, v in _manifest(EXTENSION).items() if k not in ("background", "minimum_chrome_version")}


def test_permissions_are_the_fewest_that_work():
    manifest = _manifest(EXTENSION)
    assert sorted(manifest["permissions"]) == ["activeTab", "scripting", "storage"]
    # Pages the user invokes the extension on are reached through activeTab: no standing access to websites.
    assert manifest["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]
    assert "content_scripts" not in manifest


def test_web_ext_lint_finds_nothing_in_the_firefox_build(builds):
    web_ext = _need(str(WEB_EXT))
    proc = subprocess.run([web_ext, "lint", "--source-dir", str(builds / "firefox"), "--output", "json",
                           "--no-config-discovery"], capture_output=True, text=True, timeout=180, cwd=ROOT,
                          env={**os.environ, "NO_UPDATE_NOTIFIER": "1"})
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    found = [(m["code"], m.get("file"), m["message"]) for kind in ("errors", "warnings", "notices") for m in report[kind]]
    assert report["count"] == 0 and not found, found
    assert proc.returncode == 0
