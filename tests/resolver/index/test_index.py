"""The index client against real trees (HTML-only and JSON-only), over file:// and loopback HTTP."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.version import Version

from resolver.errors import IndexAccessError, IndexNotAllowed, LimitReached, MetadataUnavailable
from resolver.index.cache import MemoryCache
from resolver.index.client import IndexClient
from resolver.index.diskcache import DirectoryCache
from resolver.index.limits import IndexLimits
from tests.support.server import IndexServer, serve_index
from tests.support.universe import build_index

UNIVERSE = {
    "demo": {
        "1.0": {"requires": ["dep>=1"], "sdist": True, "upload_time": "2024-01-02T03:04:05.000000Z"},
        "1.1": {"yanked": "broken build", "requires_python": ">=3.8"},
        "1.2": {"yanked": True},
        "2.0": {
            "requires_python": ">=3.10,<4",
            "metadata_file": False,
            "extras": ["fast"],
            "requires": ["dep>=2; extra == 'fast'"],
        },
    },
    "dep": {
        "1.0": {"sdist": True, "wheel_tags": []},
        "2.0": {"sdist": True, "sdist_dynamic": True, "wheel_tags": []},
    },
    "Other_Pkg": {"0.1": {}},
}
FAST = IndexLimits(backoff=(0.0,))


@pytest.fixture(params=["html", "json"])
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def root(tmp_path: Path, fmt: str) -> Path:
    build_index(tmp_path / "index", UNIVERSE, formats=(fmt,))
    return tmp_path / "index"


@pytest.fixture
def server(root: Path) -> Iterator[IndexServer]:
    with serve_index(root) as running:
        yield running


@pytest.fixture
def fresh_server(root: Path) -> Iterator[IndexServer]:
    """The index with pages fresh for ten minutes, as a typical index or proxy sends them."""
    with serve_index(root, page_headers={"Cache-Control": "max-age=600"}) as running:
        yield running


@pytest.fixture(params=["file", "http"])
def index_url(request: pytest.FixtureRequest, root: Path) -> str:
    if request.param == "file":
        return (root / "simple").as_uri() + "/"
    return request.getfixturevalue("server").simple_url


@pytest.fixture
def make_client() -> Iterator[Callable[..., IndexClient]]:
    clients: list[IndexClient] = []

    def make(*urls: str, **options: object) -> IndexClient:
        options.setdefault("limits", FAST)
        client = IndexClient(list(urls), **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def file_of(client: IndexClient, project: str, filename: str):
    found = client.project(project)
    assert found is not None
    return next(f for f in found.files if f.filename == filename)


def enlarge_wheel(root: Path, filename: str, size: int) -> int:
    """Append `size` incompressible bytes after the dist-info, and fix the pages' hash and size."""
    path = root / "files" / filename
    old = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(old)) as source, zipfile.ZipFile(buffer, "w") as wheel:
        for info in source.infolist():
            wheel.writestr(info, source.read(info))
        wheel.writestr("demo/blob.bin", os.urandom(size))
    new = buffer.getvalue()
    path.write_bytes(new)
    old_hash, new_hash = hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()
    for page in (root / "simple").rglob("index.*"):
        text = page.read_text().replace(old_hash, new_hash).replace(f'"size": {len(old)}', f'"size": {len(new)}')
        page.write_text(text)
    return len(new)


# -- project pages ---------------------------------------------------------------------------


