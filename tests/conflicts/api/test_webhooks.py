"""The completion webhook: queued when a report finishes, signed, retried while the receiver is down."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conflicts import tasks
from conflicts.jobs import run, submit, sweep, webhooks
from conflicts.models import ApiToken, Report, Status
from tests.support.proxy import serve_proxy
from tests.support.queue import record_sends

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """A loopback HTTP server that answers with the given statuses in turn (then 204) and keeps each POST."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", state.url + "elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/"
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    yield state
    server.shutdown()
    server.server_close()


def finished(receiver: Receiver, **fields) -> Report:
    token, _raw = ApiToken.issue("control panel")
    defaults = {"files": {"requirements.in": "wagtail\n"}, "roots": ["requirements.in"], "python_version": "3.11",
                "platform": "any", "index_name": "test index", "status": Status.FAILED, "error": "The worker stopped",
                "token": token, "webhook_url": receiver.url, "site_url": "https://ce.example"}  # fmt: skip
    return Report.objects.create(**{**defaults, **fields})


def test_a_report_that_finishes_queues_its_webhook_after_commit(
    make_report, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["hooks.example"]
    sent = record_sends(monkeypatch, "conflicts.deliver_webhook")
    report = submit.submit_report(
        {"requirements.in": "wagtail\n"},
        roots=["requirements.in"],
        python_version="3.11",
        platform="any",
        index_name="test index",
        webhook_url="https://hooks.example/x",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run.run_report(report.id)
    assert sent == [str(report.id)]


def test_a_report_without_a_webhook_queues_none(make_report, monkeypatch) -> None:
    sent = record_sends(monkeypatch, "conflicts.deliver_webhook")
    make_report("wagtail\n")
    assert sent == []


def test_a_report_failed_by_the_sweeper_queues_its_webhook(
    test_index, settings, monkeypatch, receiver, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    sent = record_sends(monkeypatch, "conflicts.deliver_webhook")
    stale = timezone.now() - timedelta(hours=1)
    report = finished(
        receiver, status=Status.RUNNING, error="", attempts=settings.RESOLVER_MAX_ATTEMPTS, heartbeat=stale
    )
    with django_capture_on_commit_callbacks(execute=True):
        sweep.sweep_stale()
    assert sent == [str(report.id)]


def verify(headers: dict[str, str], body: bytes, secret: str, now: float | None = None) -> bool:
    """What a receiver does (Standard Webhooks), written from docs/api.md's description."""
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > 300:
        return False  # too old (or from the future): a replay
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(part.partition(",")[2], expected) for part in headers["webhook-signature"].split())


def test_the_webhook_posts_the_signed_summary(receiver: Receiver, settings) -> None:
    settings.API_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"s3cret-key-bytes").decode()
    report = finished(receiver)
    assert webhooks.deliver(str(report.id)) is True
    [(headers, body)] = receiver.received
    assert json.loads(body) == {
        "id": str(report.id),
        "status": "failed",
        "summary": "The worker stopped",
        "permalink": f"https://ce.example/r/{report.id}/",
    }
    assert headers["webhook-id"] == f"report-{report.id}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 10
    assert verify(headers, body, settings.API_WEBHOOK_SECRET)
    assert headers["Content-Type"] == "application/json"


def test_a_captured_delivery_does_not_verify_later_or_altered(receiver: Receiver, settings) -> None:
    """Issue 14, item 11: the timestamp is signed, so a replay is told by its age."""
    settings.API_WEBHOOK_SECRET = "plain text secret"
    webhooks.deliver(str(finished(receiver).id))
    [(headers, body)] = receiver.received
    assert verify(headers, body, "plain text secret")
    assert not verify(headers, body, "plain text secret", now=time.time() + 3600)
    replayed = {**headers, "webhook-timestamp": str(int(time.time()) + 3600)}  # a fresh time, the old signature
    assert not verify(replayed, body, "plain text secret", now=time.time() + 3600)
    assert not verify(headers, body.replace(b"failed", b"resolved"), "plain text secret")


def test_without_a_secret_the_key_is_per_token_and_not_in_the_database(receiver: Receiver, settings) -> None:
    """Issue 14, item 11: the key was the token's stored digest, so a database leak forged deliveries."""
    settings.API_WEBHOOK_SECRET = ""
    report = finished(receiver)
    webhooks.deliver(str(report.id))
    [(headers, body)] = receiver.received
    assert verify(headers, body, report.token.webhook_secret())
    for stored in (report.token.hashed, report.token.prefix):  # everything the row holds
        assert not verify(headers, body, stored)
    other, _raw = ApiToken.issue("someone else")
    assert not verify(headers, body, other.webhook_secret())
    settings.SECRET_KEY = "another-" + "k" * 60
    assert not verify(headers, body, report.token.webhook_secret())


def test_the_task_retries_while_the_receiver_fails_then_delivers(receiver: Receiver) -> None:
    receiver.statuses = [503, 500]
    tasks.deliver_webhook.apply(args=[str(finished(receiver).id)])  # eager: retries run at once
    assert len(receiver.received) == 3


def test_the_task_gives_up_after_the_configured_retries(receiver: Receiver, monkeypatch) -> None:
    monkeypatch.setattr(tasks.deliver_webhook, "max_retries", 2)  # API_WEBHOOK_MAX_RETRIES, read at start-up
    receiver.statuses = [500] * 10
    result = tasks.deliver_webhook.apply(args=[str(finished(receiver).id)])
    assert len(receiver.received) == 3
    assert isinstance(result.result, webhooks.DeliveryFailed) and "answered 500" in str(result.result)


def test_a_refusal_is_not_retried(receiver: Receiver) -> None:
    receiver.statuses = [400]
    tasks.deliver_webhook.apply(args=[str(finished(receiver).id)])
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.statuses = [302]
    assert webhooks.deliver(str(finished(receiver).id)) is False
    assert len(receiver.received) == 1


def test_a_host_no_longer_allowed_gets_nothing(receiver: Receiver, settings) -> None:
    report = finished(receiver)
    settings.API_WEBHOOK_ALLOWED_HOSTS = []
    assert webhooks.deliver(str(report.id)) is False
    assert receiver.received == []


def test_an_unreachable_receiver_is_retried_later(receiver: Receiver, settings) -> None:
    report = finished(receiver, webhook_url="http://127.0.0.1:9/closed")
    with pytest.raises(webhooks.DeliveryFailed):
        webhooks.deliver(str(report.id))


def test_the_retries_wait_10_s_doubling_up_to_an_hour(receiver: Receiver, monkeypatch) -> None:
    """The schedule the README documents, as Celery computes it from the task's options."""
    waits: list[float] = []
    real_retry = tasks.deliver_webhook.retry

    def retry(*args, countdown=None, **kwargs):
        waits.append(countdown)
        return real_retry(*args, countdown=countdown, **kwargs)

    monkeypatch.setattr(tasks.deliver_webhook, "max_retries", 13)
    monkeypatch.setattr(tasks.deliver_webhook, "retry", retry)
    receiver.statuses = [503] * 14
    tasks.deliver_webhook.apply(args=[str(finished(receiver).id)])
    assert waits[:5] == [10, 20, 40, 80, 160] and waits[-1] == 3600 and len(waits) == 14


def test_a_webhook_goes_through_the_proxy_of_the_environment_when_allowed(
    receiver: Receiver, settings, monkeypatch
) -> None:
    """The same transport as the index's: HTTP_PROXY is honoured, and the proxy must be allowed."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serve_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        settings.RESOLVER_ALLOWED_PROXIES = []
        assert webhooks.deliver(str(finished(receiver).id)) is False  # a proxy not allowed: nothing sent
        assert proxy.seen == [] and receiver.received == []
        settings.RESOLVER_ALLOWED_PROXIES = [proxy.url]
        report = finished(receiver)
        assert webhooks.deliver(str(report.id)) is True
    assert proxy.seen == [("POST", receiver.url)]
    ((headers, body),) = receiver.received
    assert json.loads(body)["id"] == str(report.id) and headers["webhook-id"] == f"report-{report.id}"
