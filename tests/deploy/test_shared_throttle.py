"""CACHE_URL=redis://... makes the API's rate limit one count for every web process.

Two separate processes (as two gunicorn workers are) share a SQLite file and a token; the first
makes the token's whole allowance of requests, and the second is then refused with a 429. With
the default per-process cache (the control) the second process starts its own count.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.deployment import manage
from tests.support.redis import redis_url

REQUESTS = """
import json, uuid
from django.test import Client
from conflicts.models import ApiToken
token = ApiToken.objects.filter(name="shared").first()
secret = {secret!r}
if token is None:
    token, secret = ApiToken.issue("shared")
client = Client()
codes = [client.get(f"/api/v1/reports/{{uuid.uuid4()}}", HTTP_AUTHORIZATION=f"Bearer {{secret}}").status_code
         for _ in range({count})]
print(json.dumps({{"codes": codes, "secret": secret}}))
"""


def requests(env: dict[str, str], tmp_path: Path, count: int, secret: str | None = None) -> dict:
    done = manage("shell", "-c", REQUESTS.format(secret=secret, count=count), env=env, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def environment(tmp_path: Path, cache_url: str) -> dict[str, str]:
    env = {
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "CELERY_BROKER_URL": "memory://",
        "CACHE_URL": cache_url,
        "CACHE_KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex[:8]}",
        "API_THROTTLE": "3/hour",
    }
    assert manage("migrate", "--noinput", env=env, tmp_path=tmp_path).returncode == 0
    return env


@pytest.mark.slow
def test_with_redis_every_process_counts_together(tmp_path: Path, redis_client) -> None:
    env = environment(tmp_path, redis_url())
    first = requests(env, tmp_path, 3)
    assert first["codes"] == [404, 404, 404]  # no such reports, but authenticated and counted
    second = requests(env, tmp_path, 1, first["secret"])
    assert second["codes"] == [429]
    keys = list(redis_client.scan_iter(env["CACHE_KEY_PREFIX"] + ":*"))
    assert keys  # the count lived in Redis
    redis_client.delete(*keys)


@pytest.mark.slow
def test_with_the_default_cache_each_process_counts_alone(tmp_path: Path) -> None:
    env = environment(tmp_path, "locmem://")
    first = requests(env, tmp_path, 4)
    assert first["codes"] == [404, 404, 404, 429]
    assert requests(env, tmp_path, 1, first["secret"])["codes"] == [404]
