"""GET routes of the API: a report's status then its JSON report v1, the graph, the outputs, errors."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from conflicts.models import Report, Status
from tests.support.api import CLASSIC, problem

pytestmark = pytest.mark.django_db

REPORT_KEYS = {"id", "status", "summary", "progress", "created", "finished", "permalink", "status_url", "report"}
WAGTAIL = "wagtail\n"
REPORT_V1_KEYS = {"schema_version", "status", "input", "pins", "conflicts", "diagnoses", "graph", "stats"}


def queued(**fields) -> Report:
    defaults = {"files": {"requirements.in": "wagtail\n"}, "roots": ["requirements.in"], "python_version": "3.11",
                "platform": "any", "index_name": "test index"}  # fmt: skip
    return Report.objects.create(**{**defaults, **fields})


def test_a_running_report_shows_its_status_and_progress_and_a_poll_hint(api: Client) -> None:
    report = queued(status=Status.RUNNING, progress={"rounds": 7, "packages": 3})
    response = api.get(f"/api/v1/reports/{report.id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == REPORT_KEYS
    assert body == {
        "id": str(report.id),
        "status": "running",
        "summary": "Resolving",
        "progress": {"rounds": 7, "packages": 3, "requests": 0},
        "created": report.created.isoformat(),
        "finished": None,
        "permalink": f"http://testserver/r/{report.id}/",
        "status_url": f"http://testserver/api/v1/reports/{report.id}",
        "report": None,
    }
    assert response["Retry-After"] == "2"


def test_a_queued_report_has_zero_progress(api: Client) -> None:
    body = api.get(f"/api/v1/reports/{queued().id}").json()
    assert (body["status"], body["summary"], body["progress"]) == (
        "queued",
        "Queued",
        {"rounds": 0, "packages": 0, "requests": 0},
    )


def test_a_conflict_report_carries_the_json_report_v1_with_parents_and_lines(api: Client, make_report) -> None:
    report = make_report(CLASSIC)
    response = api.get(f"/api/v1/reports/{report.id}")
    body = response.json()
    assert not response.has_header("Retry-After")
    assert (body["status"], body["summary"]) == (
        "conflict",
        "Could not find a version that matches django==1.11.29,>2.0",
    )
    assert body["finished"] == report.finished.isoformat()
    assert set(body["report"]) >= REPORT_V1_KEYS
    assert body["report"] == report.result
    [conflict] = body["report"]["conflicts"]
    assert [(c["parent"], c["source"]) for c in conflict["constraints"]] == [
        (None, {"file": "requirements.in", "line": 1}),
        ("djangocms-blog==1.2.0", {"file": "requirements.in", "line": 2}),
    ]


def test_a_resolved_report_summary_counts_the_pins(api: Client, make_report) -> None:
    body = api.get(f"/api/v1/reports/{make_report(WAGTAIL).id}").json()
    assert (body["status"], body["summary"]) == ("resolved", "Resolved 3 packages for Python 3.11")
    assert body["report"]["pins"] == {"asgiref": "3.8.1", "django": "3.2.25", "wagtail": "6.0"}


def test_a_failed_report_has_no_report_and_says_why(api: Client) -> None:
    report = queued(status=Status.FAILED, error="The worker stopped")
    body = api.get(f"/api/v1/reports/{report.id}").json()
    assert (body["status"], body["summary"], body["report"]) == ("failed", "The worker stopped", None)


@pytest.mark.parametrize("report_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_or_malformed_id_is_404(api: Client, report_id: str) -> None:
    body = problem(api.get(f"/api/v1/reports/{report_id}"), 404, "not-found")
    assert report_id in body["detail"]


def test_reading_needs_a_token(client, make_report) -> None:
    response = client.get(f"/api/v1/reports/{make_report(WAGTAIL).id}")
    problem(response, 401, "unauthorized")


def test_the_graph_alone_is_node_link_json(api: Client, make_report) -> None:
    report = make_report(CLASSIC)
    response = api.get(f"/api/v1/reports/{report.id}/graph")
    assert response.status_code == 200
    assert response.json() == report.result["graph"]
    assert set(response.json()) == {"nodes", "edges"}


def test_the_graph_of_an_unfinished_report_is_409_with_a_poll_hint(api: Client) -> None:
    response = api.get(f"/api/v1/reports/{queued().id}/graph")
    assert "queued" in problem(response, 409, "not-finished")["detail"]
    assert response["Retry-After"] == "2"


def test_the_graph_of_a_failed_report_is_404(api: Client) -> None:
    problem(api.get(f"/api/v1/reports/{queued(status=Status.FAILED).id}/graph"), 404, "not-found")


def test_requirements_txt_of_a_resolved_report_is_a_download(api: Client, make_report) -> None:
    report = make_report("wagtail\n")
    response = api.get(f"/api/v1/reports/{report.id}/requirements.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="requirements.txt"'
    text = response.content.decode()
    assert "wagtail==6.0\n    # via -r requirements.in\n" in text
    assert f"conflict-explorer http://testserver/r/{report.id}/" in text


def test_requirements_urls_of_a_resolved_report_lists_one_url_per_pin(api: Client, make_report) -> None:
    response = api.get(f"/api/v1/reports/{make_report(WAGTAIL).id}/requirements.urls")
    assert response["Content-Disposition"] == 'attachment; filename="requirements.urls"'
    text = response.content.decode()
    # The test index is a file:// tree: its paths are the server's, so each pin says why it has no URL.
    assert [line.split(":")[0] for line in text.splitlines() if ": no URL: " in line] == [
        "# asgiref==3.8.1",
        "# django==3.2.25",
        "# wagtail==6.0",
    ]
    assert "file:" not in text


@pytest.mark.parametrize("output", ["requirements.txt", "requirements.urls"])
def test_outputs_of_a_conflict_report_are_404(api: Client, make_report, output: str) -> None:
    body = problem(api.get(f"/api/v1/reports/{make_report(CLASSIC).id}/{output}"), 404, "not-found")
    assert "Only a resolved report has pinned outputs" in body["detail"]


@pytest.mark.parametrize("output", ["requirements.txt", "requirements.urls"])
def test_outputs_of_an_unfinished_report_are_409(api: Client, output: str) -> None:
    problem(api.get(f"/api/v1/reports/{queued().id}/{output}"), 409, "not-finished")


def test_an_unknown_output_is_404(api: Client, make_report) -> None:
    problem(api.get(f"/api/v1/reports/{make_report(WAGTAIL).id}/graph.dot"), 404, "not-found")


def test_a_wrong_method_is_405_with_allow(api: Client) -> None:
    response = api.delete(f"/api/v1/reports/{queued().id}")
    problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "GET"


def test_an_unknown_api_url_is_a_404_problem(api: Client) -> None:
    body = problem(api.get("/api/v1/nothing/here"), 404, "not-found")
    assert body["detail"] == "There is nothing at /api/v1/nothing/here."


def test_a_problem_type_describes_itself_without_a_token(client) -> None:
    response = client.get("/api/v1/problems/too-large")
    assert response.json() == {
        "type": "/api/v1/problems/too-large",
        "title": "Content too large",
        "status": 413,
        "description": "The body, a file, the number of files or of lines is over a limit.",
    }
    problem(client.get("/api/v1/problems/nope"), 404, "not-found")


def test_a_crash_is_a_500_problem_and_is_logged(api: Client, monkeypatch, caplog) -> None:
    from conflicts.api import routes as api_module

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api_module, "find_report", explode)
    body = problem(api.get(f"/api/v1/reports/{uuid.uuid4()}"), 500, "server-error")
    assert "boom" not in body["detail"]
    assert "boom" in caplog.text
