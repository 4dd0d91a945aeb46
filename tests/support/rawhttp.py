"""A loopback HTTP server that answers with raw bytes, for faults a well-behaved server cannot make.

`tests.support.server` always sends a correct `Content-Length`; a broken index or proxy does not:
it cuts a body short, drips it a byte at a time, streams it without a length. Here each request
is handed to `respond(path, connection)`, which writes whatever bytes it likes and returns; the
connection is then closed. `paths` records the paths asked for, in order.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Respond = Callable[[str, socket.socket], None]


@dataclass
class RawServer:
    respond: Respond
    paths: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"


def head(status: int, headers: dict[str, str]) -> bytes:
    """A status line and headers, ready to be followed by a body."""
    lines = [f"HTTP/1.1 {status} Whatever"] + [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _handler(state: RawServer) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            connection: socket.socket = self.request
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode("latin-1")
            state.paths.append(path)
            with contextlib.suppress(OSError):  # the client gave up first: what some tests want
                state.respond(path, connection)

    return Handler


@contextmanager
def serve_raw(respond: Respond) -> Iterator[RawServer]:
    state = RawServer(respond)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
