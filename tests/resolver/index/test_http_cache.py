"""The index cache obeys HTTP: what an index says about reuse decides whether a run asks it again.

Two runs share a cache (as two `manage.py resolve` runs share the cache directory), against the
loopback index sending each combination of caching headers; the server counts the requests and
the 304s. Resolutions are real ones (resolvelib against the served index).
"""

from __future__ import annotations

import email.utils
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.cache import MemoryCache, directives, freshness
from resolver.index.client import IndexClient
from resolver.index.diskcache import DirectoryCache
from resolver.index.limits import IndexLimits
from resolver.output.report import Report
from tests.support.server import IndexServer, serve_index
from tests.support.universe import Universe, build_index

OLD: Universe = {"demo": {"1.0": {"requires": ["dep"]}}, "dep": {"1.0": {}}}
NEW: Universe = {"demo": {"1.0": {"requires": ["dep"]}, "1.1": {"requires": ["dep"]}}, "dep": {"1.0": {}}}
FAST = IndexLimits(backoff=(0.0,))
PAGES = ("/simple/demo/", "/simple/dep/")


def run(url: str, cache: object, text: str = "demo\n") -> tuple[Report, IndexClient]:
    client = IndexClient([url], cache=cache, limits=FAST)  # type: ignore[arg-type]
    try:
        report = resolve({"requirements.in": text}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"))
    finally:
        client.close()
    assert report["status"] == "resolved", report["diagnoses"] or report["conflicts"]
    return report, client


def page_requests(server: IndexServer) -> int:
    return sum(server.requests[path] for path in PAGES)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_index(tmp_path / "index", OLD, formats=("json",))
    return tmp_path / "index"


def http_date(offset: float) -> str:
    return email.utils.formatdate(time.time() + offset, usegmt=True)


# (page headers, validators sent, page requests of the second run, of which 304s)
COMBINATIONS = {
    "max-age": ({"Cache-Control": "max-age=600"}, ("etag",), 0, 0),
    "max-age, public": ({"Cache-Control": "public, max-age=600"}, ("etag",), 0, 0),
    "private, max-age": ({"Cache-Control": "private, max-age=600"}, ("etag",), 0, 0),
    "max-age spent upstream (Age)": ({"Cache-Control": "max-age=600", "Age": "600"}, ("etag",), 2, 2),
    "max-age=0, must-revalidate": ({"Cache-Control": "max-age=0, must-revalidate"}, ("etag",), 2, 2),
    "no-cache": ({"Cache-Control": "no-cache"}, ("etag", "last-modified"), 2, 2),
    "no-cache, max-age": ({"Cache-Control": "no-cache, max-age=600"}, ("etag",), 2, 2),
    "Pragma: no-cache": ({"Pragma": "no-cache", "Expires": http_date(600)}, ("etag",), 2, 2),
    "no-store": ({"Cache-Control": "no-store"}, ("etag",), 2, 0),
    "Expires ahead": ({"Expires": http_date(600), "Date": http_date(0)}, ("etag",), 0, 0),
    "Expires past": ({"Expires": http_date(-60), "Date": http_date(0)}, ("etag",), 2, 2),
    "Expires: 0": ({"Expires": "0"}, ("etag",), 2, 2),
    "max-age=0 beats Expires": ({"Cache-Control": "max-age=0", "Expires": http_date(600)}, ("etag",), 2, 2),
    "invalid max-age": ({"Cache-Control": "max-age=soon"}, ("etag",), 2, 2),
    "nothing, ETag": ({}, ("etag",), 2, 2),
    "nothing, Last-Modified": ({}, ("last-modified",), 2, 2),
    "nothing at all": ({}, (), 2, 0),
}


@pytest.mark.parametrize("case", COMBINATIONS.values(), ids=COMBINATIONS.keys())
def test_each_header_combination_decides_the_second_runs_requests(tmp_path, root, case):
    headers, validators, asked, revalidated = case
    with serve_index(root, page_headers=headers, validators=validators) as server:
        first, _ = run(server.simple_url, DirectoryCache(tmp_path / "cache"))
        before, statuses_before = page_requests(server), server.statuses[304]
        second, _ = run(server.simple_url, DirectoryCache(tmp_path / "cache"))
    assert before == 2 and statuses_before == 0
    assert second["pins"] == first["pins"] == {"demo": "1.0", "dep": "1.0"}
    assert (page_requests(server) - before, server.statuses[304]) == (asked, revalidated)
    assert server.requests["/files/demo-1.0-py3-none-any.whl.metadata"] == 1  # keyed by the wheel's hash: for good


@pytest.mark.parametrize("cache_kind", ["directory", "memory", "redis"])
def test_a_new_upload_is_seen_by_the_next_run_under_no_cache(tmp_path, root, cache_kind, request):
    if cache_kind == "redis":
        cache = request.getfixturevalue("redis_cache")
    else:
        cache = MemoryCache() if cache_kind == "memory" else DirectoryCache(tmp_path / "cache")
    with serve_index(root, page_headers={"Cache-Control": "no-cache"}) as server:
        first, _ = run(server.simple_url, cache)
        upload(root, tmp_path / "upload")
        second, client = run(server.simple_url, cache)
    assert (first["pins"]["demo"], second["pins"]["demo"]) == ("1.0", "1.1")
    assert server.statuses[304] == 1  # dep's page was unchanged, and is revalidated, not read again
    assert client.stats.requests == 2 + 1  # two pages, demo 1.1's metadata; dep's metadata from the cache


def upload(root: Path, scratch: Path) -> None:
    """Publish demo 1.1 into the index at `root`, rewriting demo's page and no other."""
    build_index(scratch, {"demo": NEW["demo"]}, formats=("json",))
    for built in (scratch / "files").iterdir():
        (root / "files" / built.name).write_bytes(built.read_bytes())
    page = root / "simple" / "demo" / "index.json"
    page.write_bytes((scratch / "simple" / "demo" / "index.json").read_bytes())


def test_an_index_restarted_with_other_projects_at_the_same_url_is_seen(tmp_path, root):
    """Without caching headers (a simple server), a second index on the same host, port and path."""
    build_index(tmp_path / "second", NEW, formats=("json",))
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(root) as server:
        first, _ = run(server.simple_url, cache)
        server.root = tmp_path / "second"
        second, _ = run(server.simple_url, cache)
    assert (first["pins"]["demo"], second["pins"]["demo"]) == ("1.0", "1.1")


def test_two_indexes_on_one_host_and_port_under_other_paths_share_no_page(tmp_path):
    build_index(tmp_path / "both" / "team-a", OLD, formats=("json",))
    build_index(tmp_path / "both" / "team-b", NEW, formats=("json",))
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(tmp_path / "both", page_headers={"Cache-Control": "max-age=600"}) as server:
        first, _ = run(server.url + "/team-a/simple/", cache)
        second, _ = run(server.url + "/team-b/simple/", cache)
        again, client = run(server.url + "/team-a/simple/", cache)
    assert (first["pins"]["demo"], second["pins"]["demo"], again["pins"]["demo"]) == ("1.0", "1.1", "1.0")
    assert server.requests["/team-b/simple/demo/"] == 1
    assert client.stats.requests == 0  # each index's fresh pages are its own


def test_a_304_rewrites_the_entry_only_when_it_buys_something(tmp_path, root):
    class Counting(DirectoryCache):
        writes: list[str] = []

        def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
            self.writes.append(key)
            super().set(key, value, ttl)

    with serve_index(root, page_headers={"Cache-Control": "no-cache"}) as server:
        run(server.simple_url, Counting(tmp_path / "cache"))
        Counting.writes.clear()
        run(server.simple_url, Counting(tmp_path / "cache"))
        assert (server.statuses[304], Counting.writes) == (2, [])  # nothing changed: nothing written

        server.page_headers = {"Cache-Control": "max-age=600"}
        expire(tmp_path / "cache")
        run(server.simple_url, Counting(tmp_path / "cache"))
        assert server.statuses[304] == 4 and sorted(Counting.writes) == sorted(
            f"page:{server.simple_url}{p}/" for p in ("demo", "dep")
        )
        _, client = run(server.simple_url, Counting(tmp_path / "cache"))
    assert client.stats.requests == 0  # the lifetime the 304 brought was stored


def expire(directory: Path) -> None:
    """Age every stored page past its expiry, as time passing would."""
    for entry in directory.rglob("*"):
        if entry.is_file():
            head, _, body = entry.read_bytes().partition(b"\n")
            expires, _, value = body.partition(b"\n")
            stored = json.loads(value)
            if "page" in stored:
                stored["expires"] = 0
                entry.write_bytes(head + b"\n" + expires + b"\n" + json.dumps(stored).encode())


def test_a_file_index_is_revalidated_by_modification_time(tmp_path, root):
    url = (root / "simple").as_uri() + "/"
    cache = DirectoryCache(tmp_path / "cache")
    run(url, cache)
    _, unchanged = run(url, cache)
    assert (unchanged.stats.requests, unchanged.stats.cache_hits) == (2, 4)  # two 304s, two metadata hits
    upload(root, tmp_path / "upload")
    second, _ = run(url, cache)
    assert second["pins"]["demo"] == "1.1"


def test_cache_control_is_read_as_rfc_9111_writes_it():
    assert directives('max-age=60, no-cache="Set-Cookie, X-A", Private') == {
        "max-age": "60",
        "no-cache": "Set-Cookie, X-A",
        "private": "",
    }
    now = 1_000_000.0
    assert freshness({"cache-control": "max-age=60", "age": "20"}, now).expires == now + 40
    assert freshness({"cache-control": "max-age=60", "age": "90"}, now).expires == now
    assert not freshness({"cache-control": "no-store, max-age=60"}, now).storable
    date = email.utils.formatdate(now - 100, usegmt=True)
    expires = email.utils.formatdate(now + 200, usegmt=True)
    assert freshness({"expires": expires, "date": date}, now).expires == now + 300  # lifetime counted from Date
    assert freshness({"etag": '"x"', "last-modified": date}, now).validators == {
        "If-None-Match": '"x"',
        "If-Modified-Since": date,
    }


@pytest.fixture
def redis_cache() -> Iterator[object]:
    """The shared Redis cache under a key prefix of its own, or None (the test then uses none)."""
    redis = pytest.importorskip("redis")
    from resolver.index.rediscache import RedisCache

    client = redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11"), socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis does not answer: {error}")
    prefix = f"test-http-cache-{uuid.uuid4().hex}:"
    yield RedisCache("redis://unused", prefix=prefix, client=client)
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    client.close()
