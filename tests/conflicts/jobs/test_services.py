"""The services behind the task: claiming, running, finishing and sweeping reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conflicts import tasks
from conflicts.jobs import run, submit, sweep
from conflicts.models import Report, Status
from tests.support.queue import record_sends

pytestmark = pytest.mark.django_db


def queued(**fields) -> Report:
    defaults = {"files": {"requirements.in": "wagtail\n"}, "roots": ["requirements.in"], "python_version": "3.11",
                "platform": "manylinux_2_28_x86_64", "index_name": "test index"}  # fmt: skip
    return Report.objects.create(**{**defaults, **fields})


def test_submit_queues_the_task_only_after_commit(test_index, django_capture_on_commit_callbacks, monkeypatch) -> None:
    sent = record_sends(monkeypatch, "conflicts.resolve_report")
    with django_capture_on_commit_callbacks(execute=True):
        report = submit.submit_report({"requirements.in": "wagtail\n"}, roots=["requirements.in"],
                                        python_version="3.11", platform="any", index_name="test index")  # fmt: skip
        assert sent == []
    assert sent == [str(report.id)]


def test_the_task_resolves_and_stores_the_json_report(test_index) -> None:
    report = queued()
    tasks.resolve_report(str(report.id))
    report.refresh_from_db()
    assert report.status == Status.RESOLVED
    assert report.result["pins"] == {"asgiref": "3.8.1", "django": "3.2.25", "wagtail": "6.0"}
    assert report.attempts == 1 and report.finished is not None


def test_a_second_delivery_of_the_same_task_does_nothing(test_index) -> None:
    report = queued()
    run.run_report(report.id)
    finished = Report.objects.get(id=report.id).finished
    run.run_report(report.id)
    report.refresh_from_db()
    assert (report.attempts, report.finished) == (1, finished)


def test_an_unexpected_failure_ends_as_failed_with_a_message(test_index, monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run, "resolve", explode)
    report = queued()
    run.run_report(report.id)
    report.refresh_from_db()
    assert (report.status, report.error) == (Status.FAILED, "RuntimeError: disk on fire")


def test_sweeper_requeues_a_stale_report_once_then_fails_it(test_index, monkeypatch, settings) -> None:
    settings.RESOLVER_MAX_ATTEMPTS = 2
    sent = record_sends(monkeypatch, "conflicts.resolve_report")
    long_ago = timezone.now() - timedelta(hours=1)
    report = queued(status=Status.RUNNING, heartbeat=long_ago, attempts=1)
    sweep.sweep_stale(timedelta(minutes=2))
    report.refresh_from_db()
    assert report.status == Status.QUEUED and sent == [str(report.id)]
    Report.objects.filter(id=report.id).update(status=Status.RUNNING, heartbeat=long_ago, attempts=2)
    sweep.sweep_stale(timedelta(minutes=2))
    report.refresh_from_db()
    assert report.status == Status.FAILED and "stopped" in report.error


def test_sweeper_leaves_reports_with_a_recent_heartbeat(test_index) -> None:
    report = queued(status=Status.RUNNING, heartbeat=timezone.now(), attempts=1)
    sweep.sweep_stale(timedelta(minutes=2))
    report.refresh_from_db()
    assert report.status == Status.RUNNING


def test_a_task_delivered_again_takes_over_a_report_whose_worker_stopped(test_index, settings) -> None:
    settings.RESOLVER_STALE_SECONDS, settings.RESOLVER_MAX_ATTEMPTS = 60, 2
    report = queued(status=Status.RUNNING, heartbeat=timezone.now() - timedelta(minutes=5), attempts=1)
    tasks.resolve_report(str(report.id))
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Status.RESOLVED, 2)


def test_a_task_delivered_again_leaves_a_running_report_that_beats(test_index, settings) -> None:
    settings.RESOLVER_STALE_SECONDS = 60
    report = queued(status=Status.RUNNING, heartbeat=timezone.now() - timedelta(seconds=10), attempts=1)
    tasks.resolve_report(str(report.id))
    report.refresh_from_db()
    assert (report.status, report.attempts) == (Status.RUNNING, 1)


def test_a_task_delivered_again_fails_a_stopped_report_out_of_attempts(test_index, settings) -> None:
    settings.RESOLVER_STALE_SECONDS, settings.RESOLVER_MAX_ATTEMPTS = 60, 2
    report = queued(status=Status.RUNNING, heartbeat=timezone.now() - timedelta(minutes=5), attempts=2)
    tasks.resolve_report(str(report.id))
    report.refresh_from_db()
    assert (report.status, report.error) == (Status.FAILED, run.STOPPED_WORKER)


def test_sweeper_queues_again_a_report_nobody_took(test_index, monkeypatch) -> None:
    sent = record_sends(monkeypatch, "conflicts.resolve_report")
    lost = queued()
    Report.objects.filter(id=lost.id).update(created=timezone.now() - timedelta(hours=1))
    fresh = queued()
    sweep.sweep_stale(timedelta(minutes=2))
    sweep.sweep_stale(timedelta(minutes=2))  # once per max_age, not at every sweep
    assert sent == [str(lost.id)]
    assert Report.objects.get(id=fresh.id).heartbeat is None


@pytest.mark.django_db(transaction=True)  # outside a transaction: inside one, nothing is retried
def test_a_write_is_tried_again_while_the_database_is_unreachable(monkeypatch) -> None:
    from django.db import OperationalError

    monkeypatch.setattr(run, "DB_RETRY_DELAYS", (0.0, 0.0))
    answers = iter([OperationalError("server closed the connection"), OperationalError("refused"), 1])

    def write() -> int:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert run.retrying(write, "test") == 1
    with pytest.raises(OperationalError):
        run.retrying(lambda: (_ for _ in ()).throw(OperationalError("down")), "test")
