"""SSRF through the app: index URLs in uploaded files, and redirects, never reach a forbidden place.

Issue 5's target: many address forms refused with zero outbound connections. Each test submits a
report through `conflicts.jobs.run` (as the view and the API do) with a requirements.in naming a
forbidden index, while a loopback listener counts the connections it accepts and a spy on
`socket.connect` records every connection attempt at all. A control test shows that the same
URLs do reach the listener when nothing vets them, so "0 accepts" means "refused", not "missed".
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conflicts.jobs import submit
from conflicts.jobs.run import run_report
from conflicts.models import Report
from resolver.index.client import IndexClient
from resolver.index.egress import EgressPolicy
from resolver.index.limits import IndexLimits
from resolver.index.urls import redact
from tests.support.fixtures import UNIVERSE
from tests.support.server import serve_index
from tests.support.universe import build_index


class Listener:
    """A TCP listener on 127.0.0.1 that counts accepted connections and answers a bare 404."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepts = 0
        self.sock.settimeout(0.05)  # so that close() is noticed promptly
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepts += 1
            try:
                conn.settimeout(1)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every address any socket in this process tries to connect to, during the test."""
    seen: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        seen.append(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        seen.append(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return seen


def loopback_forms(port: int) -> list[tuple[str, str]]:
    """(URL, expected reason) for loopback spellings that all reach the listener."""
    return [
        (f"http://127.0.0.1:{port}/simple/", "the host 127.0.0.1 is not an allowed index host (a loopback address)"),
        (f"http://2130706433:{port}/simple/", "the host 127.0.0.1 is not an allowed index host (a loopback address)"),
        (f"http://0x7f.1:{port}/simple/", "the host 127.0.0.1 is not an allowed index host (a loopback address)"),
        (f"http://0177.0.0.1:{port}/simple/", "the host 127.0.0.1 is not an allowed index host (a loopback address)"),
        (f"http://127.1:{port}/simple/", "the host 127.0.0.1 is not an allowed index host (a loopback address)"),
        (
            f"http://[::ffff:127.0.0.1]:{port}/simple/",
            "the host ::ffff:7f00:1 is not an allowed index host (a loopback address, 127.0.0.1 embedded in IPv6)",
        ),
        (f"http://localhost:{port}/simple/", "the host localhost is not an allowed index host"),
        (f"http://LOCALHOST.:{port}/simple/", "the host localhost is not an allowed index host"),
    ]


OTHER_FORMS = [
    (
        "http://169.254.169.254/latest/",
        "the host 169.254.169.254 is not an allowed index host (a link-local address)",
    ),
    ("http://0xa9fea9fe/latest/", "the host 169.254.169.254 is not an allowed index host (a link-local address)"),
    ("http://10.0.0.1/simple/", "the host 10.0.0.1 is not an allowed index host (a private address)"),
    ("http://192.168.0.1/simple/", "the host 192.168.0.1 is not an allowed index host (a private address)"),
    ("http://172.16.0.1/simple/", "the host 172.16.0.1 is not an allowed index host (a private address)"),
    (
        "http://100.64.0.1/simple/",
        "the host 100.64.0.1 is not an allowed index host (a shared address (CGNAT 100.64.0.0/10))",
    ),
    ("http://[::1]/simple/", "the host ::1 is not an allowed index host (a loopback address)"),
    ("http://0/simple/", "the host 0.0.0.0 is not an allowed index host (an unspecified address)"),
    ("file:///etc/", "file: URLs are allowed only inside a configured index"),
    ("gopher://127.0.0.1:70/", "the scheme gopher: is not allowed; only http and https are"),
    (
        "http://allowed.example@127.0.0.1/simple/",
        "user-info (user:password@) in the URL is not accepted; configure credentials in the settings",
    ),
    ("http://allowed.example:6379/simple/", "port 6379 is not allowed"),
]


def run(text: str) -> Report:
    """Submit and run a report as the view and the task do."""
    report = submit.submit_report(
        {"requirements.in": text},
        roots=["requirements.in"],
        python_version="3.11",
        platform="manylinux_2_28_x86_64",
        index_name="test index",
    )
    run_report(report.id)
    report.refresh_from_db()
    return report


def assert_refused(report: Report, url: str, reason: str) -> None:
    assert report.status == "resolved", report.error or report.result
    assert report.result["pins"]["django"] == "3.2.25"  # resolved against the configured index
    assert report.result["input"]["index"] == "test index"
    (option,) = report.result["input"]["index_options"]
    assert option["value"] == redact(url)
    assert option["honoured"] is False
    assert option["reason"] == f"not fetched: {reason}"


def test_the_listener_is_reached_when_nothing_vets_the_urls(listener: Listener) -> None:
    """Control: without a policy these spellings really do connect to the listener.

    All but `LOCALHOST.`, which this resolver's hosts file does not match with the trailing dot;
    the policy refuses it anyway, since another resolver would reach loopback with it. (The
    octal `0177.0.0.1` connects too: the C library reads it as 127.0.0.1, as the policy assumes.)
    """
    reached = []
    for url, _reason in loopback_forms(listener.port):
        before = listener.accepts
        client = IndexClient([url], allow_url=None, limits=IndexLimits(timeout=2, retries=0))
        try:
            client.project("django")  # the listener's bare 404: no such project
        except Exception:  # only whether a connection arrived matters here
            pass
        finally:
            client.close()
        if listener.accepts > before:
            reached.append(url)
    expected = [url for url, _ in loopback_forms(listener.port) if "LOCALHOST." not in url]
    assert reached == expected


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["--index-url", "--extra-index-url"])
def test_loopback_spellings_in_an_upload_are_refused_unfetched(
    test_index: str, settings, listener: Listener, connections: list[object], option: str
) -> None:
    settings.RESOLVER_ALLOWED_INDEX_HOSTS = ["allowed.example"]
    for url, reason in loopback_forms(listener.port):
        report = run(f"{option} {url}\ndjango\n")
        assert_refused(report, url, reason)
    assert listener.accepts == 0
    assert connections == []


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "reason"), OTHER_FORMS, ids=[u for u, _ in OTHER_FORMS])
def test_metadata_private_and_odd_urls_in_an_upload_are_refused_unfetched(
    test_index: str, settings, connections: list[object], url: str, reason: str
) -> None:
    settings.RESOLVER_ALLOWED_INDEX_HOSTS = ["allowed.example"]
    report = run(f"--index-url {url}\ndjango\n")
    assert_refused(report, url, reason)
    assert connections == []


@pytest.mark.django_db
def test_an_allow_listed_name_resolving_to_loopback_is_refused(
    test_index: str, settings, listener: Listener, connections: list[object]
) -> None:
    """Allow-listing a name is not allowing what it resolves to: private answers are refused."""
    settings.RESOLVER_ALLOWED_INDEX_HOSTS = ["localhost"]
    report = run("--index-url http://localhost/simple/\ndjango\n")
    (option,) = report.result["input"]["index_options"]
    assert option["honoured"] is False
    assert option["reason"] in (
        "not fetched: localhost resolves to 127.0.0.1, a loopback address",
        "not fetched: localhost resolves to ::1, a loopback address",
    )
    report = run(f"--index-url http://localhost:{listener.port}/simple/\ndjango\n")
    assert report.result["input"]["index_options"][0]["reason"] == f"not fetched: port {listener.port} is not allowed"
    assert listener.accepts == 0
    assert connections == []


@pytest.mark.django_db
def test_file_urls_from_an_upload_are_refused_even_inside_the_configured_index(
    test_index: str, connections: list[object]
) -> None:
    """The bundled index is file://, but a user may not point at files: only the settings may."""
    report = run(f"--extra-index-url {test_index}\ndjango\n")
    (option,) = report.result["input"]["index_options"]
    assert option["honoured"] is True  # the very URL of the configured index is fine
    other = Path(test_index.removeprefix("file://")).parent.parent.as_uri() + "/"
    report = run(f"--index-url {other}\ndjango\n")
    assert_refused(report, other, "file: URLs are allowed only inside a configured index")
    assert connections == []