def test_project_lists_every_file_with_what_the_page_says(make_client, index_url, root):
    project = make_client(index_url).project("demo")
    assert project is not None
    assert project.name == "demo"
    by_name = {f.filename: f for f in project.files}
    assert sorted(by_name) == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.tar.gz",
        "demo-1.1-py3-none-any.whl",
        "demo-1.2-py3-none-any.whl",
        "demo-2.0-py3-none-any.whl",
    ]
    assert project.versions() == [Version("2.0"), Version("1.2"), Version("1.1"), Version("1.0")]
    assert by_name["demo-1.1-py3-none-any.whl"].yanked == "broken build"
    assert by_name["demo-1.1-py3-none-any.whl"].requires_python == ">=3.8"
    assert by_name["demo-1.2-py3-none-any.whl"].yanked == ""
    assert by_name["demo-1.0-py3-none-any.whl"].yanked is None
    assert by_name["demo-2.0-py3-none-any.whl"].requires_python == ">=3.10,<4"
    assert by_name["demo-2.0-py3-none-any.whl"].metadata_hashes is None
    assert by_name["demo-1.0.tar.gz"].kind == "sdist"
    assert by_name["demo-1.0.tar.gz"].metadata_hashes is None
    wheel = by_name["demo-1.0-py3-none-any.whl"]
    files = root / "files"
    assert wheel.sha256 == hashlib.sha256((files / wheel.filename).read_bytes()).hexdigest()
    metadata_file = (files / f"{wheel.filename}.metadata").read_bytes()
    assert wheel.metadata_hashes == {"sha256": hashlib.sha256(metadata_file).hexdigest()}
    assert "#" not in wheel.url and wheel.url.endswith("/files/demo-1.0-py3-none-any.whl")


def test_upload_time_and_size_come_from_json_pages_only(make_client, index_url, fmt):
    wheel = file_of(make_client(index_url), "demo", "demo-1.0-py3-none-any.whl")
    if fmt == "json":
        assert wheel.upload_time == "2024-01-02T03:04:05.000000Z"
        assert wheel.size and wheel.size > 0
    else:
        assert (wheel.upload_time, wheel.size) == (None, None)


def test_project_name_is_canonicalised_in_the_page_url(make_client, server):
    project = make_client(server.simple_url).project("Other_Pkg")
    assert project is not None and project.name == "other-pkg"
    assert server.requests["/simple/other-pkg/"] == 1


def test_missing_project_is_none(make_client, index_url):
    assert make_client(index_url).project("no-such-project") is None


def test_first_index_that_has_the_project_wins(tmp_path, make_client, fmt):
    first = build_index(tmp_path / "a", {"demo": {"1.0": {}}}, formats=(fmt,))
    second = build_index(tmp_path / "b", {"demo": {"9.0": {}}, "only-b": {"1.0": {}}}, formats=(fmt,))
    with serve_index(tmp_path / "b") as other:
        for second_url in (second.as_uri(), other.simple_url):
            client = make_client(first.as_uri(), second_url)
            assert client.project("demo").versions() == [Version("1.0")]
            assert client.project("only-b").versions() == [Version("1.0")]
            assert client.project("nowhere") is None


def test_the_second_index_is_not_asked_when_the_first_fails(tmp_path, make_client):
    build_index(tmp_path / "a", {"demo": {"1.0": {}}}, formats=("json",))
    build_index(tmp_path / "b", {"demo": {"9.0": {}}}, formats=("json",))
    with (
        serve_index(tmp_path / "a", fault=lambda path: (503, b"down")) as first,
        serve_index(tmp_path / "b") as second,
    ):
        client = make_client(first.simple_url, second.simple_url)
        with pytest.raises(IndexAccessError):
            client.project("demo")
        assert second.total_requests() == 0


def test_server_error_is_retried_then_reported_with_the_url(root, make_client):
    with serve_index(root, fault=lambda path: (500, b"boom")) as server:
        client = make_client(server.simple_url, limits=IndexLimits(retries=2, backoff=(0.0,)))
        with pytest.raises(IndexAccessError) as caught:
            client.project("demo")
    assert caught.value.status == 500
    assert caught.value.url == f"{server.simple_url}demo/"
    assert f"{server.simple_url}demo/ could not be read: HTTP 500 (after 3 attempts)" == str(caught.value)
    assert server.requests["/simple/demo/"] == 3
    assert client.stats.requests == 3


def test_a_passing_server_error_is_overcome_by_a_retry(root, make_client):
    failures = iter([(502, b"bad gateway")])
    with serve_index(root, fault=lambda path: next(failures, None)) as server:
        project = make_client(server.simple_url).project("demo")
    assert project is not None
    assert server.requests["/simple/demo/"] == 2


