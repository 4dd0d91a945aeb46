"""A forward proxy on loopback, as a corporate network puts between its machines and the outside.

It takes requests in absolute form (`GET http://host:port/path`) and passes them on, and opens a
CONNECT tunnel for https, copying bytes both ways without seeing inside. `seen` keeps
(method, target) of each request it was asked to carry; with `credentials`, a request without
that Proxy-Authorization gets a 407. Also: a throwaway TLS certificate for a loopback server.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest


@dataclass
class Proxy:
    credentials: tuple[str, str] | None = None
    seen: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""


@contextmanager
def serve_proxy(credentials: tuple[str, str] | None = None) -> Iterator[Proxy]:
    state = Proxy(credentials)
    listener = socket.create_server(("127.0.0.1", 0))
    state.url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(state, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield state
    finally:
        listener.close()


def _serve(state: Proxy, client: socket.socket) -> None:
    with client:
        reader = client.makefile("rb")
        request_line = reader.readline().decode("latin-1").rstrip("\r\n")
        if not request_line:
            return
        method, target, version = request_line.split(" ", 2)
        headers: list[tuple[str, str]] = []
        while (line := reader.readline().decode("latin-1").rstrip("\r\n")) != "":
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        state.seen.append((method, target))
        wanted = {name.lower(): value for name, value in headers}
        if state.credentials is not None:
            expected = "Basic " + base64.b64encode(":".join(state.credentials).encode()).decode()
            if wanted.get("proxy-authorization") != expected:
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            with socket.create_connection((host, int(port)), timeout=10) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _pipe(client, upstream)  # the client waits for the 200: nothing of it is buffered
            return
        parts = urlsplit(target)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        kept = [(n, v) for n, v in headers if n.lower() not in ("proxy-authorization", "connection")]
        lines = [f"{method} {path} {version}", *(f"{n}: {v}" for n, v in kept), "Connection: close", "", ""]
        head = "\r\n".join(lines)
        body = reader.read(int(wanted.get("content-length", "0")))
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as upstream:
            upstream.sendall(head.encode("latin-1") + body)
            while chunk := upstream.recv(65536):  # the answer as it comes; closing ends it
                client.sendall(chunk)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy both ways until either side closes."""

    def copy(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                target.sendall(chunk)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=copy, args=(upstream, client), daemon=True)
    back.start()
    copy(client, upstream)
    back.join(timeout=10)


def tls_server_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a new self-signed certificate for 127.0.0.1, and the certificate's
    path (the CA bundle a client must trust). Made by the openssl command line."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert
