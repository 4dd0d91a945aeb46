"""A loopback HTTP server for the extracted offline index, with injected latency and a request count.

The benchmark needs what a real index costs per request (latency) and how many requests each tool
makes; a file:// URL has neither, and the test suite's server lives under tests/, which a harness
shipped in the repo should not import. This one is deliberately small: GET only, PEP 691 JSON or
PEP 503 HTML chosen on `Accept`, files served whole.

Answers carry the `Cache-Control` a real index sends (project pages fresh for 10 minutes, files
for a year, as the large public indexes do): without it pip's HTTP cache stores nothing and its
"warm" runs would be cold runs in disguise. Pages carry an `ETag` and answer a matching
`If-None-Match` with a bodiless 304, because pip revalidates every project page (it asks with
`max-age=0`) and a real index lets that revalidation be cheap. Our engine obeys the same headers
(`resolver/index/cache.py`): a warm run within the ten minutes asks for no page, and one after them asks
each page with its `ETag` and gets a 304. A missing project's 404 carries no lifetime, so a warm
run asks for it again, as it must: the project may have been published since.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
PAGE_CACHE = "max-age=600, public"
FILE_CACHE = "max-age=31557600, public, immutable"


@dataclass
class BenchServer:
    root: Path
    latency: float = 0.0
    url: str = ""
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def take_count(self) -> int:
        """Requests served since the last call: one run's requests, with nothing else in flight."""
        with self._lock:
            count, self._count = self._count, 0
        return count

    def _counted(self) -> None:
        with self._lock:
            self._count += 1


def _handler(state: BenchServer) -> type[BaseHTTPRequestHandler]:
    root = state.root.resolve()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real index offers; both clients reuse connections
        # Headers and body go out in two writes: with Nagle's algorithm on, the body waited for the
        # client's delayed ACK of the headers, adding about 40 ms to every small answer (both
        # tools alike), so "0 ms" was really 40. A real index's server sends without that stall.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state._counted()
            if state.latency:
                time.sleep(state.latency)
            target = (root / unquote(urlsplit(self.path).path).lstrip("/")).resolve()
            if target != root and root not in target.parents:
                self._send(404, b"not found", "text/plain")
            elif target.is_dir():
                wants_json = JSON_TYPE in (self.headers.get("Accept") or "")
                page = target / ("index.json" if wants_json else "index.html")
                if not page.is_file():
                    page = target / "index.html" if wants_json else target / "index.json"
                if page.is_file():
                    kind = JSON_TYPE if page.suffix == ".json" else "text/html; charset=utf-8"
                    body = page.read_bytes()
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if etag in (self.headers.get("If-None-Match") or ""):
                        self._send(304, b"", kind, PAGE_CACHE, etag)
                    else:
                        self._send(200, body, kind, PAGE_CACHE, etag)
                else:
                    self._send(404, b"not found", "text/plain")
            elif target.is_file():
                self._send(200, target.read_bytes(), "application/octet-stream", FILE_CACHE)
            else:
                self._send(404, b"not found", "text/plain")

        def _send(
            self, status: int, body: bytes, content_type: str, cache: str | None = None, etag: str | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if etag:
                self.send_header("ETag", etag)
            if cache:
                self.send_header("Cache-Control", cache)
                self.send_header("Vary", "Accept")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a client opening more connections at once (ours opens
    # up to 9) had the surplus SYNs dropped and retried after a second. An index's server accepts more.
    request_queue_size = 128


@contextmanager
def serve(root: Path, latency: float = 0.0) -> Iterator[BenchServer]:
    """Serve `root` (the parent of `simple/` and `files/`) on an ephemeral loopback port."""
    state = BenchServer(root=root, latency=latency)
    httpd = _Server(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
