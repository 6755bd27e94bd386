"""`serve` watching its inputs: a change to the dumps, topics.yml, mkdocs.yml, overrides/ or the hand-written pages
asks the builder for a build (incremental when only dumps were added, full otherwise: build.py decides), and open
pages of the preview reload once it has finished.

The watching is watchdog's (installed with MkDocs). The reload is a few lines of script added to every HTML page
the preview serves: it polls GET /api/status and reloads when a newer build finished well. Nothing is added to the
built files themselves.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .build import GENERATED, BuildError, BuildOptions, read_config

DEBOUNCE_SECONDS = 0.4  # an editor's save, a git checkout or a copied folder of dumps: one build, not one a file
# Written by the build or by `serve` itself next to what it watches: a change there is not the user's.
_OWN_FILES = frozenset({"ids.json"})

RELOAD_SNIPPET = b"""<script>/* paper-digest serve: reload when a newer build finished */(() => {
  let seen = null;
  const poll = async () => {
    try {
      const status = await (await fetch("/api/status", { cache: "no-store" })).json();
      const done = status.building || status.pending ? null : status.builds;
      if (seen === null) seen = status.builds;
      else if (done !== null && done > seen) {
        seen = done;
        if (status.last_build && status.last_build.ok) location.reload();
      }
    } catch (error) { /* the server is restarting: try again */ }
    setTimeout(poll, 1000);
  };
  poll();
})();</script>
"""


def watched_paths(options: BuildOptions) -> tuple[list[Path], Callable[[str], bool]]:
    """The folders to watch, and which changed paths inside them are inputs of the build."""
    config = options.config.absolute()
    try:
        settings = read_config(options.config)
    except BuildError:  # a broken mkdocs.yml: watch the default places; the build says what is wrong with it
        settings = {}
    docs_dir = (config.parent / str(settings.get("docs_dir") or "docs")).absolute()
    theme = settings.get("theme") if isinstance(settings.get("theme"), dict) else {}
    overrides = (config.parent / str(theme.get("custom_dir") or "overrides")).absolute()
    dumps = options.dumps.absolute()
    files = {config, options.topics.absolute()}

    def relevant(path: str) -> bool:
        changed = Path(os.path.abspath(path))
        if changed in files:
            return True
        if changed.name.startswith(".") or changed.name.endswith(("~", ".swp", ".tmp")):
            return False  # editors' and our own temporary files
        if changed.is_relative_to(dumps):
            return changed.name not in _OWN_FILES
        if changed.is_relative_to(overrides):
            return True
        if changed.is_relative_to(docs_dir):
            parts = changed.relative_to(docs_dir).parts
            return bool(parts) and parts[0] not in GENERATED
        return False

    folders = {dumps, overrides, docs_dir, *(path.parent for path in files)}
    return sorted(folder for folder in folders if folder.is_dir()), relevant


class Watcher:
    """Calls `on_change()` once the watched inputs have been quiet for DEBOUNCE_SECONDS after a change."""

    def __init__(self, options: BuildOptions, on_change: Callable[[], None], log=print):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.on_change, self.log = on_change, log
        folders, self._relevant = watched_paths(options)
        self._changed = threading.Event()
        self._stopped = threading.Event()
        self._why = ""
        watcher = self

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
                    return  # a folder's "modified" only echoes a change to a file in it (ids.json, written by the build)
                for path in (event.src_path, getattr(event, "dest_path", "")):
                    if path and watcher._relevant(os.fsdecode(path)):
                        watcher._why = os.fsdecode(path)
                        watcher._changed.set()
                        return

        self._observer = Observer()
        handler = _Handler()
        config_dir = options.config.absolute().parent
        for folder in folders:
            # the project folder itself only for mkdocs.yml and topics.yml: not the site folder's churn below it
            self._observer.schedule(handler, str(folder), recursive=folder != config_dir)
        self._thread = threading.Thread(target=self._debounce, name="watcher", daemon=True)
        self.folders = folders

    def start(self) -> "Watcher":
        self._observer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._changed.set()
        self._observer.stop()
        self._observer.join(timeout=5)

    def _debounce(self) -> None:
        while True:
            self._changed.wait()
            if self._stopped.is_set():
                return
            while True:  # wait until the changes stop coming
                self._changed.clear()
                if not self._changed.wait(DEBOUNCE_SECONDS) or self._stopped.is_set():
                    break
            if self._stopped.is_set():
                return
            self.log(f"[serve] changed: {self._why}: rebuilding")
            self.on_change()


def watch(app, options: BuildOptions, log=print) -> Watcher:
    """Start watching for `serve`: changes request a build from app.builder, and served pages reload after it."""
    app.live_reload = True
    return Watcher(options, app.builder.request, log=log).start()


class LiveReloadHandler:
    """Mixed into serve's request handler: HTML pages get RELOAD_SNIPPET before </body> when app.live_reload is set."""

    def send_head(self):  # SimpleHTTPRequestHandler's hook: headers sent, the body returned as a file
        if not getattr(self.app, "live_reload", False) or self.path.startswith("/api/"):
            return super().send_head()
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].split("#", 1)[0].endswith("/"):
                return super().send_head()  # the base class answers with its redirect to the slash
            path = os.path.join(path, "index.html")
        if not path.endswith(".html"):
            return super().send_head()
        try:
            with open(path, "rb") as file:
                body = file.read()
        except OSError:
            return super().send_head()
        at = body.rfind(b"</body>")
        body = body[:at] + RELOAD_SNIPPET + body[at:] if at >= 0 else body + RELOAD_SNIPPET
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return io.BytesIO(body)
