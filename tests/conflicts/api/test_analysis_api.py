"""The API's analysis options (issue 7): extra targets, 'as of', 'used to resolve on'; their errors
name the field, they are part of the idempotency digest, and the report read back carries the
engine's new fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conflicts.models import Report
from tests.support.api import CLASSIC, fields, post_json, problem

pytestmark = pytest.mark.django_db

BODY = {"files": {"requirements.in": CLASSIC}, "python_version": "3.11", "platform": "manylinux_2_28_x86_64"}


def test_the_options_are_stored_on_the_report(api: Client) -> None:
    response = post_json(
        api,
        {
            **BODY,
            "targets": [
                {"python_version": "3.8", "platform": "win_amd64"},
                {"python_version": "3.12", "platform": "any"},
            ],
            "exclude_newer": "2024-05-01T12:30:00Z",
            "good_date": "2023-01-15",
        },
    )
    assert response.status_code == 202, response.content
    assert Report.objects.get().options == {
        "targets": [{"python_version": "3.8", "platform": "win_amd64"}, {"python_version": "3.12", "platform": "any"}],
        "exclude_newer": "2024-05-01T12:30:00Z",
        "good_date": "2023-01-15",
    }


def test_a_date_alone_is_its_midnight_utc_and_an_offset_is_converted(api: Client) -> None:
    post_json(api, {**BODY, "exclude_newer": "2024-05-01"}, **{"Idempotency-Key": "a"})
    post_json(api, {**BODY, "exclude_newer": "2024-05-01T14:00:00+02:00"}, **{"Idempotency-Key": "b"})
    stored = [report.options["exclude_newer"] for report in Report.objects.order_by("created")]
    assert stored == ["2024-05-01T00:00:00Z", "2024-05-01T12:00:00Z"]


def test_without_options_nothing_is_stored(api: Client) -> None:
    post_json(api, BODY)
    assert Report.objects.get().options == {}


@pytest.mark.parametrize(
    ("extra", "field", "code", "words"),
    [
        ({"exclude_newer": "May 1st"}, "exclude_newer", "bad-datetime", "is not a date or time"),
        ({"exclude_newer": "2024-13-01"}, "exclude_newer", "bad-datetime", "YYYY-MM-DD"),
        ({"good_date": "2023-01-15T10:00"}, "good_date", "bad-date", "use YYYY-MM-DD"),
        ({"good_date": "2999-01-01"}, "good_date", "future-date", "not in the past"),
        ({"exclude_newer": "2999-01-01"}, "exclude_newer", "future-datetime", "in the future"),
        (
            {"exclude_newer": "2023-01-01", "good_date": "2023-06-01"},
            "good_date",
            "date-order",
            "not before the 'as of' moment",
        ),
        ({"targets": [{"python_version": "3", "platform": "any"}]}, "targets.0", "bad-target", "3.X or 3.X.Y"),
        (
            {
                "targets": [
                    {"python_version": "3.12", "platform": "any"},
                    {"python_version": "3.9", "platform": "linux"},
                ]
            },
            "targets.1",
            "bad-target",
            "is not a wheel platform tag",
        ),
        (
            {"targets": [{"python_version": "3.11", "platform": "manylinux_2_28_x86_64"}]},
            "targets.0",
            "duplicate-target",
            "already a target",
        ),
    ],
)
def test_a_bad_option_is_a_422_naming_its_field(api: Client, extra: dict, field: str, code: str, words: str) -> None:
    body = problem(post_json(api, {**BODY, **extra}), 422, "invalid-input")
    assert fields(body) == [(field, None)]
    assert body["errors"][0]["code"] == code
    assert words in body["errors"][0]["message"]
    assert Report.objects.count() == 0


def test_every_bad_option_is_reported_at_once_with_a_bad_line(api: Client) -> None:
    body = problem(
        post_json(
            api,
            {**BODY, "files": {"requirements.in": "django>=>2\n"}, "exclude_newer": "x", "good_date": "y"},
        ),
        422,
        "invalid-input",
    )
    assert set(fields(body)) == {("files.requirements.in", 1), ("exclude_newer", None), ("good_date", None)}


def test_more_than_eight_targets_or_a_target_of_the_wrong_shape_is_refused_by_the_schema(api: Client) -> None:
    targets = [{"python_version": f"3.{minor}", "platform": "any"} for minor in range(6, 15)]
    body = problem(post_json(api, {**BODY, "targets": targets}), 422, "invalid-input")
    assert fields(body) == [("targets", None)]
    body = problem(post_json(api, {**BODY, "targets": [{"python": "3.12"}]}), 422, "invalid-input")
    assert {field for field, _line in fields(body)} == {"targets.0.python_version", "targets.0.python"}


def test_multipart_takes_targets_as_text_parts(api: Client) -> None:
    upload = SimpleUploadedFile("requirements.in", CLASSIC.encode())
    response = api.post(
        "/api/v1/reports",
        {"files": [upload], "targets": ["3.8 win_amd64", "3.12/any", "3.9"], "good_date": "2023-01-15"},
    )
    assert response.status_code == 202, response.content
    assert Report.objects.get().options["targets"] == [
        {"python_version": "3.8", "platform": "win_amd64"},
        {"python_version": "3.12", "platform": "any"},
        {"python_version": "3.9", "platform": "manylinux_2_28_x86_64"},  # the main target's platform
    ]
    upload = SimpleUploadedFile("requirements.in", CLASSIC.encode())
    body = problem(api.post("/api/v1/reports", {"files": [upload], "targets": ["3.8 any x"]}), 422, "invalid-input")
    assert fields(body) == [("targets.0", None)]


def test_the_options_are_part_of_the_idempotency_digest(api: Client) -> None:
    key = {"Idempotency-Key": "deploy-7"}
    assert post_json(api, {**BODY, "good_date": "2023-01-15"}, **key).status_code == 202
    replay = post_json(api, {**BODY, "good_date": "2023-01-15"}, **key)
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (202, "true")
    problem(post_json(api, {**BODY, "good_date": "2023-01-16"}, **key), 422, "idempotency-key-reused")


def test_a_request_without_options_keeps_the_digest_it_had_before_them(api: Client) -> None:
    from conflicts.api.request import Submission

    plain = Submission({"requirements.in": "a\n"}, ["requirements.in"], "3.11", "any", "test index", False, "")
    import hashlib
    import json
    from dataclasses import asdict

    before = {key: value for key, value in asdict(plain).items() if key != "options"}
    assert plain.digest() == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()


def test_the_openapi_schema_documents_the_options(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    create = schema["components"]["schemas"]["ReportCreate"]
    for name in ("targets", "exclude_newer", "good_date"):
        assert name in create["properties"], name
        assert create["properties"][name].get("description") or create["properties"][name].get("anyOf")
    assert "PEP 700" in create["properties"]["exclude_newer"]["description"]
    multipart = schema["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert {"targets", "exclude_newer", "good_date"} <= set(multipart["schema"]["properties"])


def test_an_as_of_moment_a_minute_ago_is_accepted(api: Client) -> None:
    moment = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0)
    response = post_json(api, {**BODY, "exclude_newer": moment.isoformat()})
    assert response.status_code == 202, response.content


def test_the_report_read_back_has_the_analyses_and_matches_the_documented_schema(analysed, token) -> None:
    import jsonschema

    from tests.conflicts.api.test_openapi import schema_of
    from tests.support.fixtures import TWO_CONFLICTS

    client = Client(headers={"Authorization": f"Bearer {token}"})
    targets = [{"python_version": "3.8", "platform": "any"}]
    report = analysed(TWO_CONFLICTS, options={"targets": targets, "good_date": "2023-06-01"})
    body = client.get(f"/api/v1/reports/{report.id}").json()
    result = body["report"]
    assert result["schema_version"] == 1
    assert result["minimal_lines"]["message"] == "These 2 of your 7 lines conflict"
    assert {conflict["package"] for conflict in result["conflicts"]} == {"django", "kombu"}
    assert all(conflict["fix_status"] == "found" and conflict["matrix"]["versions"] for conflict in result["conflicts"])
    assert [(c["python_version"], c["status"]) for c in result["targets"]["cells"]] == [
        ("3.11", "conflict"),
        ("3.8", "conflict"),
    ]
    assert result["what_broke"]["resolved_then"] is False  # the clash is older than the good date
    assert result["index_read_at"].endswith("Z")
    openapi = client.get("/api/v1/openapi.json").json()
    jsonschema.validate(body, schema_of(openapi, "ReportOut"))
    assert "minimal_lines" in openapi["components"]["schemas"]["ReportV1"]["properties"]


def test_a_target_without_a_platform_takes_the_reports(api: Client) -> None:
    response = post_json(api, {**BODY, "platform": "win_amd64", "targets": [{"python_version": "3.9"}]})
    assert response.status_code == 202, response.content
    assert Report.objects.get().options["targets"] == [{"python_version": "3.9", "platform": "win_amd64"}]
