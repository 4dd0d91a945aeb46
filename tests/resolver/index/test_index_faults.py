"""A misbehaving index, seen through the whole engine: every fault ends in a report that says so.

Each test resolves against a loopback index whose URL carries a user name and a password, and
checks the report: status `error`, one `index_error` diagnosis naming the URL at fault with the
password replaced by `****`, and the password nowhere in the JSON. The client-level tests in
test_index.py and test_index_requests.py cover the individual checks; these cover the path from
a fault on the wire to what a user reads, and the faults only a raw socket can make (bodies cut
short, dripped, or streamed without a length).
"""

from __future__ import annotations

import gzip
import json
import socket
import time
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.index.limits import IndexLimits
from resolver.output.report import Report
from tests.support.rawhttp import head, serve_raw
from tests.support.server import HTML_TYPE, JSON_TYPE, serve_index
from tests.support.universe import build_index

UNIVERSE = {"app": {"1.0": {"requires": ["lib>=1"]}}, "lib": {"1.0": {}, "2.0": {}}}
USER, PASSWORD = "ci-user", "pa55-w0rd-never-shown"
FAST = IndexLimits(timeout=1.0, retries=2, backoff=(0.0,))


@pytest.fixture(params=["html", "json"])
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def root(tmp_path: Path, fmt: str) -> Path:
    build_index(tmp_path / "index", UNIVERSE, formats=(fmt,))
    return tmp_path / "index"


def with_login(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@")


def shown(url: str) -> str:
    return url.replace("http://", "http://****@")


def resolve_against(url: str, limits: IndexLimits = FAST) -> Report:
    client = IndexClient([with_login(url)], limits=limits)
    try:
        return resolve(
            {"requirements.in": "app\n"},
            index=client,
            target=Target("3.11", "manylinux_2_28_x86_64"),
            index_name="faulty",
        )
    finally:
        client.close()


def index_error(report: Report, url: str) -> str:
    """The one index_error diagnosis's message, after checking it names `url` without the password."""
    assert PASSWORD not in json.dumps(report)
    assert report["status"] == "error", report["diagnoses"]
    (diagnosis,) = [d for d in report["diagnoses"] if d["kind"] == "index_error"]
    assert diagnosis["url"] == shown(url)
    assert diagnosis["message"].startswith(shown(url))
    return diagnosis["message"]


def test_the_healthy_index_resolves_with_the_login(root):
    with serve_index(root, credentials=(USER, PASSWORD)) as server:
        report = resolve_against(server.simple_url)
    assert report["status"] == "resolved"
    assert report["pins"] == {"app": "1.0", "lib": "2.0"}


# -- slow --------------------------------------------------------------------------------------


def test_an_index_slower_than_the_timeout_is_retried_then_an_index_error(root):
    started = time.monotonic()
    with serve_index(root, credentials=(USER, PASSWORD), latency=2.0) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.simple_url}app/")
    assert "could not be read: " in message
    assert "timed out" in message
    assert message.endswith("(after 3 attempts)")
    assert server.requests["/simple/app/"] == 3
    assert time.monotonic() - started < 3 * 1.0 + 2.5  # three timeouts, not three full answers


def test_a_page_dripped_a_byte_at_a_time_stops_at_the_timeout():
    """Each byte arrives within the read timeout, so only a deadline for the whole answer stops it."""

    def drip(path: str, connection: socket.socket) -> None:  # 10 s for a page of 200 spaces
        connection.sendall(head(200, {"Content-Type": HTML_TYPE, "Content-Length": "200"}))
        for _ in range(200):
            connection.sendall(b" ")
            time.sleep(0.05)

    started = time.monotonic()
    with serve_raw(drip) as server:
        report = resolve_against(server.simple_url, IndexLimits(timeout=0.5, retries=1, backoff=(0.0,)))
    message = index_error(report, f"{server.simple_url}app/")
    assert "could not be read: the answer took " in message  # the whole-answer deadline, 4 x 0.5 s
    assert message.endswith("(after 2 attempts)")
    assert time.monotonic() - started < 2 * 2 + 3


# -- server errors -----------------------------------------------------------------------------


