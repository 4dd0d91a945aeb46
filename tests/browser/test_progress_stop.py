"""While the analyses run, the page says what they do and for how long, and Stop works (issue 15).

The report's row is written as the worker writes it mid-analyses, so the test drives the page
alone; that the flag stops the analyses is tested in tests/conflicts/jobs/test_stop.py.
Screenshots: artifacts/screenshots/progress-stop*.png and inspector-ranges.png.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from conflicts.models import Report, Status
from tests.browser.test_answer_first import DESK, resolved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_shows_phase_and_seconds_and_stop_keeps_what_is_known(page, bundled_index) -> None:
    report = Report.objects.create(
        files={"requirements.in": "django==1.11.29\ndjangorestframework>=3.12\n"}, roots=["requirements.in"],
        python_version="3.11", platform="manylinux_2_28_x86_64", index_name="test index", status=Status.RUNNING,
        progress={
            "rounds": 14, "packages": 3, "requests": 9, "verdict": "conflict",
            "messages": ["Could not find a version that matches django==1.11.29,>=2.2"],
            "phase": "proving fixes for django", "phase_resolutions": 3, "analysis_resolutions": 11,
            "analysis_max_resolutions": 120, "analysis_seconds": 4.0, "analysis_max_seconds": 60.0,
            "analysis_started_at": time.time() - 12,
        },
    )  # fmt: skip
    page.page.set_viewport_size(DESK)
    page.page.goto(f"{page.base_url}/r/{report.id}/")
    progress = page.page.locator("#progress")
    expect(progress).to_contain_text("Now: proving fixes for django (3 re-resolutions so far)")
    expect(progress.locator('[data-stat="elapsed"]')).to_contain_text(" of at most 60 s")
    expect(page.page).to_have_title("Conflict: explaining… · Conflict Explorer")
    page.screenshot("progress-stop")
    page.page.get_by_role("button", name="Stop explaining and keep what is known").click()
    expect(progress).to_contain_text("Stopping at your request")
    report.refresh_from_db()
    assert report.stop_requested
    page.screenshot("progress-stopping")
    assert page.blocked == [] and page.console_errors == []


def test_the_inspector_shows_a_parents_versions_in_ranges(page, bundled_index) -> None:
    report = resolved("drf-on-django-1-11")
    page.page.set_viewport_size(DESK)
    page.page.goto(f"{page.base_url}/r/{report.id}/#graph")
    page.page.locator("#graph-canvas svg #pkg-django a").first.click()
    inspector = page.page.locator("#inspector")
    expect(inspector).to_contain_text("djangorestframework asks, by version")
    expect(inspector.locator("ul.ranges li")).not_to_have_count(0)
    page.page.locator("section#graph").screenshot(path=str(page.screenshot("inspector-ranges")))
    assert page.blocked == [] and page.console_errors == []
