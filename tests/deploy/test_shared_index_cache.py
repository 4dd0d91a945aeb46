"""Reports through the real engine with RESOLVER_CACHE_URL: workers reuse each other's fetches,
and a Redis outage costs the cache, never the report.

Each report is submitted and run by `conflicts.jobs.run` as a worker runs it, against a loopback
HTTP index that counts the requests it answers.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from conflicts import indexcache
from conflicts.jobs import submit
from conflicts.jobs.run import run_report
from conflicts.models import Report, Status
from tests.support.fixtures import UNIVERSE
from tests.support.redis import redis_url
from tests.support.server import IndexServer, serve_index
from tests.support.universe import build_index


@pytest.fixture
def http_index(tmp_path: Path, settings) -> Iterator[IndexServer]:
    build_index(tmp_path / "index", UNIVERSE)
    # Pages fresh for ten minutes, as a typical index sends them: without a lifetime, a second
    # worker revalidates each page (a 304) rather than making no request at all.
    with serve_index(tmp_path / "index", page_headers={"Cache-Control": "max-age=600"}) as server:
        settings.RESOLVER_INDEXES = [("loopback", server.simple_url)]
        settings.RESOLVER_CACHE_DIR = str(tmp_path / "directory-cache")  # must stay unused
        yield server
    indexcache._redis_cache.cache_clear()


def run(text: str) -> Report:
    report = submit.submit_report(
        {"requirements.in": text},
        roots=["requirements.in"],
        python_version="3.11",
        platform="manylinux_2_28_x86_64",
        index_name="loopback",
    )
    run_report(report.id)
    report.refresh_from_db()
    return report


@pytest.mark.django_db
def test_a_second_worker_reuses_the_first_ones_fetches(
    http_index: IndexServer, settings, redis_client, redis_prefix: str, tmp_path: Path
) -> None:
    settings.RESOLVER_CACHE_URL = redis_url()
    settings.RESOLVER_CACHE_KEY_PREFIX = redis_prefix

    first = run("wagtail\ndjangocms-blog\n")
    assert first.status == Status.RESOLVED, first.error
    fetched = http_index.total_requests()
    assert fetched > 0 and first.result["stats"]["requests"] == fetched
    assert any(key.startswith(redis_prefix.encode() + b"meta:") for key in redis_client.scan_iter(redis_prefix + "*"))

    indexcache._redis_cache.cache_clear()  # another worker process: a new client, nothing in memory
    second = run("wagtail\ndjangocms-blog\n")
    assert second.status == Status.RESOLVED
    assert second.result["stats"]["requests"] == 0 and http_index.total_requests() == fetched
    assert second.result["stats"]["cache_hits"] > 0
    assert (
        second.result["pins"]
        == first.result["pins"]
        == {"wagtail": "6.0", "djangocms-blog": "1.2.0", "django": "3.2.25", "asgiref": "3.8.1"}
    )
    assert not (tmp_path / "directory-cache").exists()


@pytest.mark.django_db
def test_a_redis_outage_resolves_without_the_cache(
    http_index: IndexServer, settings, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings.RESOLVER_CACHE_URL = f"redis://127.0.0.1:{port}/0"
    with caplog.at_level(logging.WARNING):
        report = run("wagtail\ndjangocms-blog\n")
        again = run("wagtail\ndjangocms-blog\n")
    assert report.status == Status.RESOLVED, report.error
    assert again.status == Status.RESOLVED and again.result["stats"]["requests"] > 0  # nothing was cached
    assert any("shared index cache is unavailable" in r.getMessage() for r in caplog.records)
