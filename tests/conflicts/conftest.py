"""Fixtures for the Django app: a configured test index, finished reports made by the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflicts.jobs import services
from conflicts.models import Report
from tests.resolver.test_engine import CLASSIC
from tests.support.universe import build_index

UNIVERSE = {
    **CLASSIC,
    "asgiref": {"3.8.1": {}},
    "wagtail": {"6.0": {"requires": ["django>=3.2", "asgiref"]}},
}


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
        report = services.submit_report(
            {"requirements.in": text},
            roots=["requirements.in"],
            python_version=options.get("python_version", "3.11"),
            platform=options.get("platform", "manylinux_2_28_x86_64"),
            index_name="test index",
        )
        services.run_report(report.id)
        report.refresh_from_db()
        return report

    return _make
