"""How the index client asks: redirects, retries, policy, credentials, limits. In-process transports."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from packaging.version import Version

from resolver.errors import IndexAccessError, IndexNotAllowed, MetadataUnavailable
from resolver.index import fetch
from resolver.index.cache import MemoryCache
from resolver.index.client import IndexClient
from resolver.index.dists import DistFile
from resolver.index.limits import IndexLimits
from resolver.index.transport import JSON_TYPE, FileTransport, Response, TooLarge, TransportError

INDEX = "https://pkgs.example/simple/"
FAST = IndexLimits(backoff=(0.0,))
Answer = Response | Exception


class FakeTransport:
    """Answers from a table of URL -> answers (the last one repeats); 404 for anything else."""

    def __init__(self, answers: Mapping[str, Answer | list[Answer]]) -> None:
        self.answers = {url: list(a) if isinstance(a, list) else [a] for url, a in answers.items()}
        self.calls: list[tuple[str, dict[str, str], tuple[str, str] | None]] = []
        self.closed = False

    def fetch(
        self, url: str, *, headers: Mapping[str, str], max_bytes: int, auth: tuple[str, str] | None = None
    ) -> Response:
        self.calls.append((url, dict(headers), auth))
        queue = self.answers.get(url)
        if not queue:
            return Response(url, 404)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if len(answer.body) > max_bytes:
            raise TooLarge(max_bytes, max_bytes + 1)
        return Response(url, answer.status, answer.headers, answer.body)

    def close(self) -> None:
        self.closed = True

    def urls(self) -> list[str]:
        return [url for url, _, _ in self.calls]


def page(*files: dict[str, object], headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps({"meta": {"api-version": "1.1"}, "files": list(files)}).encode()
    return Response("", 200, {"content-type": JSON_TYPE, **(headers or {})}, body)


FRESH = {"cache-control": "max-age=600"}


def redirect(location: str, status: int = 301) -> Response:
    return Response("", status, {"location": location})


def client_for(transport: FakeTransport, *urls: str, **options: object) -> IndexClient:
    options.setdefault("limits", FAST)
    return IndexClient(list(urls or [INDEX]), transports={"https": transport, "http": transport}, **options)  # type: ignore[arg-type]


WHEEL = {"filename": "demo-1.0-py3-none-any.whl", "url": "demo-1.0-py3-none-any.whl", "hashes": {}}


def test_redirect_is_followed_and_links_resolve_against_the_final_page():
    transport = FakeTransport(
        {
            f"{INDEX}demo/": redirect("https://mirror.example/pypi/demo/"),
            "https://mirror.example/pypi/demo/": page(WHEEL),
        }
    )
    project = client_for(transport).project("demo")
    assert project.files[0].url == "https://mirror.example/pypi/demo/demo-1.0-py3-none-any.whl"
    assert transport.urls() == [f"{INDEX}demo/", "https://mirror.example/pypi/demo/"]


def test_redirect_target_refused_by_the_policy_is_not_fetched():
    transport = FakeTransport({f"{INDEX}demo/": redirect("https://evil.example/demo/")})
    client = client_for(transport, allow_url=lambda url: url.startswith("https://pkgs.example/"))
    with pytest.raises(IndexNotAllowed, match=r"^https://evil\.example/demo/ is not an allowed index URL"):
        client.project("demo")
    assert transport.urls() == [f"{INDEX}demo/"]


def test_redirect_loop_stops_after_five_hops():
    transport = FakeTransport({f"{INDEX}demo/": redirect(f"{INDEX}demo/", 302)})
    with pytest.raises(IndexAccessError, match=r"demo/ redirected more than 5 times$"):
        client_for(transport).project("demo")
    assert len(transport.calls) == 6


def test_redirect_to_a_local_file_is_refused():
    transport = FakeTransport({f"{INDEX}demo/": redirect("file:///etc/passwd")})
    with pytest.raises(IndexAccessError, match="redirected to an unusable location 'file:///etc/passwd'"):
        client_for(transport).project("demo")


def test_credentials_go_to_the_index_host_only():
    transport = FakeTransport(
        {
            f"{INDEX}demo/": redirect("https://pkgs.example/other/demo/"),
            "https://pkgs.example/other/demo/": page(
                WHEEL | {"core-metadata": True},
                {"filename": "demo-2.0-py3-none-any.whl", "url": "https://cdn.example/demo-2.0-py3-none-any.whl"}
                | {"core-metadata": True, "hashes": {}},
            ),
        }
    )
    client = client_for(transport, "https://alice:s3cret@pkgs.example/simple/")
    project = client.project("demo")
    for file in project.files:
        with pytest.raises(IndexAccessError):
            client.metadata(file)
    sent = {url: auth for url, _, auth in transport.calls}
    assert sent[f"{INDEX}demo/"] == ("alice", "s3cret")
    assert sent["https://pkgs.example/other/demo/"] == ("alice", "s3cret")
    assert sent["https://pkgs.example/other/demo/demo-1.0-py3-none-any.whl.metadata"] == ("alice", "s3cret")
    assert sent["https://cdn.example/demo-2.0-py3-none-any.whl.metadata"] is None
    assert all("s3cret" not in url for url in transport.urls())


def test_connection_errors_are_retried_with_the_configured_backoff(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(fetch.time, "sleep", slept.append)
    transport = FakeTransport({f"{INDEX}demo/": TransportError("ReadTimeout")})
    client = client_for(transport, limits=IndexLimits(retries=3, backoff=(0.2, 0.5)))
    with pytest.raises(IndexAccessError) as caught:
        client.project("demo")
    assert str(caught.value) == f"{INDEX}demo/ could not be read: ReadTimeout (after 4 attempts)"
    assert caught.value.status is None
    assert slept == [0.2, 0.5, 0.5]


def test_gone_project_is_not_on_the_index():
    transport = FakeTransport({f"{INDEX}demo/": Response("", 410)})
    assert client_for(transport).project("demo") is None


def test_unsupported_scheme_is_an_error():
    with pytest.raises(IndexAccessError, match=r"^ftp://pkgs\.example/simple/demo/: unsupported URL scheme$"):
        client_for(FakeTransport({}), "ftp://pkgs.example/simple/").project("demo")


def test_file_links_on_a_remote_page_are_skipped():
    local = {"filename": "demo-1.0.tar.gz", "url": "file:///etc/demo-1.0.tar.gz", "hashes": {}}
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL, local)})
    project = client_for(transport).project("demo")
    assert [f.filename for f in project.files] == ["demo-1.0-py3-none-any.whl"]
    assert project.skipped == ("demo-1.0.tar.gz",)


def test_pages_fetched_with_other_credentials_are_not_shared_through_the_cache():
    cache = MemoryCache()
    first = FakeTransport({f"{INDEX}demo/": page(WHEEL, headers=FRESH)})
    client_for(first, "https://alice:one@pkgs.example/simple/", cache=cache).project("demo")
    second = FakeTransport({f"{INDEX}demo/": page(WHEEL, headers=FRESH)})
    client_for(second, "https://bob:two@pkgs.example/simple/", cache=cache).project("demo")
    third = FakeTransport({})
    assert client_for(third, "https://alice:one@pkgs.example/simple/", cache=cache).project("demo") is not None
    assert (len(first.calls), len(second.calls), len(third.calls)) == (1, 1, 0)


def test_metadata_of_a_file_without_hash_is_cached_by_url():
    metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: dep\n"
    url = f"{INDEX}demo/demo-1.0-py3-none-any.whl.metadata"
    transport = FakeTransport(
        {f"{INDEX}demo/": page(WHEEL | {"core-metadata": True}), url: Response("", 200, FRESH, metadata)}
    )
    cache = MemoryCache()
    client = client_for(transport, cache=cache)
    assert client.metadata(client.project("demo").files[0]).requires_dist == ("dep",)
    assert cache.get(f"meta:url:{INDEX}demo/demo-1.0-py3-none-any.whl") is not None


@pytest.mark.parametrize("headers", [{}, {"cache-control": "no-cache, max-age=600"}, {"cache-control": "no-store"}])
def test_metadata_of_a_file_without_hash_is_read_again_when_its_answer_gave_no_lifetime(headers):
    metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: dep\n"
    url = f"{INDEX}demo/demo-1.0-py3-none-any.whl.metadata"
    answers = {f"{INDEX}demo/": page(WHEEL | {"core-metadata": True}), url: Response("", 200, headers, metadata)}
    cache = MemoryCache()
    for _ in range(2):
        transport = FakeTransport(answers)
        client = client_for(transport, cache=cache)
        assert client.metadata(client.project("demo").files[0]).requires_dist == ("dep",)
    assert transport.urls().count(url) == 1


def test_metadata_file_server_error_is_an_index_error():
    url = f"{INDEX}demo/demo-1.0-py3-none-any.whl.metadata"
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL | {"core-metadata": True}), url: Response("", 503)})
    client = client_for(transport, limits=IndexLimits(retries=0))
    with pytest.raises(IndexAccessError, match="could not be read: HTTP 503"):
        client.metadata(client.project("demo").files[0])


def test_metadata_larger_than_its_limit_is_refused():
    url = f"{INDEX}demo/demo-1.0-py3-none-any.whl.metadata"
    big = Response("", 200, {}, b"Name: demo\n" + b"x" * 2000)
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL | {"core-metadata": True}), url: big})
    client = client_for(transport, limits=IndexLimits(max_metadata_bytes=1000))
    with pytest.raises(IndexAccessError, match=r"\.metadata is larger than the metadata size limit \(1000 bytes\)"):
        client.metadata(client.project("demo").files[0])


def _wheel(metadata: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr("demo-1.0.dist-info/METADATA", metadata)
        wheel.writestr("demo/data.bin", bytes(200_000))
    return buffer.getvalue()


def test_range_answer_with_a_bad_content_range_is_an_error():
    wheel_url = f"{INDEX}demo/demo-1.0-py3-none-any.whl"
    bad = Response("", 206, {"content-range": "bytes 0-10/100"}, b"short")
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL), wheel_url: bad})
    client = client_for(transport)
    with pytest.raises(IndexAccessError, match="answered a range request with a bad Content-Range"):
        client.metadata(client.project("demo").files[0])


def test_server_that_stops_honouring_ranges_is_an_error():
    data = _wheel("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    tail = data[-1000:]
    wheel_url = f"{INDEX}demo/demo-1.0-py3-none-any.whl"
    first = Response("", 206, {"content-range": f"bytes {len(data) - 1000}-{len(data) - 1}/{len(data)}"}, tail)
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL), wheel_url: [first, Response("", 200, {}, data)]})
    client = client_for(transport)
    with pytest.raises(IndexAccessError, match="the range was ignored"):
        client.metadata(client.project("demo").files[0])


def test_whole_wheel_that_does_not_match_its_hash_is_refused():
    data = _wheel("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    wheel = WHEEL | {"hashes": {"sha256": hashlib.sha256(b"other").hexdigest()}}
    wheel_url = f"{INDEX}demo/demo-1.0-py3-none-any.whl"
    transport = FakeTransport({f"{INDEX}demo/": page(wheel), wheel_url: Response("", 200, {}, data)})
    client = client_for(transport)
    with pytest.raises(IndexAccessError, match=r"\.whl does not match its sha256 hash on the index page"):
        client.metadata(client.project("demo").files[0])


def test_wheel_whose_metadata_names_another_release_is_unavailable():
    data = _wheel("Metadata-Version: 2.1\nName: demo\nVersion: 9.9\n")
    wheel_url = f"{INDEX}demo/demo-1.0-py3-none-any.whl"
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL), wheel_url: Response("", 200, {}, data)})
    client = client_for(transport)
    with pytest.raises(MetadataUnavailable, match=r"its metadata describes demo 9\.9, not demo 1\.0"):
        client.metadata(client.project("demo").files[0])


def test_client_keeps_its_index_urls_as_given():
    urls = ["https://alice:s3cret@pkgs.example/simple", "file:///srv/simple/"]
    assert client_for(FakeTransport({}), *urls).index_urls == urls


def test_damaged_cache_entries_are_fetched_again():
    cache = MemoryCache()
    cache.set(f"page:{INDEX}demo/", b"{not json")
    cache.set("meta:sha256:" + "a" * 64, b'{"version": 1}')
    wheel = WHEEL | {"hashes": {"sha256": "a" * 64}, "core-metadata": True}
    metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
    url = f"{INDEX}demo/demo-1.0-py3-none-any.whl.metadata"
    transport = FakeTransport({f"{INDEX}demo/": page(wheel), url: Response("", 200, {}, metadata)})
    client = client_for(transport, cache=cache)
    assert client.metadata(client.project("demo").files[0]).version == Version("1.0")
    assert client.stats.cache_hits == 0
    assert transport.urls() == [f"{INDEX}demo/", url]


def test_close_releases_the_transports_and_ignores_later_prefetches():
    transport = FakeTransport({f"{INDEX}demo/": page(WHEEL)})
    client = client_for(transport)
    client.close()
    client.prefetch_projects(["demo"])
    assert transport.closed and transport.calls == []


def test_metadata_errors_carry_the_file():
    file = DistFile("demo-1.0.tar.gz", f"{INDEX}x/demo-1.0.tar.gz", "demo", Version("1.0"), "sdist")  # type: ignore[arg-type]
    transport = FakeTransport({file.url: Response("", 200, {}, b"not a tarball")})
    with pytest.raises(MetadataUnavailable) as caught:
        client_for(transport).metadata(file)
    assert (caught.value.package, caught.value.version, caught.value.filename) == ("demo", "1.0", "demo-1.0.tar.gz")
    assert "not a readable archive" in str(caught.value)


# -- the file transport --------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "both").mkdir()
    (tmp_path / "both" / "index.html").write_text("<html></html>")
    (tmp_path / "both" / "index.json").write_text("{}")
    (tmp_path / "json-only").mkdir()
    (tmp_path / "json-only" / "index.json").write_text("{}")
    (tmp_path / "blob.bin").write_bytes(bytes(range(100)))
    return tmp_path


@pytest.mark.parametrize(
    ("directory", "accept", "expected"),
    [
        ("both", "application/vnd.pypi.simple.v1+json, text/html;q=0.01", JSON_TYPE),
        ("both", "text/html", "text/html; charset=utf-8"),
        ("json-only", "text/html", JSON_TYPE),
    ],
)
def test_file_directory_serves_json_when_asked_and_present_else_html(tree, directory, accept, expected):
    answer = FileTransport().fetch((tree / directory).as_uri() + "/", headers={"Accept": accept}, max_bytes=100)
    assert (answer.status, answer.header("Content-Type")) == (200, expected)


def test_file_transport_serves_byte_ranges(tree):
    url = (tree / "blob.bin").as_uri()
    answer = FileTransport().fetch(url, headers={"Range": "bytes=-10"}, max_bytes=1000)
    assert (answer.status, answer.header("content-range"), answer.body) == (
        206,
        "bytes 90-99/100",
        bytes(range(90, 100)),
    )
    answer = FileTransport().fetch(url, headers={"Range": "bytes=5-7"}, max_bytes=1000)
    assert (answer.status, answer.body) == (206, bytes([5, 6, 7]))


def test_file_transport_refuses_files_over_the_limit_and_misses_absent_ones(tree):
    with pytest.raises(TooLarge):
        FileTransport().fetch((tree / "blob.bin").as_uri(), headers={}, max_bytes=99)
    assert FileTransport().fetch((tree / "absent").as_uri(), headers={}, max_bytes=99).status == 404
    assert FileTransport().fetch((tree / "empty-dir-missing").as_uri() + "/", headers={}, max_bytes=99).status == 404