def test_an_unreachable_index_is_retried_then_reported(make_client):
    client = make_client("http://127.0.0.1:9/simple/", limits=IndexLimits(timeout=2, retries=1, backoff=(0.0,)))
    with pytest.raises(IndexAccessError, match=r"^http://127\.0\.0\.1:9/simple/demo/ could not be read: .*2 attempts"):
        client.project("demo")
    assert client.stats.requests == 2


def test_forbidden_is_an_error_not_a_missing_project(root, make_client):
    with (
        serve_index(root, fault=lambda path: (403, b"no")) as server,
        pytest.raises(IndexAccessError, match="answered HTTP 403") as caught,
    ):
        make_client(server.simple_url).project("demo")
    assert caught.value.status == 403
    assert server.total_requests() == 1


def test_malformed_page_is_an_error_naming_it(root, make_client, index_url, fmt):
    page = root / "simple" / "demo" / f"index.{fmt}"
    if fmt == "json":
        page.write_text('{"meta": {"api-version": "1.1"}, "files": [{"filename": 3}]}')
        reason = "file #1 lacks a 'filename' or 'url' string"
    else:
        page.write_text('<html><head><meta name="pypi:repository-version" content="2.0"></head></html>')
        reason = "unsupported API version 2.0 (we read version 1)"
    with pytest.raises(IndexAccessError) as caught:
        make_client(index_url).project("demo")
    assert str(caught.value) == f"{index_url}demo/ returned a malformed page: {reason}"


def test_unexpected_content_type_is_a_malformed_page(root, make_client):
    def plain(path: str) -> tuple[int, bytes] | None:
        return (200, b"{}") if path.startswith("/simple/") else None

    expected = "returned a malformed page: unexpected content type 'text/plain'"
    with serve_index(root, fault=plain) as server, pytest.raises(IndexAccessError, match=expected):
        make_client(server.simple_url).project("demo")


def test_page_larger_than_its_limit_is_refused(make_client, index_url):
    client = make_client(index_url, limits=IndexLimits(max_page_bytes=200, backoff=(0.0,)))
    with pytest.raises(IndexAccessError, match=r"demo/ is larger than the page size limit \(200 bytes\)$"):
        client.project("demo")


# -- metadata ----------------------------------------------------------------------------------


def test_pep658_metadata_file_is_read_instead_of_the_wheel(make_client, server):
    client = make_client(server.simple_url)
    metadata = client.metadata(file_of(client, "demo", "demo-1.0-py3-none-any.whl"))
    assert metadata.source == "pep658"
    assert (metadata.name, metadata.version, metadata.requires_dist) == ("demo", Version("1.0"), ("dep>=1",))
    assert server.requests["/files/demo-1.0-py3-none-any.whl.metadata"] == 1
    assert server.requests["/files/demo-1.0-py3-none-any.whl"] == 0


def test_pep658_metadata_over_file_urls(make_client, index_url):
    client = make_client(index_url)
    metadata = client.metadata(file_of(client, "demo", "demo-1.1-py3-none-any.whl"))
    assert (metadata.source, metadata.requires_python) == ("pep658", ">=3.8")


def test_wheel_metadata_is_read_by_ranges_without_downloading_the_wheel(root, make_client):
    size = enlarge_wheel(root, "demo-2.0-py3-none-any.whl", 1_000_000)
    with serve_index(root, ranges=True) as server:
        client = make_client(server.simple_url)
        wheel = file_of(client, "demo", "demo-2.0-py3-none-any.whl")
        before = client.stats.bytes
        metadata = client.metadata(wheel)
        assert server.requests["/files/demo-2.0-py3-none-any.whl"] >= 2
    assert metadata.source == "wheel"
    assert metadata.requires_dist == ("dep>=2; extra == 'fast'",)
    assert metadata.provides_extras == ("fast",)
    assert metadata.requires_python == ">=3.10,<4"
    assert client.stats.bytes - before < size // 10
    assert server.statuses[206] >= 2


