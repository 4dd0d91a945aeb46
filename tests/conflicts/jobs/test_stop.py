"""The Stop button: a POST sets the flag on the row; the worker's analyses stop at their next
re-resolution and the report keeps what they proved (issue 15)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

import resolver.engine
from conflicts.jobs import run
from conflicts.models import Report, Status

pytestmark = pytest.mark.django_db
INPUT = "django==1.11.29\ndjangocms-blog\n"


def _queued(**fields) -> Report:
    return Report.objects.create(files={"requirements.in": INPUT}, roots=["requirements.in"], python_version="3.11",
                                 platform="manylinux_2_28_x86_64", index_name="test index", **fields)  # fmt: skip


def test_pressing_stop_while_the_analyses_run_keeps_the_conflict_and_says_so(test_index, monkeypatch, client) -> None:
    report = _queued()
    analyse = resolver.engine.analyse_failure

    def stopped_by_the_user(*args, **kwargs):
        page = client.get(f"/r/{report.id}/progress/", HTTP_HX_REQUEST="true").content.decode()
        assert f'action="/r/{report.id}/stop/"' in page and "csrfmiddlewaretoken" in page
        assert client.post(f"/r/{report.id}/stop/")["Location"] == f"/r/{report.id}/"
        return analyse(*args, **kwargs)

    monkeypatch.setattr(resolver.engine, "analyse_failure", stopped_by_the_user)
    run.run_report(report.id)

    report.refresh_from_db()
    assert report.status == Status.CONFLICT and report.result["conflicts"][0]["package"] == "django"
    assert report.result["analysis"] | {"duration_ms": 0} == {
        "resolutions": 0, "duration_ms": 0, "complete": False, "stopped": "stopped at your request", "undecided": 0,
    }  # fmt: skip
    assert "The explanation was stopped at your request" in client.get(f"/r/{report.id}/").content.decode()


def test_the_stop_post_needs_its_csrf_token_and_a_running_report(test_index) -> None:
    running = _queued(status=Status.RUNNING, progress={"verdict": "conflict", "messages": []})
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/r/{running.id}/stop/").status_code == 403
    assert strict.get(f"/r/{running.id}/stop/").status_code == 405
    running.refresh_from_db()
    assert running.stop_requested is False

    assert Client().post(f"/r/{running.id}/stop/").status_code == 302
    running.refresh_from_db()
    assert running.stop_requested is True
    page = Client().get(f"/r/{running.id}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "Stopping at your request" in page and "/stop/" not in page
    assert "<title>Conflict: stopping… · Conflict Explorer</title>" in page

    done = _queued(status=Status.CONFLICT)
    Client().post(f"/r/{done.id}/stop/")
    done.refresh_from_db()
    assert done.stop_requested is False


def test_the_progress_fragment_shows_the_phase_and_the_seconds_against_the_budget(test_index, client) -> None:
    progress = {
        "rounds": 9, "verdict": "conflict", "messages": [], "phase": "proving fixes for django (1 of 2)",
        "phase_resolutions": 3, "analysis_resolutions": 23, "analysis_max_resolutions": 120,
        "analysis_seconds": 11.5, "analysis_max_seconds": 60.0, "analysis_started_at": time.time() - 12.4,
    }  # fmt: skip
    report = _queued(status=Status.RUNNING, progress=progress)
    page = client.get(f"/r/{report.id}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-stat="phase">proving fixes for django (1 of 2)</strong> (3 re-resolutions so far)' in page
    assert 'data-stat="elapsed">12 s of at most 60 s<' in page
    assert 'data-stat="resolutions">23 of at most 120<' in page


def test_the_worker_writes_each_new_phase_at_once(test_index) -> None:
    report = _queued(status=Status.RUNNING)
    writer = run.ProgressWriter(report.id, interval=60)
    writer({"rounds": 1})
    writer({"rounds": 1, "phase": "finding the smallest clash", "analysis_seconds": 2.0})
    report.refresh_from_db()
    assert report.progress["phase"] == "finding the smallest clash"
    assert abs(report.progress["analysis_started_at"] - (time.time() - 2.0)) < 5
    writer({"rounds": 1, "phase": "finding the smallest clash", "analysis_seconds": 2.1, "phase_resolutions": 2})
    report.refresh_from_db()
    assert "phase_resolutions" not in report.progress  # the same phase: throttled as before
