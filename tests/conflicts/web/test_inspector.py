"""The graph inspector: one line per range of a parent's versions, each with its own requirement,
and a long version list capped behind a "show all" that needs no JavaScript (issue 15)."""

from __future__ import annotations

import re

import pytest

from conflicts.jobs import submit
from conflicts.jobs.run import run_report
from conflicts.models import Report
from tests.resolver.output.test_dot_ranges import DRF, DRF_INPUT
from tests.support.universe import build_index

pytestmark = pytest.mark.django_db


@pytest.fixture
def drf(tmp_path, settings) -> Report:
    settings.RESOLVER_INDEXES = [("test index", build_index(tmp_path / "index", DRF).as_uri() + "/")]
    report = submit.submit_report({"requirements.in": DRF_INPUT}, roots=["requirements.in"], python_version="3.11",
                                  platform="manylinux_2_28_x86_64", index_name="test index")  # fmt: skip
    run_report(report.id)
    report.refresh_from_db()
    return report


def test_the_inspector_shows_each_range_of_versions_with_its_own_requirement(client, drf) -> None:
    page = client.get(f"/r/{drf.id}/node/django/", HTTP_HX_REQUEST="true").content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "djangorestframework asks, by version" in text
    assert "3.12.0\N{EN DASH}3.12.22: &gt;=2.2" in text and "3.15.0: &gt;=4.2" in text
    assert "&gt;=4.2,&gt;=2.2" not in text

    parent = client.get(f"/r/{drf.id}/node/djangorestframework/", HTTP_HX_REQUEST="true").content.decode()
    shown = re.search(r'class="versions-tried">(.*?)</p>', parent, re.S).group(1)
    assert "(24; the first 20)" in shown and shown.count(",") == 19
    assert re.search(r"<details class=\"versions-all\"><summary>Show all 24 versions</summary>", parent)
    assert "3.12.0" in parent.split("versions-all")[1]  # the oldest, left out of the first 20