def test_server_errors_are_retried_then_an_index_error(root):
    with serve_index(root, credentials=(USER, PASSWORD), fault=lambda path: (500, b"Internal Server Error")) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.simple_url}app/")
    assert message == f"{shown(server.simple_url)}app/ could not be read: HTTP 500 (after 3 attempts)"
    assert server.requests["/simple/app/"] == 3


def test_a_server_error_on_a_metadata_file_names_that_file(root):
    def metadata_fails(path: str) -> tuple[int, bytes] | None:
        return (503, b"busy") if path.endswith(".metadata") else None

    with serve_index(root, credentials=(USER, PASSWORD), fault=metadata_fails) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.url}/files/app-1.0-py3-none-any.whl.metadata")
    assert message.endswith("could not be read: HTTP 503 (after 3 attempts)")


# -- truncated and malformed -------------------------------------------------------------------


def test_a_body_cut_short_of_its_content_length_is_retried_then_an_index_error(fmt):
    page = b'{"meta": {"api-version": "1.1"}, "files": [{"filename": "app-1.0-py3-none-any.whl", "ur'
    content_type = JSON_TYPE if fmt == "json" else HTML_TYPE
    if fmt == "html":
        page = b'<!DOCTYPE html><html><body><a href="../../files/app-1.0-py3-none-any.whl#sha256=ab'

    def cut(path: str, connection: socket.socket) -> None:
        connection.sendall(head(200, {"Content-Type": content_type, "Content-Length": "4000"}) + page)

    with serve_raw(cut) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.simple_url}app/")
    assert "could not be read: " in message
    assert message.endswith("(after 3 attempts)")
    assert len(server.paths) == 3


def test_a_json_page_cut_short_is_a_malformed_page(tmp_path):
    root = tmp_path / "index"
    build_index(root, UNIVERSE, formats=("json",))
    page = root / "simple" / "app" / "index.json"
    page.write_text(page.read_text()[:70])
    with serve_index(root, credentials=(USER, PASSWORD)) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.simple_url}app/")
    assert "returned a malformed page: invalid JSON (" in message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[1, 2, 3]", "JSON without a 'files' list"),
        (b'{"meta": {"api-version": "2.0"}, "files": []}', "unsupported API version 2.0"),
        (b'{"files": ["app-1.0.whl"]}', "file #1 is not an object"),
        (b"\xff\xfe\x00garbage", "invalid JSON"),
    ],
)
def test_a_malformed_json_page_says_what_is_wrong(tmp_path, body, reason):
    root = tmp_path / "index"
    build_index(root, UNIVERSE, formats=("json",))
    (root / "simple" / "app" / "index.json").write_bytes(body)
    with serve_index(root, credentials=(USER, PASSWORD)) as server:
        report = resolve_against(server.simple_url)
    assert reason in index_error(report, f"{server.simple_url}app/")


def test_an_html_page_of_another_api_version_is_a_malformed_page(tmp_path):
    root = tmp_path / "index"
    build_index(root, UNIVERSE, formats=("html",))
    meta = '<meta name="pypi:repository-version" content="2.0">'
    (root / "simple" / "app" / "index.html").write_text(f"<html><head>{meta}</head><body></body></html>")
    with serve_index(root, credentials=(USER, PASSWORD)) as server:
        report = resolve_against(server.simple_url)
    assert "returned a malformed page: unsupported API version 2.0" in index_error(report, f"{server.simple_url}app/")


def test_an_html_page_of_binary_junk_lists_no_files_and_is_not_a_crash(tmp_path):
    root = tmp_path / "index"
    build_index(root, UNIVERSE, formats=("html",))
    (root / "simple" / "app" / "index.html").write_bytes(bytes(range(256)) * 40)
    with serve_index(root, credentials=(USER, PASSWORD)) as server:
        report = resolve_against(server.simple_url)
    assert PASSWORD not in json.dumps(report)
    assert report["status"] == "conflict"
    assert [d["kind"] for d in report["diagnoses"]] == ["not_found"]
    assert report["diagnoses"][0]["package"] == "app"


