"""The verdict is stored before the analyses start, so the page shows it while they run (issue 16)."""

from __future__ import annotations

import pytest

import resolver.engine
from conflicts.jobs import run
from conflicts.models import Report, Status

pytestmark = pytest.mark.django_db


def test_the_conflict_is_on_the_row_while_the_analyses_run(test_index, monkeypatch, client) -> None:
    report = Report.objects.create(files={"requirements.in": "django==1.11.29\ndjangocms-blog\n"},
                                   roots=["requirements.in"], python_version="3.11",
                                   platform="manylinux_2_28_x86_64", index_name="test index")  # fmt: skip
    seen: dict = {}
    analyse = resolver.engine.analyse_failure

    def watching(*args, **kwargs):
        row = Report.objects.get(id=report.id)
        seen.update(status=row.status, result=row.result, progress=row.progress)
        page = client.get(f"/r/{report.id}/progress/", HTTP_HX_REQUEST="true")
        seen.update(page=page.status_code, body=page.content.decode())
        return analyse(*args, **kwargs)

    monkeypatch.setattr(resolver.engine, "analyse_failure", watching)
    run.run_report(report.id)

    assert seen["status"] == Status.RUNNING
    assert seen["result"]["status"] == "conflict" and "analysis" not in seen["result"]
    assert seen["progress"]["verdict"] == "conflict"
    assert any("django" in message for message in seen["progress"]["messages"])
    assert seen["page"] == 200 and 'class="partial-verdict"' in seen["body"]
    report.refresh_from_db()
    assert report.status == Status.CONFLICT and "analysis" in report.result
