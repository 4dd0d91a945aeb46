"""The control panel's path end to end: a token, a POST over real HTTP, a real worker, polling, parents.

pytest-django's live server answers on loopback; a Celery worker thread consumes the in-memory
broker the server's commits enqueue on; httpx is the client, as another system would be.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from conflicts.models import ApiToken
from tests.support.worker import celery_worker

pytestmark = pytest.mark.django_db(transaction=True)

CONFLICT = "# our site\ndjango==1.11.29\n\ndjangocms-blog\n"


@pytest.fixture
def worker(transactional_db) -> Iterator[None]:
    with celery_worker():
        yield


@pytest.fixture
def http(live_server, test_index) -> Iterator[httpx.Client]:
    _token, raw = ApiToken.issue("control panel")
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {raw}"}, timeout=10) as client:
        yield client


def poll(client: httpx.Client, url: str, deadline: float = 60.0) -> dict:
    """GET the status URL until the report finishes, waiting as its Retry-After hint says."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        response = client.get(url)
        assert response.status_code == 200, response.text
        if response.json()["finished"]:
            return response.json()
        time.sleep(min(0.2, float(response.headers["Retry-After"])))  # faster than the hint: a test
    raise AssertionError(f"{url} did not finish within {deadline} s")


def test_a_client_creates_a_report_polls_it_through_a_worker_and_reads_the_parents(http, worker) -> None:
    created = http.post(
        "/api/v1/reports",
        json={"files": {"requirements.in": CONFLICT}, "python_version": "3.11", "index": "test index"},
        headers={"Idempotency-Key": "deploy-1234"},
    )
    assert created.status_code == 202, created.text
    assert created.headers["Location"] == created.json()["status_url"]

    body = poll(http, created.headers["Location"])

    assert body["status"] == "conflict"
    assert body["summary"] == "Could not find a version that matches django==1.11.29,>2.0"
    [conflict] = body["report"]["conflicts"]
    assert conflict["package"] == "django"
    assert [(c["specifier"], c["parent"], c["source"]["line"], c["path"]) for c in conflict["constraints"]] == [
        ("==1.11.29", None, 2, ["requirements.in:2"]),
        (">2.0", "djangocms-blog==1.2.0", 4, ["requirements.in:4", "djangocms-blog==1.2.0"]),
    ]
    graph = http.get(f"/api/v1/reports/{body['id']}/graph").json()
    assert {node["id"] for node in graph["nodes"]} == {"<root>", "django", "djangocms-blog"}
    assert http.get(body["permalink"]).status_code == 200

    retry = http.post("/api/v1/reports", json={"files": {"requirements.in": CONFLICT}, "python_version": "3.11",
                      "index": "test index"}, headers={"Idempotency-Key": "deploy-1234"})  # fmt: skip
    assert (retry.status_code, retry.json()["id"], retry.json()["status"]) == (202, body["id"], "conflict")


def test_a_resolved_report_offers_its_pinned_outputs_over_http(http, worker) -> None:
    created = http.post("/api/v1/reports", files=[("files", ("requirements.in", b"wagtail\n"))]).json()
    body = poll(http, created["status_url"])
    assert (body["status"], body["report"]["pins"]) == (
        "resolved",
        {"asgiref": "3.8.1", "django": "3.2.25", "wagtail": "6.0"},
    )
    text = http.get(f"/api/v1/reports/{body['id']}/requirements.txt")
    assert "wagtail==6.0" in text.text
    assert text.headers["Content-Disposition"] == 'attachment; filename="requirements.txt"'