@pytest.mark.django_db
def test_a_redirect_from_a_configured_index_to_another_port_is_not_followed(
    tmp_path: Path, settings, listener: Listener, connections: list[object]
) -> None:
    """A configured loopback index is trusted as configured; where it redirects to is still vetted."""
    targets = iter(
        [
            f"http://127.0.0.1:{listener.port}/simple/django/",
            f"http://2130706433:{listener.port}/simple/django/",
            f"http://[::ffff:127.0.0.1]:{listener.port}/simple/django/",
            "http://169.254.169.254/latest/meta-data/",
        ]
    )
    current: dict[str, str] = {}

    def redirect(path: str) -> tuple[int, bytes, dict[str, str]] | None:
        if path.rstrip("/") == "/simple/django":
            return 302, b"moved", {"Location": current["target"]}
        return None

    build_index(tmp_path / "index", UNIVERSE)
    with serve_index(tmp_path / "index", fault=redirect) as server:
        settings.RESOLVER_INDEXES = [("test index", server.simple_url)]
        for target in targets:
            current["target"] = target
            report = run("django\n")
            assert report.status == "error", report.result
            messages = " ".join(d["message"] for d in report.result["diagnoses"])
            assert "is not an allowed index URL; it was not fetched" in messages, messages
            assert target in messages or target.replace("2130706433", "127.0.0.1") in messages
        assert server.requests["/simple/django/"] >= 4  # the configured index was asked each time
    assert listener.accepts == 0
    server_port = int(server.url.rsplit(":", 1)[1])
    assert {address[1] for address in connections} == {server_port}  # type: ignore[index]


