"""The index client's caches: in memory and in a directory shared by processes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from resolver.index.cache import MemoryCache
from resolver.index.diskcache import DirectoryCache


@pytest.fixture(params=["memory", "directory"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> MemoryCache | DirectoryCache:
    return MemoryCache() if request.param == "memory" else DirectoryCache(tmp_path / "cache")


def test_cache_returns_what_was_stored(cache):
    cache.set("meta:sha256:ab", b"\x00value\nwith lines")
    assert cache.get("meta:sha256:ab") == b"\x00value\nwith lines"
    assert cache.get("meta:sha256:cd") is None


def test_cache_overwrites_an_entry(cache):
    cache.set("key", b"old")
    cache.set("key", b"new", 60)
    assert cache.get("key") == b"new"


def test_expired_entry_is_gone(cache):
    cache.set("page:x", b"value", ttl=0)
    cache.set("page:y", b"value", ttl=-1)
    cache.set("page:z", b"value", ttl=3600)
    assert (cache.get("page:x"), cache.get("page:y"), cache.get("page:z")) == (None, None, b"value")


def test_directory_cache_is_shared_between_instances_and_names_files_by_hash(tmp_path):
    DirectoryCache(tmp_path).set("page:https://user@host/simple/demo/", b"v")
    assert DirectoryCache(tmp_path).get("page:https://user@host/simple/demo/") == b"v"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    digest = hashlib.sha256(b"page:https://user@host/simple/demo/").hexdigest()
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [f"{digest[:2]}/{digest}"]


def test_directory_cache_leaves_no_temporary_files(tmp_path):
    cache = DirectoryCache(tmp_path)
    for number in range(5):
        cache.set("key", str(number).encode())
    assert [p.name for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".tmp")] == []


def test_directory_cache_ignores_a_damaged_entry(tmp_path):
    cache = DirectoryCache(tmp_path)
    cache.set("key", b"value")
    (entry,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    entry.write_bytes(b"garbage")
    assert cache.get("key") is None


def test_directory_cache_that_cannot_write_loses_the_entry_quietly(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    cache = DirectoryCache(blocker)
    cache.set("key", b"value")
    assert cache.get("key") is None


def test_directory_cache_expands_the_home_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Path(DirectoryCache("~/.cache/conflict-explorer").path) == tmp_path / ".cache" / "conflict-explorer"
