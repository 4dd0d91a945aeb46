"""With CACHE_URL on a Redis that is down, pages and the API keep working (no 500), the rate
limit lets requests through rather than refusing them, and a warning says why; on a live Redis the
same backend counts and caches as Django's own."""

from __future__ import annotations

import logging
import socket
import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from config.envurls import cache_from_url
from conflicts.models import ApiToken
from tests.support.redis import redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {"default": cache_from_url(f"redis://127.0.0.1:{port}/0", key_prefix="down", timeout=0.5)}


def test_the_api_answers_and_lets_requests_through_while_the_cache_is_down(
    redis_down, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.API_THROTTLE = "1/min"
    _, secret = ApiToken.issue("outage")
    client = Client()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        codes = [
            client.get(f"/api/v1/reports/{uuid.uuid4()}", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
            for _ in range(3)
        ]
    assert codes == [404, 404, 404]  # over "1/min", but nothing counts while Redis is down
    assert [r.getMessage() for r in caplog.records if "cache is unavailable" in r.getMessage()]


def test_pages_with_graphs_render_while_the_cache_is_down(redis_down, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    client = Client()
    assert client.get(f"/r/{report.id}/").status_code == 200
    svg = client.get(f"/r/{report.id}/graph.svg")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")


def test_readyz_reports_the_cache_but_stays_ready(redis_down) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["ok"] is False


def test_on_a_live_redis_the_backend_counts_and_caches(settings, redis_client) -> None:
    prefix = f"test-cache-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": cache_from_url(redis_url(), key_prefix=prefix)}
    settings.API_THROTTLE = "2/min"
    cache.set("answer", {"value": 42}, timeout=30)
    assert cache.get("answer") == {"value": 42}
    assert cache.add("count", 0, timeout=30) and cache.incr("count") == 1
    with pytest.raises(ValueError):
        cache.incr("never-set")
    _, secret = ApiToken.issue("live")
    client = Client()
    codes = [
        client.get(f"/api/v1/reports/{uuid.uuid4()}", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]
    redis_client.delete(*redis_client.scan_iter(prefix + ":*"))