def test_wheel_metadata_over_file_urls_reads_only_parts_of_the_wheel(root, make_client):
    size = enlarge_wheel(root, "demo-2.0-py3-none-any.whl", 1_000_000)
    client = make_client((root / "simple").as_uri())
    metadata = client.metadata(file_of(client, "demo", "demo-2.0-py3-none-any.whl"))
    assert metadata.source == "wheel" and metadata.provides_extras == ("fast",)
    assert client.stats.bytes < size // 10


def test_wheel_metadata_without_ranges_downloads_the_whole_wheel(root, make_client):
    size = enlarge_wheel(root, "demo-2.0-py3-none-any.whl", 300_000)
    with serve_index(root, ranges=False) as server:
        client = make_client(server.simple_url)
        wheel = file_of(client, "demo", "demo-2.0-py3-none-any.whl")
        metadata = client.metadata(wheel)
    assert metadata.source == "wheel" and metadata.requires_dist == ("dep>=2; extra == 'fast'",)
    assert server.requests["/files/demo-2.0-py3-none-any.whl"] == 1
    assert client.stats.bytes >= size


def test_whole_wheel_larger_than_its_limit_is_refused(root, make_client):
    enlarge_wheel(root, "demo-2.0-py3-none-any.whl", 300_000)
    with serve_index(root, ranges=False) as server:
        client = make_client(server.simple_url, limits=IndexLimits(max_wheel_bytes=100_000, backoff=(0.0,)))
        wheel = file_of(client, "demo", "demo-2.0-py3-none-any.whl")
        with pytest.raises(IndexAccessError, match=r"\.whl is larger than the wheel size limit \(100000 bytes\)"):
            client.metadata(wheel)


def test_static_sdist_pkg_info_is_accepted(make_client, index_url):
    client = make_client(index_url)
    metadata = client.metadata(file_of(client, "dep", "dep-1.0.tar.gz"))
    assert (metadata.source, metadata.name, metadata.version) == ("sdist-pkg-info", "dep", Version("1.0"))
    assert metadata.requires_dist == ()


def test_sdist_with_dynamic_dependencies_is_unavailable(make_client, index_url):
    client = make_client(index_url)
    with pytest.raises(MetadataUnavailable) as caught:
        client.metadata(file_of(client, "dep", "dep-2.0.tar.gz"))
    error = caught.value
    assert (error.package, error.version, error.filename) == ("dep", "2.0", "dep-2.0.tar.gz")
    assert str(error) == (
        "dep-2.0.tar.gz: no static declaration of its dependencies (PKG-INFO declares Requires-Dist as "
        "dynamic (PEP 643); no *.egg-info; no pyproject.toml; setup.py has no setup() call): "
        "its dependencies can only be known by running its build, which we never do"
    )


def test_metadata_file_that_does_not_match_its_hash_is_refused(root, make_client, index_url):
    (root / "files" / "demo-1.0-py3-none-any.whl.metadata").write_text(
        "Metadata-Version: 2.2\nName: demo\nVersion: 1.0\nRequires-Dist: evil\n"
    )
    client = make_client(index_url)
    with pytest.raises(IndexAccessError, match=r"\.whl\.metadata does not match its sha256 hash on the index page"):
        client.metadata(file_of(client, "demo", "demo-1.0-py3-none-any.whl"))


def test_announced_metadata_file_that_is_missing_falls_back_to_the_wheel(root, make_client, index_url):
    (root / "files" / "demo-1.0-py3-none-any.whl.metadata").unlink()
    client = make_client(index_url)
    metadata = client.metadata(file_of(client, "demo", "demo-1.0-py3-none-any.whl"))
    assert (metadata.source, metadata.requires_dist) == ("wheel", ("dep>=1",))


# -- caching -----------------------------------------------------------------------------------


def test_second_client_sharing_a_directory_cache_makes_no_requests(tmp_path, make_client, fresh_server):
    server = fresh_server
    cache = tmp_path / "cache"
    first = make_client(server.simple_url, cache=DirectoryCache(cache))
    wheel = file_of(first, "demo", "demo-2.0-py3-none-any.whl")
    expected = first.metadata(wheel)
    served = server.total_requests()

    second = make_client(server.simple_url, cache=DirectoryCache(cache))
    assert second.project("demo") == first.project("demo")
    assert second.metadata(wheel) == expected
    assert second.stats.requests == 0
    assert second.stats.cache_hits == 2
    assert server.total_requests() == served


