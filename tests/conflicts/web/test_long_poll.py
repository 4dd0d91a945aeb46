"""The progress fragment is a long poll: it answers as soon as the row moves on, within a bound."""

from __future__ import annotations

import time

import pytest
from django_htmx.http import HTMX_STOP_POLLING

from conflicts.models import Report, Status
from conflicts.web import views

pytestmark = pytest.mark.django_db


def running(**fields) -> Report:
    return Report.objects.create(files={}, roots=[], python_version="3.11", platform="any",
                                 index_name="test index", status=Status.RUNNING, **fields)  # fmt: skip


def test_a_poll_waits_for_news_and_answers_with_them(client, test_index, monkeypatch) -> None:
    report = running(progress={"rounds": 1})
    seen = views.progress_state(report)
    looks: list[float] = []

    def sleep(seconds: float) -> None:  # the worker writes progress while the poll waits
        looks.append(seconds)
        if len(looks) == 3:
            Report.objects.filter(id=report.id).update(progress={"rounds": 9})

    monkeypatch.setattr(views.time, "sleep", sleep)
    response = client.get(f"/r/{report.id}/progress/?seen={seen}", HTTP_HX_REQUEST="true")
    assert len(looks) == 3
    assert 'data-stat="rounds">9<' in response.content.decode()
    assert f"seen={views.progress_state(Report.objects.get(id=report.id))}" in response.content.decode()


def test_a_poll_without_news_answers_at_its_bound(client, test_index, monkeypatch) -> None:
    report = running(progress={"rounds": 1})
    monkeypatch.setattr(views, "PROGRESS_WAIT_SECONDS", 0.3)
    started = time.monotonic()
    response = client.get(f"/r/{report.id}/progress/?seen={views.progress_state(report)}", HTTP_HX_REQUEST="true")
    assert 0.3 <= time.monotonic() - started < 2
    assert response.status_code == 200 and 'data-stat="rounds">1<' in response.content.decode()


def test_a_poll_that_sees_the_end_stops_polling(client, make_report, monkeypatch) -> None:
    report = make_report("wagtail\n")
    monkeypatch.setattr(views, "PROGRESS_WAIT_SECONDS", 30)
    started = time.monotonic()
    response = client.get(f"/r/{report.id}/progress/?seen=whatever", HTTP_HX_REQUEST="true")
    assert response.status_code == HTMX_STOP_POLLING and time.monotonic() - started < 5
