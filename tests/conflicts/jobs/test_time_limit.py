"""Issue 14, item 2: a report past its time limit ends failed, naming the limit, on any pool.

`run_report` is called in this thread, as the threads pool of `make run` calls it: Celery
enforces no time limit there, so the limit must come from the engine's own deadline.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conflicts.jobs import submit
from conflicts.jobs.run import run_report
from conflicts.models import Status
from tests.support.server import serve_index
from tests.support.universe import build_index

pytestmark = pytest.mark.django_db


def test_a_report_past_its_time_limit_fails_naming_the_limit(tmp_path: Path, settings) -> None:
    # 150 lines on a slow index: seconds of work, against a limit of 1 s.
    build_index(tmp_path, {f"p{i}": {"1.0": {}} for i in range(150)}, formats=("json",))
    with serve_index(tmp_path, latency=0.1) as server:
        settings.RESOLVER_INDEXES = [("slow index", server.simple_url)]
        settings.CELERY_TASK_SOFT_TIME_LIMIT = 1
        report = submit.submit_report(
            {"requirements.in": "".join(f"p{i}\n" for i in range(150))},
            roots=["requirements.in"],
            python_version="3.11",
            platform="manylinux_2_28_x86_64",
            index_name="slow index",
        )
        started = time.monotonic()
        run_report(report.id)
        took = time.monotonic() - started
    report.refresh_from_db()
    assert report.status == Status.FAILED, (report.status, report.result and report.result["diagnoses"])
    assert "time limit of 1 s (CELERY_TASK_SOFT_TIME_LIMIT)" in report.error
    assert took < 2.5, took