def test_metadata_is_cached_by_file_hash(make_client, server):
    cache = MemoryCache()
    client = make_client(server.simple_url, cache=cache)
    wheel = file_of(client, "demo", "demo-1.0-py3-none-any.whl")
    client.metadata(wheel)
    assert cache.get(f"meta:sha256:{wheel.sha256}") is not None


def test_unavailable_metadata_is_cached_too(tmp_path, make_client, index_url):
    cache = DirectoryCache(tmp_path / "cache")
    sdist = file_of(make_client(index_url), "dep", "dep-2.0.tar.gz")
    for _ in range(2):
        client = make_client(index_url, cache=cache)
        with pytest.raises(MetadataUnavailable, match="dynamic"):
            client.metadata(sdist)
    assert (client.stats.requests, client.stats.cache_hits) == (0, 1)


def test_page_without_a_lifetime_is_revalidated_and_a_304_reuses_it(tmp_path, make_client, server):
    cache = DirectoryCache(tmp_path / "cache")
    expected = make_client(server.simple_url, cache=cache).project("demo")

    again = make_client(server.simple_url, cache=cache)
    assert again.project("demo") == expected
    assert server.requests["/simple/demo/"] == 2
    assert server.statuses[304] == 1
    assert (again.stats.requests, again.stats.cache_hits) == (1, 1)


def test_fresh_page_is_used_without_asking(tmp_path, make_client, fresh_server):
    cache = MemoryCache()
    make_client(fresh_server.simple_url, cache=cache).project("demo")
    make_client(fresh_server.simple_url, cache=cache).project("demo")
    assert fresh_server.requests["/simple/demo/"] == 1


def test_changed_page_without_a_lifetime_is_fetched_again(root, make_client, server, fmt):
    cache = MemoryCache()
    make_client(server.simple_url, cache=cache).project("demo")
    page = root / "simple" / "demo" / f"index.{fmt}"
    page.write_text(page.read_text().replace("demo-1.2-py3-none-any.whl", "demo-1.3-py3-none-any.whl"))
    os.utime(page, (page.stat().st_mtime + 10, page.stat().st_mtime + 10))
    project = make_client(server.simple_url, cache=cache).project("demo")
    assert Version("1.3") in project.versions()
    assert server.statuses[304] == 0


# -- concurrency -------------------------------------------------------------------------------


def test_concurrent_prefetch_and_calls_fetch_each_page_and_metadata_once(root):
    with serve_index(root, latency=0.02) as server:
        client = IndexClient([server.simple_url], limits=FAST, max_workers=4)
        try:
            client.prefetch_projects(["demo", "dep", "Other-Pkg", "nope"] * 3)
            with ThreadPoolExecutor(6) as pool:
                found = list(pool.map(client.project, ["demo", "DEP", "other_pkg", "nope"] * 3))
            assert found[3] is None
            wheels = [f for f in found[0].files if f.kind == "wheel"]
            client.prefetch_metadata(wheels * 2)
            with ThreadPoolExecutor(6) as pool:
                metadata = list(pool.map(client.metadata, wheels * 3))
        finally:
            client.close()
    assert {m.version for m in metadata} == {f.version for f in wheels}
    assert max(server.requests.values()) == 1
    assert client.stats.requests == server.total_requests()


def test_prefetch_returns_before_the_answers_arrive(root, make_client):
    release = threading.Event()
    waited_out: list[bool] = []

    def hold(path: str) -> None:
        waited_out.append(not release.wait(10))

    with serve_index(root, fault=hold) as server:
        client = make_client(server.simple_url)
        client.prefetch_projects(["demo", "dep"])
        release.set()  # only now may the server answer: prefetch did not wait for it
        assert client.project("demo") is not None
    assert server.requests["/simple/demo/"] == 1
    assert not any(waited_out)


