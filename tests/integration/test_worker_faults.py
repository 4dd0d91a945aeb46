"""Worker processes that die, a broker that restarts, a database that drops out: every report
still finishes exactly once, with its result or with a message, and never stays "running".

Real `celery worker` processes on PostgreSQL and Redis (and one on the embedded defaults),
resolving against a loopback index slow enough (0.5 s a request, a chain of 8 projects) that the
fault lands mid-resolution. Settings are shortened through the environment: a heartbeat every
second (stale after 4 s), the sweeper every 5 s, Redis's visibility timeout 10 s.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.integration.conftest import base_env
from tests.support.redis import RedisServer
from tests.support.stack import FINISHED, Stack
from tests.support.tcpproxy import tcp_proxy

pytestmark = pytest.mark.integration

REQUIREMENTS = "link0\n"
PINS_DONE = {"resolved"}


def killed_mid_resolution(stack: Stack, index, *, survivor_beat: bool) -> tuple[str, float]:
    """Submit, let the first worker start resolving, start a second one, SIGKILL the first.

    Returns the report id and the moment of the kill; the index answers fast from then on, so
    what is measured is the recovery, not the resolution.
    """
    victim = stack.start_worker("victim")
    report_id = stack.submit(REQUIREMENTS)
    stack.wait(report_id, {"running"}, timeout=90)
    survivor = stack.start_worker("survivor", beat=survivor_beat)
    survivor.wait_ready()
    assert stack.row(report_id)["status"] == "running", "the resolution ended before the kill: make it slower"
    victim.kill()
    killed = time.monotonic()
    index.latency = 0.0
    return report_id, killed


def test_a_worker_killed_mid_resolution_on_redis_is_redelivered_and_the_report_finishes(
    tmp_path: Path, slow_index, postgres_url, redis_broker_url, stacks
) -> None:
    stack = Stack({**base_env(tmp_path, slow_index), "DATABASE_URL": postgres_url}, tmp_path)
    stacks.append(stack)
    report_id, killed = killed_mid_resolution(stack, slow_index, survivor_beat=False)  # no sweeper: Redis alone

    row = stack.wait(report_id, FINISHED, timeout=10 + 30)  # the visibility timeout + 30 s
    assert (row["status"], row["attempts"]) == ("resolved", 2), row
    assert time.monotonic() - killed <= 40
    assert "resolving it here" in stack.workers[1].text()  # the redelivered task took it over
    time.sleep(2)
    assert stack.row(report_id)["status"] == "resolved"  # finished once: nothing overwrote it


def test_a_worker_killed_mid_resolution_on_the_embedded_defaults_is_swept_and_the_report_finishes(
    tmp_path: Path, slow_index, stacks
) -> None:
    env = {
        **base_env(tmp_path, slow_index),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "BROKER_DIR": str(tmp_path / "broker"),
    }
    stack = Stack(env, tmp_path)
    stacks.append(stack)
    stack.migrate()
    report_id, killed = killed_mid_resolution(stack, slow_index, survivor_beat=True)

    # The filesystem broker never redelivers: the sweeper requeues the report once its heartbeat is
    # 4 s old, at its next run (every 5 s); two sweep intervals after going stale, plus the run.
    row = stack.wait(report_id, FINISHED, timeout=4 + 2 * 5 + 10)
    assert (row["status"], row["attempts"]) == ("resolved", 2), row
    assert time.monotonic() - killed <= 4 + 2 * 5 + 10


def test_a_broker_restarted_under_a_running_and_a_queued_report_loses_neither(
    tmp_path: Path, slow_index, postgres_url, stacks
) -> None:
    broker = RedisServer(tmp_path)
    broker.start()
    try:
        env = {**base_env(tmp_path, slow_index), "DATABASE_URL": postgres_url, "CELERY_BROKER_URL": broker.url}
        stack = Stack(env, tmp_path)
        stacks.append(stack)
        worker = stack.start_worker("worker", beat=True)
        running = stack.submit(REQUIREMENTS)
        queued = stack.submit("link1\n")  # behind the first: the worker runs one task at a time
        stack.wait(running, {"running"}, timeout=90)
        assert stack.row(queued)["status"] == "queued"

        broker.stop()  # no persistence: the queued report's message is gone with it
        time.sleep(3)
        broker.start()
        slow_index.latency = 0.0

        assert stack.wait(running, FINISHED, timeout=60)["status"] == "resolved"
        assert stack.wait(queued, FINISHED, timeout=60)["status"] == "resolved"
        assert worker.process.poll() is None
    finally:
        broker.stop()


def test_a_database_unreachable_for_seconds_mid_resolution_costs_no_report_and_no_worker(
    tmp_path: Path, slow_index, postgres_url, redis_broker_url, stacks
) -> None:
    parts = urlsplit(postgres_url)
    with tcp_proxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        through_proxy = urlunsplit(parts._replace(netloc=f"{parts.netloc.rpartition('@')[0]}@127.0.0.1:{proxy.port}"))
        if "@" not in parts.netloc:
            through_proxy = urlunsplit(parts._replace(netloc=f"127.0.0.1:{proxy.port}"))
        env = {**base_env(tmp_path, slow_index), "DATABASE_URL": postgres_url}
        stack = Stack(env, tmp_path)
        stacks.append(stack)
        worker = stack.start_worker("worker", env={"DATABASE_URL": through_proxy})
        report_id = stack.submit(REQUIREMENTS)
        stack.wait(report_id, {"running"}, timeout=90)
        time.sleep(1.5)  # a heartbeat and some progress written through the proxy
        assert proxy.accepted >= 1

        proxy.cut()  # every connection of the worker dropped, new ones refused
        time.sleep(5)
        proxy.restore()

        row = stack.wait(report_id, FINISHED, timeout=60)
        assert row["status"] == "resolved" or (row["status"] == "failed" and row["error"]), row
        assert row["attempts"] == 1
        assert "the database is unavailable" in worker.text() or "not written" in worker.text()
        assert worker.process.poll() is None

        slow_index.latency = 0.0
        after = stack.submit(REQUIREMENTS)
        assert stack.wait(after, FINISHED, timeout=60)["status"] == "resolved"
