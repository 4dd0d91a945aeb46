"""A static simple index served over real HTTP on loopback, as devpi or a wheels proxy would.

It negotiates PEP 691 JSON against PEP 503 HTML on `Accept`, answers single byte ranges (so the
wheel range-request path is exercised), counts requests, and can add latency or fail on purpose.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"

# A fault hook gets the request path and returns (status, body) to answer instead, or None.
Fault = Callable[[str], tuple[int, bytes] | None]


@dataclass
class IndexServer:
    root: Path
    latency: float = 0.0
    ranges: bool = True
    fault: Fault | None = None
    requests: Counter[str] = field(default_factory=Counter)
    url: str = ""

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def total_requests(self) -> int:
        return sum(self.requests.values())


def _handler(server: IndexServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            server.requests[path] += 1
            if server.latency:
                time.sleep(server.latency)
            if server.fault and (answer := server.fault(path)) is not None:
                status, body = answer
                self._send(status, body, "text/plain")
                return
            target = (server.root / path.lstrip("/")).resolve()
            if server.root.resolve() not in target.parents and target != server.root.resolve():
                self._send(404, b"not found", "text/plain")
                return
            if target.is_dir():
                self._send_page(target)
            elif target.is_file():
                self._send_file(target)
            else:
                self._send(404, b"not found", "text/plain")

        def _send_page(self, directory: Path) -> None:
            json_page, html_page = directory / "index.json", directory / "index.html"
            wants_json = JSON_TYPE in (self.headers.get("Accept") or "")
            if json_page.exists() and (wants_json or not html_page.exists()):
                self._send(200, json_page.read_bytes(), JSON_TYPE)
            elif html_page.exists():
                self._send(200, html_page.read_bytes(), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def _send_file(self, path: Path) -> None:
            data = path.read_bytes()
            wanted = self.headers.get("Range")
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", wanted or "")
            if server.ranges and match and (match[1] or match[2]):
                size = len(data)
                if match[1]:
                    start = int(match[1])
                    end = min(int(match[2]) if match[2] else size - 1, size - 1)
                else:
                    start, end = max(0, size - int(match[2])), size - 1
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                self.send_header("Accept-Ranges", "bytes")
                self._finish(data[start : end + 1], "application/octet-stream")
                return
            self._send(200, data, "application/octet-stream")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            if server.ranges:
                self.send_header("Accept-Ranges", "bytes")
            self._finish(body, content_type)

        def _finish(self, body: bytes, content_type: str) -> None:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve_index(root: Path, **options: object) -> Iterator[IndexServer]:
    """Serve `root` (the parent of `simple/` and `files/`) on an ephemeral loopback port."""
    state = IndexServer(root=root, **options)  # type: ignore[arg-type]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