@pytest.mark.django_db
def test_the_configured_index_host_on_another_port_is_not_allowed(
    tmp_path: Path, settings, connections: list[object]
) -> None:
    """Issue 14, item 4: a configured index on 127.0.0.1:<port> allowed the upload
    `--index-url http://127.0.0.1/latest/meta-data/`, and the worker connected to port 80."""
    build_index(tmp_path / "index", UNIVERSE)
    with serve_index(tmp_path / "index") as server:
        settings.RESOLVER_INDEXES = [("test index", server.simple_url)]
        url = "http://127.0.0.1/latest/meta-data/"
        report = run(f"--index-url {url}\ndjango\n")
        assert_refused(report, url, "the host 127.0.0.1 is not an allowed index host (a loopback address)")
        report = run(f"--index-url {server.url}/other/simple/\ndjango\n")  # the same origin is the configured one
        assert report.result["input"]["index_options"][0]["honoured"] is True
    server_port = int(server.url.rsplit(":", 1)[1])
    assert {address[1] for address in connections} == {server_port}  # type: ignore[index]


def test_a_rebinding_name_is_connected_at_the_address_it_was_vetted_with(
    listener: Listener, connections: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy vets rebind.example as public; the system resolver (asked again to connect) would
    answer loopback, where the listener waits. The socket must go to the vetted address."""
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host: object, *args: object, **kwargs: object) -> object:
        return real_getaddrinfo("127.0.0.1" if host == "rebind.example" else host, *args, **kwargs)

    def refuse_public(self: socket.socket, address: object) -> None:
        connections.append(address)
        if address[0] == "93.184.216.34":  # type: ignore[index]
            raise ConnectionRefusedError("the test does not leave this machine")
        return real_connect(self, address)

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(socket.socket, "connect", refuse_public)
    policy = EgressPolicy({"rebind.example"}, allowed_ports=None, resolver=lambda host: ["93.184.216.34"])
    client = IndexClient([f"http://rebind.example:{listener.port}/simple/"], allow_url=policy,
                         limits=IndexLimits(timeout=2, retries=0))  # fmt: skip
    try:
        with pytest.raises(Exception):  # noqa: B017 - only where the connection went matters
            client.project("django")
    finally:
        client.close()
    assert listener.accepts == 0
    assert ("93.184.216.34", listener.port) in connections