# -- wrong content types -----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "application/json", ""])
def test_a_page_with_the_wrong_content_type_is_an_index_error(content_type):
    body = b'{"meta": {"api-version": "1.1"}, "files": []}'

    def answer(path: str, connection: socket.socket) -> None:
        headers = {"Content-Length": str(len(body))} | ({"Content-Type": content_type} if content_type else {})
        connection.sendall(head(200, headers) + body)

    with serve_raw(answer) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.simple_url}app/")
    assert message.endswith(f"returned a malformed page: unexpected content type {content_type or '(none)'!r}")


def test_a_login_page_instead_of_the_metadata_file_fails_its_hash(root):
    """A proxy that answers 200 with its own HTML page must not be read as the package's metadata."""

    def login_page(path: str) -> tuple[int, bytes] | None:
        return (200, b"<html><body>Please log in</body></html>") if path.endswith(".metadata") else None

    with serve_index(root, credentials=(USER, PASSWORD), fault=login_page) as server:
        report = resolve_against(server.simple_url)
    message = index_error(report, f"{server.url}/files/app-1.0-py3-none-any.whl.metadata")
    assert "does not match its sha256 hash on the index page" in message


# -- huge --------------------------------------------------------------------------------------

SMALL = IndexLimits(timeout=5.0, retries=2, backoff=(0.0,), max_page_bytes=64 * 1024, max_metadata_bytes=16 * 1024)


def test_a_page_over_the_limit_announced_by_its_length_is_refused_unread(root, fmt):
    big = b" " * (10 * 1024 * 1024)

    def huge(path: str) -> tuple[int, bytes] | None:
        return (200, big) if path == "/simple/app/" else None

    with serve_index(root, credentials=(USER, PASSWORD), fault=huge) as server:
        client = IndexClient([with_login(server.simple_url)], limits=SMALL)
        report = resolve(
            {"requirements.in": "app\n"}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"), index_name="x"
        )
        client.close()
    message = index_error(report, f"{server.simple_url}app/")
    assert message.endswith("is larger than the page size limit (65536 bytes)")
    assert server.requests["/simple/app/"] == 1  # a size refusal is not retried
    assert client.stats.bytes == 0


def test_a_page_streamed_without_a_length_stops_at_the_limit():
    sent = []

    def endless(path: str, connection: socket.socket) -> None:
        connection.sendall(head(200, {"Content-Type": HTML_TYPE, "Transfer-Encoding": "chunked"}))
        chunk = b"<a>" * 10_000
        for _ in range(3_000):  # 90 MB if nobody stopped reading
            connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent.append(len(chunk))

    with serve_raw(endless) as server:
        client = IndexClient([with_login(server.simple_url)], limits=SMALL)
        report = resolve(
            {"requirements.in": "app\n"}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"), index_name="x"
        )
        client.close()
    assert index_error(report, f"{server.simple_url}app/").endswith("is larger than the page size limit (65536 bytes)")
    assert client.stats.bytes <= SMALL.max_page_bytes + 64 * 1024
    assert len(server.paths) == 1


def test_a_compressed_page_is_limited_by_its_decompressed_size():
    bomb = gzip.compress(b" " * (50 * 1024 * 1024))  # 50 MB of spaces in about 50 kB

    def answer(path: str, connection: socket.socket) -> None:
        headers = {"Content-Type": HTML_TYPE, "Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
        connection.sendall(head(200, headers) + bomb)

    with serve_raw(answer) as server:
        report = resolve_against(server.simple_url, SMALL)
    assert index_error(report, f"{server.simple_url}app/").endswith("is larger than the page size limit (65536 bytes)")


def test_metadata_over_the_limit_is_refused_naming_the_file(root):
    def huge_metadata(path: str) -> tuple[int, bytes] | None:
        return (200, b"Metadata-Version: 2.1\n" + b"x" * 100_000) if path.endswith(".metadata") else None

    with serve_index(root, credentials=(USER, PASSWORD), fault=huge_metadata) as server:
        report = resolve_against(server.simple_url, SMALL)
    message = index_error(report, f"{server.url}/files/app-1.0-py3-none-any.whl.metadata")
    assert message.endswith("is larger than the metadata size limit (16384 bytes)")
