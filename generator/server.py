"""The local backend of the browser extension, over HTTP: serves the built site, takes captured pages (POST
/api/dumps, stored by generator/intake.py) and says how the builds go (GET /api/status).

What is HTTP's is here: the token, CORS, Content-Length, time limits, a bounded number of workers, live reload. A
stored dump asks for a build: one build at a time, posts that arrive during a build coalesce into one follow-up
build, done by the same library functions as `build`.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import functools
import http.server
import ipaddress
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .build import options_from_args
from .intake import CONTENT_TYPES, Intake, NotStored
from .model import printable
from .preview import Builder
from .watch import LiveReloadHandler, watch

TOKEN_ENV = "PAPER_DIGEST_TOKEN"
DEFAULT_TOKEN_FILE = Path("~/.config/paper-digest/token")
DEFAULT_ORIGINS = ("chrome-extension://*", "moz-extension://*")
DEFAULT_TIMEOUT = 30.0  # seconds: for a request's line and headers together, then for its body
DEFAULT_WORKERS = 16  # requests handled at once; the rest wait in the listen backlog
LISTEN_BACKLOG = 128
BUILD_LOCK_WAIT = 600.0  # a build of the same site folder from the command line: wait for it, then build
_DIGITS = re.compile(r"[0-9]{1,20}")


class ServeError(Exception):
    pass


def configured_token(token_file: str | None) -> str | None:
    """The bearer token the operator set (PAPER_DIGEST_TOKEN, or an existing token file), else None."""
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    path = token_path(token_file)
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        if not token:
            raise ServeError(f"{path}: token file is empty")
        return token
    return None


def make_token(token_file: str | None) -> str:
    """A new token in the token file (mode 600): for a loopback server whose operator set none."""
    path = token_path(token_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by its owner only
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def token_path(token_file: str | None) -> Path:
    return Path(token_file).expanduser() if token_file else DEFAULT_TOKEN_FILE.expanduser()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Handler(http.server.SimpleHTTPRequestHandler):
    server_version = "PaperDigest"
    sys_version = ""
    app: "App"

    def log_message(self, format, *args):  # noqa: A002
        if not self.app.quiet:
            super().log_message(format, *args)

    # -- CORS ---------------------------------------------------------------------------------
    def _origin_allowed(self) -> bool:
        origin = self.headers.get("Origin")
        return origin is None or any(fnmatch.fnmatchcase(origin, pattern) for pattern in self.app.origins)

    def _cors_headers(self) -> None:
        origin = self.headers.get("Origin")
        if origin and self._origin_allowed():
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")

    # -- the request line and headers must arrive within the timeout (a client dripping a byte at a time would
    # never trip the socket's per-read timeout): BoundedServer's watchdog closes the connection past the deadline
    def setup(self) -> None:
        super().setup()
        self.server.watch(self.connection, self.app.timeout)

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        if self.server.unwatch(self.connection):  # cut off by the watchdog: what was read is not a whole request
            self.close_connection = True
            return False
        return parsed

    def finish(self) -> None:
        self.server.unwatch(self.connection)
        super().finish()

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        if not self.path.startswith("/api/") or not self._origin_allowed():
            self._json(403, {"error": "origin not allowed"})
            return
        self.send_response(204)
        self._cors_headers()
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Page-Url")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self._cors_headers()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    # -- API ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/api/status":
            self._json(200, self.app.status())
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        super().do_HEAD()

    def do_POST(self) -> None:
        if self.path.split("?", 1)[0] != "/api/dumps":
            self._json(404, {"error": "not found"})
            return
        if not self._origin_allowed():
            self._json(403, {"error": "origin not allowed"})
            return
        auth = self.headers.get("Authorization", "")
        if not secrets.compare_digest(auth.encode(), f"Bearer {self.app.token}".encode()):
            self._drain()
            self._json(401, {"error": "missing or wrong token"})
            return
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            self._drain()
            self._json(411, {"error": "Content-Length required"})
            return
        if len(set(lengths)) != 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            self.close_connection = True  # where this body ends is unknown: nothing more is read from it
            self._json(400, {"error": f"invalid Content-Length {lengths[0][:40]!r}: a non-negative whole number of bytes"})
            return
        length = int(lengths[0])
        if length > self.app.max_bytes:
            self._drain(length, limit=4 * self.app.max_bytes)  # so the client reads the answer, not a reset
            self.close_connection = True
            self._json(413, {"error": f"body of {length} bytes is over the {self.app.max_bytes} byte cap"})
            return
        content_type = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if content_type not in CONTENT_TYPES:
            self._drain(length)
            self._json(415, {"error": f"unsupported content type {content_type or '(none)'}; send text/html, text/plain or application/json"})
            return
        data = self._read_body(length)
        if data is None:
            self.close_connection = True
            self._json(408, {"error": f"the body did not arrive within {self.app.timeout:g} s"})
            return
        page_url = self.headers.get("X-Page-Url", "").strip()
        if not page_url.startswith(("http://", "https://")):
            page_url = ""
        try:
            status, body = self.app.intake.take(data, content_type, page_url)
        except NotStored as error:
            self.app.log(printable(f"[serve] could not store a dump: {error}"))
            self._json(507 if error.full else 500, {"error": f"could not store the dump: {error.reason}"})
            return
        except Exception as error:  # noqa: BLE001 - an answer, never a dropped connection
            self.app.log(printable(f"[serve] storing a dump failed: {type(error).__name__}: {error}"))
            self._json(500, {"error": f"could not store the dump: {type(error).__name__}"})
            return
        self._json(status, body)

    def _read_body(self, length: int) -> bytes | None:
        """The body, or None when it does not arrive within the timeout (a stalled or trickling client)."""
        deadline = time.monotonic() + self.app.timeout
        chunks, left = [], length
        try:
            while left > 0:
                if time.monotonic() > deadline:
                    return None
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    return None
                chunks.append(chunk)
                left -= len(chunk)
        except TimeoutError:  # no byte for `timeout` seconds (the socket's own timeout)
            return None
        return b"".join(chunks)

    def _drain(self, length: int | None = None, limit: int | None = None) -> None:
        if length is None:
            raw = (self.headers.get("Content-Length") or "0").strip()
            length = int(raw) if _DIGITS.fullmatch(raw) else -1
        if 0 <= length <= (limit or self.app.max_bytes):
            deadline = time.monotonic() + self.app.timeout
            try:
                while length > 0 and time.monotonic() < deadline:
                    chunk = self.rfile.read1(min(length, 1 << 20))
                    if not chunk:
                        break
                    length -= len(chunk)
            except TimeoutError:
                pass
        if length != 0:
            self.close_connection = True


@dataclass
class App:
    """What every request of one server shares: its settings, the dumps it stores into, its builder."""

    token: str
    origins: tuple[str, ...]
    max_bytes: int
    intake: Intake
    builder: Builder
    quiet: bool = False
    log: object = print
    timeout: float = DEFAULT_TIMEOUT
    live_reload: bool = False  # set by watch(): served pages reload after a build (generator/watch.py)

    def status(self) -> dict:
        """GET /api/status: the builds (running, asked for, done, the last one) and how many dumps there are."""
        return {**self.builder.status(), "dumps": self.intake.count()}


class BoundedServer(http.server.ThreadingHTTPServer):
    """A thread per request, at most `workers` at once: when all are busy the accept loop waits and further
    connections queue in the listen backlog (LISTEN_BACKLOG; the standard library's 5 made a burst of 200 uploads
    lose half to resets), instead of each getting a thread of its own."""

    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True

    def __init__(self, address, handler, workers: int = DEFAULT_WORKERS):
        self._slots = threading.BoundedSemaphore(workers)
        self._deadlines: dict = {}  # connection -> when its request line and headers must be in
        self._expired: set = set()
        self._watch_lock = threading.Lock()
        self._closed = threading.Event()
        super().__init__(address, handler)
        threading.Thread(target=self._watchdog, name="header-deadlines", daemon=True).start()

    def watch(self, connection, seconds: float) -> None:
        with self._watch_lock:
            self._deadlines[connection] = time.monotonic() + seconds

    def unwatch(self, connection) -> bool:
        """Stop watching; True when the watchdog had cut the connection off."""
        with self._watch_lock:
            self._deadlines.pop(connection, None)
            expired = connection in self._expired
            self._expired.discard(connection)
        return expired

    def _watchdog(self) -> None:
        while not self._closed.wait(0.25):
            now = time.monotonic()
            with self._watch_lock:
                late = [conn for conn, deadline in self._deadlines.items() if deadline < now]
                for conn in late:
                    del self._deadlines[conn]
                    self._expired.add(conn)
            for conn in late:
                try:
                    conn.shutdown(socket.SHUT_RDWR)  # the blocked read returns: the worker is free
                except OSError:
                    pass

    def server_close(self) -> None:
        self._closed.set()
        super().server_close()

    def process_request(self, request, client_address) -> None:
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def make_server(args: argparse.Namespace, log=print, timeout: float = DEFAULT_TIMEOUT,
                workers: int = DEFAULT_WORKERS) -> tuple[BoundedServer, App]:
    """The server `serve` runs (not yet serving) and its App; ServeError or OSError when it cannot be made."""
    token = _token(args)
    options = dataclasses.replace(options_from_args(args), lock_wait=BUILD_LOCK_WAIT)
    site_dir = options.site_dir.absolute()
    site_dir.mkdir(parents=True, exist_ok=True)
    builder = Builder(options, log=log)
    app = App(
        token=token,
        origins=tuple(args.allow_origin) or DEFAULT_ORIGINS,
        max_bytes=args.max_bytes,
        intake=Intake(options.dumps, git_commit=args.git_commit, on_stored=builder.request, log=log),
        builder=builder,
        quiet=args.quiet,
        log=log,
        timeout=timeout,
    )
    # The socket timeout bounds every read of a request (its line, each header, each part of the body): a stalled
    # client frees its worker after `timeout` seconds. The site folder is served by path, not resolved, so a
    # build that publishes a new folder there is served at once.
    handler = type("BoundHandler", (LiveReloadHandler, Handler), {"app": app, "timeout": timeout})
    server = BoundedServer((args.host, args.port), functools.partial(handler, directory=str(site_dir)), workers=workers)
    return server, app


def _token(args: argparse.Namespace) -> str:
    """The configured token; else, on loopback only, a new one in the token file."""
    token = configured_token(args.token_file)
    if token is None and not is_loopback(args.host):  # refused before anything is made: a second run is refused too
        raise ServeError(f"refusing to listen on non-loopback address {args.host} without a configured token "
                         f"(set {TOKEN_ENV} or pass an existing --token-file)")
    return token if token is not None else make_token(args.token_file)


def cmd_serve(args: argparse.Namespace) -> int:
    """`serve`: the site and the ingest API until interrupted (Ctrl-C); 1 when the server cannot start."""
    try:
        server, app = make_server(args)
    except (ServeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _announce(server, args)
    if not args.no_initial_build:
        app.builder.request()
    watcher = None if args.no_watch else watch(app, app.builder.options, log=lambda line: print(line, file=sys.stderr))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if watcher is not None:
            watcher.stop()
        app.builder.stop()
        server.server_close()
    return 0


def _announce(server: BoundedServer, args: argparse.Namespace) -> None:
    """Where the server listens and where its token is, on stderr."""
    host, port = server.server_address[:2]
    print(f"[serve] site and ingest API on http://{host}:{port}/ (POST /api/dumps, GET /api/status)", file=sys.stderr)
    print(f"[serve] token: {TOKEN_ENV} or {args.token_file or DEFAULT_TOKEN_FILE}", file=sys.stderr)
