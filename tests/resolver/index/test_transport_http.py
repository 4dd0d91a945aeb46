"""HttpTransport over http.client: kept-alive connections, decoding, limits, stale connections."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from resolver.index.transport import HttpTransport, TooLarge, TransportError

BODY = b"x" * 100_000


@contextmanager
def server(close_after: int | None = None) -> Iterator[tuple[str, dict[str, int]]]:
    seen = {"connections": 0, "requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            seen["connections"] += 1

        def do_GET(self) -> None:
            seen["requests"] += 1
            body, extra = BODY, {}
            if self.path.startswith("/gzip"):
                body, extra = gzip.compress(BODY), {"Content-Encoding": "gzip"}
            if self.path.startswith("/auth"):
                body = (self.headers.get("Authorization") or "").encode()
            if self.path.startswith("/echo"):
                body = self.path.encode()
            self.send_response(200)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            if close_after is not None and seen["requests"] % close_after == 0:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_requests_reuse_one_kept_alive_connection() -> None:
    with server() as (url, seen):
        transport = HttpTransport(5.0)
        try:
            for _ in range(5):
                assert transport.fetch(url + "/a", headers={}, max_bytes=10**6).body == BODY
        finally:
            transport.close()
    assert seen == {"connections": 1, "requests": 5}


def test_a_connection_the_server_closes_is_replaced() -> None:
    with server(close_after=2) as (url, seen):
        transport = HttpTransport(5.0)
        try:
            for _ in range(4):
                assert transport.fetch(url + "/a", headers={}, max_bytes=10**6).status == 200
        finally:
            transport.close()
    assert seen == {"connections": 2, "requests": 4}


def test_gzip_bodies_are_decoded_and_the_limit_counts_decoded_bytes() -> None:
    with server() as (url, _):
        transport = HttpTransport(5.0)
        try:
            response = transport.fetch(url + "/gzip", headers={}, max_bytes=10**6)
            assert response.body == BODY and "content-encoding" not in response.headers
            with pytest.raises(TooLarge):
                transport.fetch(url + "/gzip", headers={}, max_bytes=50_000)
            with pytest.raises(TooLarge):
                transport.fetch(url + "/a", headers={}, max_bytes=50_000)
            assert transport.fetch(url + "/a", headers={}, max_bytes=10**6).body == BODY  # still usable
        finally:
            transport.close()


def test_basic_auth_and_non_ascii_paths() -> None:
    with server() as (url, _):
        transport = HttpTransport(5.0)
        try:
            answer = transport.fetch(url + "/auth", headers={}, max_bytes=1000, auth=("user", "pa:ss"))
            assert answer.body == b"Basic dXNlcjpwYTpzcw=="
            assert (
                transport.fetch(url + "/echo/caf\u00e9?q=1", headers={}, max_bytes=1000).body == b"/echo/caf%C3%A9?q=1"
            )
        finally:
            transport.close()


def test_unreachable_server_is_a_transport_error() -> None:
    with server() as (url, _):
        pass  # closed: nothing listens there any more
    transport = HttpTransport(2.0)
    with pytest.raises(TransportError):
        transport.fetch(url + "/a", headers={}, max_bytes=1000)
    with pytest.raises(ValueError):
        transport.fetch("ftp://127.0.0.1/a", headers={}, max_bytes=1000)
