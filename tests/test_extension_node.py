"""Runs the browser extension's node tests (extension/test/*.test.mjs) with node's built-in runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DIR = ROOT / "extension" / "test"


def test_extension_node_tests() -> None:
    node = shutil.which("node")
    if node is None:
        message = "node is not installed: the extension's tests (node --test extension/test/) cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    files = sorted(str(p.relative_to(ROOT)) for p in TEST_DIR.glob("*.test.mjs"))
    assert files, f"no *.test.mjs files in {TEST_DIR}"
    # Files listed one by one: node 20 takes a folder, later versions read arguments as globs.
    proc = subprocess.run(
        [node, "--test", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, f"node --test failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