def test_prefetch_errors_surface_on_the_real_call_without_a_second_fetch(root, make_client):
    with serve_index(root, fault=lambda path: (500, b"no")) as server:
        client = make_client(server.simple_url, limits=IndexLimits(retries=0, backoff=()))
        client.prefetch_projects(["demo"])
        with pytest.raises(IndexAccessError, match="HTTP 500"):
            client.project("demo")
    assert server.requests["/simple/demo/"] == 1


# -- limits, policy, credentials -------------------------------------------------------------------


def test_request_limit_is_reported_as_a_limit(make_client, index_url):
    client = make_client(index_url, limits=IndexLimits(max_requests=2, backoff=(0.0,)))
    client.project("demo")
    client.project("dep")
    with pytest.raises(LimitReached) as caught:
        client.project("other-pkg")
    assert (caught.value.limit, caught.value.value) == ("requests", 2)
    assert client.stats.requests == 2


def test_url_refused_by_the_policy_is_never_fetched(make_client, server):
    client = make_client(server.simple_url, allow_url=lambda url: False)
    with pytest.raises(IndexNotAllowed) as caught:
        client.project("demo")
    assert caught.value.url == f"{server.simple_url}demo/"
    assert server.total_requests() == 0
    assert client.stats.requests == 0


def test_policy_sees_file_urls_too(make_client, server):
    seen: list[str] = []
    client = make_client(server.simple_url, allow_url=lambda url: seen.append(url) or "/simple/" in url)
    wheel = file_of(client, "demo", "demo-1.0-py3-none-any.whl")
    with pytest.raises(IndexNotAllowed):
        client.metadata(wheel)
    assert seen[-1] == wheel.url + ".metadata"
    assert server.requests["/files/demo-1.0-py3-none-any.whl.metadata"] == 0


def test_credentials_are_sent_to_the_index_host_but_never_shown(root, make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="resolver")
    with serve_index(root, credentials=("alice", "s3cret")) as server:
        client = make_client(server.simple_url.replace("http://", "http://alice:s3cret@"))
        project = client.project("demo")
        wheel = next(f for f in project.files if f.filename == "demo-2.0-py3-none-any.whl")
        assert client.metadata(wheel).source == "wheel"  # the files are behind the same login
    assert project.index_url == server.simple_url.replace("http://", "http://****@")
    assert "s3cret" not in repr(project)
    assert "s3cret" not in caplog.text


def test_credentials_are_redacted_in_errors_and_logs(root, make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="resolver")
    with serve_index(root, credentials=("alice", "s3cret"), fault=lambda path: (500, b"")) as server:
        client = make_client(server.simple_url.replace("http://", "http://alice:s3cret@"))
        with pytest.raises(IndexAccessError) as caught:
            client.project("demo")
    shown = server.simple_url.replace("http://", "http://****@") + "demo/"
    assert caught.value.url == shown
    assert str(caught.value) == f"{shown} could not be read: HTTP 500 (after 3 attempts)"
    assert shown in caplog.text
    assert "s3cret" not in caplog.text


def test_wrong_credentials_are_an_error_that_hides_them(root, make_client):
    with serve_index(root, credentials=("alice", "s3cret")) as server:
        url = server.simple_url.replace("http://", "http://alice:wrong@")
        with pytest.raises(IndexAccessError) as caught:
            make_client(url).project("demo")
    assert caught.value.status == 401
    assert str(caught.value) == f"{server.url.replace('http://', 'http://****@')}/simple/demo/ answered HTTP 401"


def test_project_view_reads_the_page_once_per_view_and_keeps_only_the_view(root):
    calls = []

    def view(page, name, index_url):
        calls.append(name)
        return (name, len(page["files"]), index_url)

    with serve_index(root, latency=0.0) as server:
        client = IndexClient([server.simple_url], limits=FAST, max_workers=4)
        try:
            with ThreadPoolExecutor(4) as pool:
                found = list(pool.map(lambda n: client.project_view(n, view, "count"), ["demo", "DEMO", "nope"] * 2))
            whole = client.project("demo")
        finally:
            client.close()
    assert found[0] == found[1] == ("demo", len(whole.files), server.simple_url)
    assert found[2] is None
    assert calls == ["demo"]
    assert server.requests["/simple/demo/"] == 1  # the plain project came from the cached page
