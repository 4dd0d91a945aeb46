"""/healthz and /readyz: what they check, that probes by IP over plain HTTP get through, and that
a real outage (a database or a broker that refuses connections) turns them to 503."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from django.test import Client

from tests.support.deployment import manage
from tests.support.redis import redis_url

PROBE = """
import json
from django.test import Client
response = Client().get("/{path}", HTTP_HOST="10.1.2.3:8000")
print(json.dumps({{"status": response.status_code, "body": json.loads(response.content)}}))
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def probe(path: str, env: dict[str, str], tmp_path: Path) -> dict:
    done = manage("shell", "-c", PROBE.format(path=path), env=env, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthz_checks_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] is True
    assert set(body["checks"]) == {"database"}


@pytest.mark.django_db
def test_readyz_checks_database_broker_and_cache() -> None:
    body = Client().get("/readyz/").json()
    assert body["status"] == "ok"
    assert {name for name, check in body["checks"].items() if check["ok"]} == {
        "database",
        "broker",
        "cache",
        "index_cache",
    }


@pytest.mark.django_db
def test_probes_by_ip_over_http_pass_host_checks_and_the_https_redirect(settings) -> None:
    settings.ALLOWED_HOSTS = ["conflicts.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new handler, so the middleware reads the settings above
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    # ...while every other page still refuses the host, and redirects to HTTPS.
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    home = client.get("/", HTTP_HOST="conflicts.example.com")
    assert home.status_code == 301 and home["Location"].startswith("https://")


def test_probes_answer_only_get_and_head() -> None:
    response = Client().post("/healthz")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


@pytest.mark.slow
def test_a_database_that_refuses_makes_healthz_503(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"postgres://ce:ce@127.0.0.1:{closed_port()}/ce", "CELERY_BROKER_URL": "memory://"}
    answer = probe("healthz", env, tmp_path)
    assert answer["status"] == 503
    assert answer["body"]["status"] == "unavailable"
    assert answer["body"]["checks"]["database"] == {"ok": False, "error": "OperationalError", **_ms(answer)}
    assert "ce:ce" not in json.dumps(answer)  # no credentials, no URL


@pytest.mark.slow
def test_a_broker_that_refuses_makes_readyz_503_but_not_healthz(tmp_path: Path) -> None:
    env = {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "CELERY_BROKER_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    ready = probe("readyz", env, tmp_path)
    assert ready["status"] == 503
    assert ready["body"]["checks"]["broker"]["ok"] is False
    assert ready["body"]["checks"]["database"]["ok"] is True
    assert probe("healthz", env, tmp_path)["status"] == 200


@pytest.mark.slow
def test_readyz_with_real_redis_broker_and_caches(tmp_path: Path, redis_client) -> None:
    url = redis_url()
    env = {
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "CELERY_BROKER_URL": url,
        "CACHE_URL": url,
        "RESOLVER_CACHE_URL": url,
        "CACHE_KEY_PREFIX": "test-readyz",
        "RESOLVER_CACHE_KEY_PREFIX": "test-readyz-index:",
    }
    ready = probe("readyz", env, tmp_path)
    assert ready["status"] == 200, ready
    assert all(check["ok"] for check in ready["body"]["checks"].values())


@pytest.mark.slow
def test_a_shared_index_cache_outage_is_reported_but_keeps_the_app_ready(tmp_path: Path) -> None:
    env = {
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "CELERY_BROKER_URL": "memory://",
        "RESOLVER_CACHE_URL": f"redis://127.0.0.1:{closed_port()}/0",
    }
    ready = probe("readyz", env, tmp_path)
    assert ready["status"] == 200
    assert ready["body"]["checks"]["index_cache"]["ok"] is False


def _ms(answer: dict) -> dict:
    return {"ms": answer["body"]["checks"]["database"]["ms"]}
