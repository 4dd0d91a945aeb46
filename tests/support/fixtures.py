"""Fixtures shared across the test folders, loaded as a pytest plugin by tests/conftest.py.

The Django app's: a configured test index and finished reports made by the real engine; an API
token and a client that sends it; an index for the analyses and reports run with options.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from conflicts.jobs import run, submit
from conflicts.jobs.run import run_report
from conflicts.models import ApiToken, Report
from tests.support.reportcheck import report_problems
from tests.support.universe import CLASSIC, build_index

UNIVERSE = {
    **CLASSIC,
    "asgiref": {"3.8.1": {}},
    "wagtail": {"6.0": {"requires": ["django>=3.2", "asgiref"]}},
}


@pytest.fixture(autouse=True, scope="session")
def _pip_not_asked() -> None:
    """Offline tests: the app never asks pip for its index nor probes it (tests of that turn it on)."""
    from django.conf import settings

    settings.RESOLVER_ASK_PIP = False


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Each test starts with no request counted against its client (the form's limit is per
    address, and every test client is 127.0.0.1)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def stored_reports_checked(monkeypatch):
    """Every report a worker stores in a test is checked against the TypedDicts of report v1.

    Checked where the worker stores it, not raised there: the worker turns any exception into a
    failed report, which a test might not look at. The test fails at its teardown instead.
    """
    problems: list[str] = []
    store = run.finish

    def finish(report_id, *, status, result=None, error=""):
        if result is not None and (problem := report_problems(result)):
            problems.append(problem)
        store(report_id, status=status, result=result, error=error)

    monkeypatch.setattr(run, "finish", finish)
    yield
    assert not problems, "a stored report does not match resolver.output.report.Report:\n" + "\n".join(problems)


@pytest.fixture
def test_index(tmp_path: Path, settings) -> str:
    """A file:// index configured as the only index of the app."""
    url = build_index(tmp_path / "index", UNIVERSE).as_uri() + "/"
    settings.RESOLVER_INDEXES = [("test index", url)]
    return url


@pytest.fixture
def make_report(db, test_index: str):
    """Submit and run a report through the services, as the task would."""

    def _make(text: str, **options: str) -> Report:
        report = submit.submit_report(
            {"requirements.in": text},
            roots=["requirements.in"],
            python_version=options.get("python_version", "3.11"),
            platform=options.get("platform", "manylinux_2_28_x86_64"),
            index_name="test index",
        )
        run_report(report.id)
        report.refresh_from_db()
        return report

    return _make


@pytest.fixture
def token(db) -> str:
    """The clear text of a live API token."""
    _token, raw = ApiToken.issue("control panel")
    return raw


@pytest.fixture
def api(token: str, test_index: str) -> Client:
    """A Django test client that sends the token on every request, with the test index configured."""
    return Client(headers={"Authorization": f"Bearer {token}"})


# The analyses' universe: two independent conflicts, a file no single change fixes, a timeline.
OLD, NEW = "2023-01-10T00:00:00Z", "2024-06-01T00:00:00Z"
ANALYSIS_UNIVERSE = {
    "django": {
        "1.11.29": {"upload_time": OLD},
        "2.2.28": {"upload_time": OLD},
        "3.2.25": {"upload_time": OLD},
        "5.0.6": {"requires_python": ">=3.10", "upload_time": NEW},
    },
    "djangocms-blog": {
        "1.1.0": {"requires": ["django>2.0"], "upload_time": OLD},
        "1.2.0": {"requires": ["django>2.0"], "upload_time": OLD},
    },
    "celery": {"4.4.7": {"requires": ["kombu<4.7,>=4.6.10"], "upload_time": OLD}},
    "kombu": {"4.6.11": {"upload_time": OLD}, "5.3.0": {"upload_time": OLD}},
    "six": {"1.16.0": {"upload_time": OLD}},
    "pytz": {"2024.1": {"upload_time": OLD}},
    "asgiref": {"3.8.1": {"upload_time": OLD}},
    # z: two parents want it old, two want it new; dropping any one line leaves the clash.
    "z": {"1.0": {"upload_time": OLD}, "2.0": {"upload_time": OLD}},
    "low-a": {"1.0": {"requires": ["z<2"], "upload_time": OLD}},
    "low-b": {"1.0": {"requires": ["z<2"], "upload_time": OLD}},
    "high-a": {"1.0": {"requires": ["z>=2"], "upload_time": OLD}},
    "high-b": {"1.0": {"requires": ["z>=2"], "upload_time": OLD}},
    # Only a Windows wheel, and one needing Python 3.12 or newer: nothing installs on Linux 3.11.
    "winonly": {"1.0": {"wheel_tags": ["py3-none-win_amd64"], "upload_time": OLD}},
    "newpy": {"1.0": {"requires_python": ">=3.12", "upload_time": OLD}},
    # What broke: app 1.0 and lib are old; app 2.x (through mid 2.x, asking lib>=2) came monthly in 2024.
    "lib": {"1.0": {"upload_time": OLD}, "2.0": {"upload_time": OLD}},
    "app": {
        "1.0": {"requires": ["lib"], "upload_time": OLD},
        **{f"2.{i}": {"requires": [f"mid==2.{i}"], "upload_time": f"2024-0{i}-01T00:00:00Z"} for i in range(1, 9)},
    },
    "mid": {f"2.{i}": {"requires": ["lib>=2"], "upload_time": f"2024-0{i}-01T00:00:00Z"} for i in range(1, 9)},
}
TWO_CONFLICTS = "django==1.11.29\ndjangocms-blog\nasgiref\nsix\npytz\ncelery==4.4.7\nkombu>=5\n"
NO_SINGLE_FIX = "low-a\nlow-b\nhigh-a\nhigh-b\n"


@pytest.fixture
def analysis_index(tmp_path: Path, settings) -> str:
    url = build_index(tmp_path / "index", ANALYSIS_UNIVERSE, formats=("json",)).as_uri() + "/"
    settings.RESOLVER_INDEXES = [("analysis index", url)]
    return url


@pytest.fixture
def analysed(analysis_index):
    """Submit and resolve a report through the services (as the worker does), with options."""

    def _run(text: str, *, python_version: str = "3.11", options: dict | None = None) -> Report:
        report = submit.submit_report(
            {"requirements.in": text},
            roots=["requirements.in"],
            python_version=python_version,
            platform="manylinux_2_28_x86_64",
            index_name="analysis index",
            options=options or {},
        )
        run_report(report.id)
        report.refresh_from_db()
        return report

    return _run
