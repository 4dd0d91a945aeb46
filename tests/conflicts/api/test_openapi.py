"""The OpenAPI document the app serves, its docs page (local assets only, no inline script), and
every kind of stored report read back against the documented schema."""

from __future__ import annotations

import re

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from openapi_spec_validator import validate

from conflicts.models import Report, Status
from tests.support.api import CLASSIC

pytestmark = pytest.mark.django_db

ROUTES = {
    "/api/v1/reports": {"post"},
    "/api/v1/reports/{id}": {"get"},
    "/api/v1/reports/{id}/graph": {"get"},
    "/api/v1/reports/{id}/requirements.txt": {"get"},
    "/api/v1/reports/{id}/requirements.urls": {"get"},
    "/api/v1/problems/{code}": {"get"},
}


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_served_schema_is_a_valid_openapi_31_document(openapi: dict) -> None:
    assert openapi["openapi"].startswith("3.1")
    validate(openapi)


def test_the_schema_lists_every_route_and_needs_no_token(openapi: dict) -> None:
    assert {path: set(methods) for path, methods in openapi["paths"].items()} == ROUTES
    assert openapi["components"]["securitySchemes"] == {"BearerToken": {"type": "http", "scheme": "bearer"}}


def test_every_error_answer_is_documented_as_problem_json(openapi: dict) -> None:
    for methods in openapi["paths"].values():
        for operation in methods.values():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert set(answer["content"]) == {"application/problem+json"}, (operation["operationId"], status)


def test_create_takes_json_or_multipart_and_documents_its_statuses(openapi: dict) -> None:
    create = openapi["paths"]["/api/v1/reports"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert set(create["responses"]) == {"202", "400", "401", "413", "415", "422", "429"}
    assert create["responses"]["202"]["headers"]["Location"]["required"] is True
    assert [parameter["name"] for parameter in create["parameters"]] == ["Idempotency-Key"]


def test_a_multipart_file_is_documented_as_utf8_text_as_it_is_read(api, openapi: dict) -> None:
    """Issue 14 item 8: documented as `format: binary`, while any byte that is not UTF-8 is refused."""
    multipart = openapi["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    part = multipart["schema"]["properties"]["files"]["items"]
    assert part["contentMediaType"] == "text/plain" and "format" not in part
    assert "UTF-8" in part["description"]
    assert multipart["encoding"]["files"]["contentType"] == "text/plain; charset=utf-8"
    text = SimpleUploadedFile("requirements.in", "django  # café\n".encode(), content_type="text/plain; charset=utf-8")
    assert api.post("/api/v1/reports", {"files": [text]}).status_code == 202
    latin = SimpleUploadedFile("other.in", "django  # café\n".encode("latin-1"), content_type="text/plain")
    answer = api.post("/api/v1/reports", {"files": [latin]}).json()
    assert answer["errors"][0]["code"] == "not-utf-8" and answer["detail"].startswith("files.other.in: not UTF-8")


def schema_of(openapi: dict, name: str) -> dict:
    """A component as a standalone JSON Schema (its $refs resolved within the document)."""
    return {"$ref": f"#/components/schemas/{name}", "components": openapi["components"]}


def test_every_kind_of_finished_report_matches_the_documented_schema(api, make_report, openapi: dict) -> None:
    reports = [make_report(CLASSIC), make_report("wagtail\n"), make_report("nope\n"), make_report("django>=>2\n")]
    reports.append(Report.objects.create(files={}, python_version="3.11", platform="any", status=Status.FAILED))
    reports.append(Report.objects.create(files={}, python_version="3.11", platform="any", status=Status.RUNNING))
    for report in reports:
        body = api.get(f"/api/v1/reports/{report.id}").json()
        jsonschema.validate(body, schema_of(openapi, "ReportOut"))
        if body["report"]:
            jsonschema.validate(body["report"]["graph"], schema_of(openapi, "Graph"))
    assert [report.status for report in reports[:4]] == ["conflict", "resolved", "conflict", "error"]


def test_the_docs_page_is_served_with_local_assets_only(client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    assert "<script>" not in html.replace('<script type="application/json"', "")  # no inline script (CSP)
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_missing_projects_are_documented_and_read_back_as_documented(api, make_report, openapi: dict) -> None:
    report = make_report("nope\nnada\n")
    body = api.get(f"/api/v1/reports/{report.id}").json()
    assert body["summary"] == "2 projects are not on the index: nope, nada"
    missing = body["report"]["missing_projects"]
    assert openapi["components"]["schemas"]["ReportV1"]["properties"]["missing_projects"]
    jsonschema.validate(missing, schema_of(openapi, "MissingProjects"))
    assert missing["lines"][1] == {"file": "requirements.in", "line": 2, "text": "nada", "package": "nada"}
