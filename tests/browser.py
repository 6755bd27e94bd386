"""Shared pieces for the tests that drive a real Chromium: a loopback static server and the browser itself."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
BROWSER_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--no-first-run"]


def chromium_path() -> str:
    """Debian's chromium (or what CHROMIUM_PATH names); on CI a missing browser fails the run instead of skipping."""
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    if os.environ.get("CI"):
        pytest.fail(f"Chromium not found at {candidate}: install Debian's chromium package (.ci/run does)")
    pytest.skip("Chromium not installed (apt-get install chromium)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_directory(root: Path, types: Mapping[str, str] | None = None):
    """A static server for `root` on 127.0.0.1 on a free port; yields its base URL. `types`: file suffix -> the
    Content-Type to send instead of the usual one."""
    handler = _QuietHandler
    if types:
        handler = type("_TypedHandler", (_QuietHandler,), {"extensions_map": {**_QuietHandler.extensions_map, **types}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
