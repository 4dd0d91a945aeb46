"""POST /api/v1/reports: JSON and multipart bodies, idempotent retries, and every way to get it wrong."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conflicts.models import ApiToken, Report, Status
from tests.support.api import CLASSIC, fields, post_json, problem
from tests.support.queue import record_sends

pytestmark = pytest.mark.django_db

CREATED_KEYS = {"id", "status", "status_url", "permalink"}


def test_a_json_body_creates_a_queued_report_and_answers_202_with_its_links(api: Client) -> None:
    response = post_json(api, {"files": {"requirements.in": CLASSIC}, "python_version": "3.8", "platform": "any"})
    report = Report.objects.get()
    assert response.status_code == 202
    body = response.json()
    assert set(body) == CREATED_KEYS
    assert body == {
        "id": str(report.id),
        "status": "queued",
        "status_url": f"http://testserver/api/v1/reports/{report.id}",
        "permalink": f"http://testserver/r/{report.id}/",
    }
    assert response["Location"] == body["status_url"]
    assert (report.files, report.roots, report.python_version, report.platform, report.index_name) == (
        {"requirements.in": CLASSIC},
        ["requirements.in"],
        "3.8",
        "any",
        "test index",
    )
    assert report.token == ApiToken.objects.get()


def test_the_target_and_index_default_to_the_servers(api: Client, settings) -> None:
    settings.RESOLVER_DEFAULT_PYTHON, settings.RESOLVER_DEFAULT_PLATFORM = "3.12", "win_amd64"
    post_json(api, {"files": {"requirements.in": "wagtail\n"}})
    report = Report.objects.get()
    assert (report.python_version, report.platform, report.index_name, report.pre) == (
        "3.12",
        "win_amd64",
        "test index",
        False,
    )


def test_the_resolution_is_queued_after_commit(api: Client, django_capture_on_commit_callbacks, monkeypatch) -> None:
    sent = record_sends(monkeypatch, "conflicts.resolve_report")
    with django_capture_on_commit_callbacks(execute=True):
        post_json(api, {"files": {"requirements.in": "wagtail\n"}})
    assert sent == [str(Report.objects.get().id)]


def test_included_files_are_not_roots_unless_named(api: Client) -> None:
    files = {"requirements.in": "-r base.txt\ndjangocms-blog\n", "base.txt": "django==1.11.29\n"}
    post_json(api, {"files": files})
    post_json(api, {"files": files, "roots": ["base.txt"]})
    assert [report.roots for report in Report.objects.order_by("created")] == [["requirements.in"], ["base.txt"]]


def test_a_multipart_upload_creates_a_report_with_the_files_names(api: Client) -> None:
    uploads = [
        SimpleUploadedFile("requirements.in", b"-r base.txt\ndjangocms-blog\n"),
        SimpleUploadedFile("base.txt", b"\xef\xbb\xbfdjango==1.11.29\n"),  # with a BOM, as some editors save
    ]
    response = api.post("/api/v1/reports", {"files": uploads, "python_version": "3.11", "pre": "true"})
    assert response.status_code == 202
    report = Report.objects.get()
    assert report.files == {"requirements.in": "-r base.txt\ndjangocms-blog\n", "base.txt": "django==1.11.29\n"}
    assert (report.roots, report.pre) == (["requirements.in"], True)


def test_a_retry_with_the_same_idempotency_key_returns_the_first_report(api: Client) -> None:
    body = {"files": {"requirements.in": CLASSIC}}
    first = post_json(api, body, **{"Idempotency-Key": "deploy-42"})
    second = post_json(api, body, **{"Idempotency-Key": "deploy-42"})
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Report.objects.count() == 1


def test_the_same_request_as_json_or_multipart_is_the_same_for_idempotency(api: Client) -> None:
    first = post_json(api, {"files": {"requirements.in": CLASSIC}}, **{"Idempotency-Key": "k"})
    upload = SimpleUploadedFile("requirements.in", CLASSIC.encode())
    second = api.post("/api/v1/reports", {"files": [upload]}, headers={"Idempotency-Key": '"k"'})
    assert second.json()["id"] == first.json()["id"]


def test_the_same_idempotency_key_with_a_different_body_is_422(api: Client) -> None:
    first = post_json(api, {"files": {"requirements.in": CLASSIC}}, **{"Idempotency-Key": "deploy-42"})
    response = post_json(api, {"files": {"requirements.in": "wagtail\n"}}, **{"Idempotency-Key": "deploy-42"})
    body = problem(response, 422, "idempotency-key-reused")
    assert fields(body) == [("header.Idempotency-Key", None)]
    assert first.json()["id"] in body["detail"]
    assert Report.objects.count() == 1


def test_idempotency_keys_belong_to_their_token(api: Client, test_index) -> None:
    _other, raw = ApiToken.issue("another system")
    other = Client(headers={"Authorization": f"Bearer {raw}"})
    body = {"files": {"requirements.in": CLASSIC}}
    first = post_json(api, body, **{"Idempotency-Key": "same"})
    second = post_json(other, body, **{"Idempotency-Key": "same"})
    assert first.json()["id"] != second.json()["id"]


def test_a_refused_request_does_not_use_up_its_idempotency_key(api: Client) -> None:
    post_json(api, {"files": {"requirements.in": "django>=>2\n"}}, **{"Idempotency-Key": "k"})
    response = post_json(api, {"files": {"requirements.in": "django\n"}}, **{"Idempotency-Key": "k"})
    assert response.status_code == 202


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "naïve"])
def test_a_malformed_idempotency_key_is_422(api: Client, key: str) -> None:
    response = post_json(api, {"files": {"requirements.in": "django\n"}}, **{"Idempotency-Key": key})
    body = problem(response, 422, "invalid-input")
    assert [field for field, _line in fields(body)] == ["header.Idempotency-Key"]


def test_every_bad_line_is_named_by_file_and_line(api: Client) -> None:
    files = {"requirements.in": "-r base.txt\ndjango>=>2\n", "base.txt": "ok\n\nwagtail[\n"}
    body = problem(post_json(api, {"files": files}), 422, "invalid-input")
    assert fields(body) == [("files.requirements.in", 2), ("files.base.txt", 3)]
    assert [error["code"] for error in body["errors"]] == ["bad-line", "bad-line"]
    assert body["errors"][1]["message"].startswith("invalid requirement: Expected matching RIGHT_BRACKET")
    assert Report.objects.count() == 0


def test_a_missing_included_file_is_named_on_the_including_line(api: Client) -> None:
    body = problem(post_json(api, {"files": {"requirements.in": "django\n-r missing.txt\n"}}), 422, "invalid-input")
    assert fields(body) == [("files.requirements.in", 2)]
    assert "missing.txt" in body["errors"][0]["message"]


def test_target_index_webhook_and_lines_are_reported_together(api: Client) -> None:
    body = {
        "files": {"requirements.in": "django>=>2\n"},
        "python_version": "2.7",
        "platform": "linux",
        "index": "elsewhere",
        "webhook_url": "https://hooks.example/done",
    }
    errors = problem(post_json(api, body), 422, "invalid-input")["errors"]
    assert [(error["field"], error["code"]) for error in errors] == [
        ("python_version", "bad-target"),
        ("platform", "bad-target"),
        ("index", "unknown-index"),
        ("webhook_url", "webhook-not-allowed"),
        ("files.requirements.in", errors[-1]["code"]),
    ]
    assert "'test index'" in errors[2]["message"]


def test_a_root_that_is_not_a_file_is_named(api: Client) -> None:
    body = problem(post_json(api, {"files": {"a.in": "django\n"}, "roots": ["b.in"]}), 422, "invalid-input")
    assert fields(body) == [("roots.0", None)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "files"),
        ({"files": {}}, "files"),
        ({"files": {"requirements.in": 3}}, "files.requirements.in"),
        ({"files": {"requirements.in": "django\n"}, "pre": "yes"}, "pre"),
        ({"files": {"requirements.in": "django\n"}, "python": "3.11"}, "python"),
        ({"files": {"requirements.in": "django\n"}, "platform": "x" * 65}, "platform"),
        ([], "body"),
    ],
)
def test_a_body_that_does_not_match_the_schema_names_the_field(api: Client, body, field: str) -> None:
    errors = problem(post_json(api, body), 422, "invalid-input")["errors"]
    assert field in [error["field"] for error in errors]


def test_a_file_name_with_control_characters_is_refused(api: Client) -> None:
    body = problem(post_json(api, {"files": {"bad\nname": "django\n"}}), 422, "invalid-input")
    assert fields(body) == [("files.bad\nname", None)]


def test_a_webhook_to_an_allowed_host_is_kept(api: Client, settings) -> None:
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["hooks.example"]
    post_json(api, {"files": {"requirements.in": "django\n"}, "webhook_url": "https://hooks.example/done"})
    assert Report.objects.get().webhook_url == "https://hooks.example/done"


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example/x", "https://user:pw@hooks.example/x", "https://other.example/x", "http://[::1"]
)
def test_a_webhook_url_must_be_http_to_an_allowed_host_without_credentials(api: Client, settings, url: str) -> None:
    settings.API_WEBHOOK_ALLOWED_HOSTS = ["hooks.example"]
    body = problem(post_json(api, {"files": {"requirements.in": "django\n"}, "webhook_url": url}), 422, "invalid-input")
    assert fields(body) == [("webhook_url", None)]


def test_malformed_json_is_400(api: Client) -> None:
    response = api.post("/api/v1/reports", b'{"files": ', content_type="application/json")
    assert "not valid JSON" in problem(response, 400, "bad-request")["detail"]


def test_json_nested_too_deeply_is_400(api: Client) -> None:
    response = api.post("/api/v1/reports", "[" * 100_000, content_type="application/json")
    problem(response, 400, "bad-request")


def test_a_body_that_is_neither_json_nor_multipart_is_415(api: Client) -> None:
    response = api.post("/api/v1/reports", "django\n", content_type="text/plain")
    problem(response, 415, "unsupported-media-type")


def test_a_multipart_text_part_instead_of_a_file_is_named(api: Client) -> None:
    body = problem(api.post("/api/v1/reports", {"files": "django\n"}), 422, "invalid-input")
    assert ("files", None) in fields(body)


def test_a_multipart_file_that_is_not_utf8_is_named(api: Client) -> None:
    upload = SimpleUploadedFile("req.in", b"caf\xe9\n")
    body = problem(api.post("/api/v1/reports", {"files": [upload]}), 422, "invalid-input")
    assert fields(body) == [("files.req.in", None)]
    assert body["errors"][0]["code"] == "not-utf-8"
    # The detail says what the entry says (it said "fields this API does not take": issue 14 item 8).
    assert body["detail"] == body["errors"][0]["message"] == "files.req.in: not UTF-8 text (byte 3); send it as UTF-8."


def test_a_multipart_body_with_an_unknown_field_and_a_non_utf8_file_says_both(api: Client) -> None:
    upload = SimpleUploadedFile("req.in", b"\xff\n")
    body = problem(api.post("/api/v1/reports", {"files": [upload], "colour": "red"}), 422, "invalid-input")
    assert fields(body) == [("colour", None), ("files.req.in", None)]
    assert body["detail"] == (
        "files.req.in: not UTF-8 text (byte 0); send it as UTF-8. "
        "The multipart body has fields this API does not take: colour."
    )


def test_an_unknown_multipart_field_is_named(api: Client) -> None:
    upload = SimpleUploadedFile("requirements.in", b"django\n")
    body = problem(api.post("/api/v1/reports", {"files": [upload], "colour": "red"}), 422, "invalid-input")
    assert fields(body) == [("colour", None)]
    assert body["detail"] == "The multipart body has fields this API does not take: colour."


def test_a_body_over_the_size_limit_is_413_before_it_is_read(api: Client, settings) -> None:
    settings.API_MAX_BODY_BYTES = 100
    response = post_json(api, {"files": {"requirements.in": "django\n" * 50}})
    assert "at most 100 are accepted" in problem(response, 413, "too-large")["detail"]


def test_too_many_files_is_413(api: Client, settings) -> None:
    settings.UPLOAD_MAX_FILES = 2
    body = problem(post_json(api, {"files": {f"{n}.in": "django\n" for n in range(3)}}), 413, "too-large")
    assert fields(body) == [("files", None)]
    assert body["errors"][0]["code"] == "too-many-files"


def test_a_file_over_the_byte_limit_is_413_naming_it(api: Client, settings) -> None:
    settings.UPLOAD_MAX_FILE_BYTES = 10
    body = problem(post_json(api, {"files": {"big.in": "django\n" * 3}}), 413, "too-large")
    assert fields(body) == [("files.big.in", None)]
    assert body["errors"][0]["message"] == "big.in: 21 bytes; at most 10 are accepted."


def test_an_uploaded_file_over_the_byte_limit_is_413_naming_it(api: Client, settings) -> None:
    settings.UPLOAD_MAX_FILE_BYTES = 10
    upload = SimpleUploadedFile("big.in", b"django\n" * 3)
    body = problem(api.post("/api/v1/reports", {"files": [upload]}), 413, "too-large")
    assert fields(body) == [("files.big.in", None)]


def test_a_file_over_the_line_limit_is_413_naming_it(api: Client, settings) -> None:
    settings.UPLOAD_MAX_LINES = 3
    body = problem(post_json(api, {"files": {"long.in": "a\nb\nc\nd\n"}}), 413, "too-large")
    assert body["errors"] == [
        {"field": "files.long.in", "line": None, "message": "long.in: 4 lines; at most 3 are accepted.",
         "code": "too-many-lines"}
    ]  # fmt: skip


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(client, test_index) -> None:
    response = post_json(client, {"files": {"requirements.in": "django\n"}})
    body = problem(response, 401, "unauthorized")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization: Bearer" in body["detail"]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "error"),
    [("Basic dXNlcjpwYXNz", "invalid_request"), ("Bearer", "invalid_request"), ("Bearer ce_nope", "invalid_token")],
)
def test_a_wrong_or_unknown_token_is_401(client, test_index, header: str, error: str) -> None:
    response = post_json(client, {"files": {"requirements.in": "django\n"}}, Authorization=header)
    problem(response, 401, "unauthorized")
    assert response["WWW-Authenticate"] == f'Bearer realm="api", error="{error}"'


def test_a_revoked_token_is_401(api: Client) -> None:
    ApiToken.objects.get().revoke()
    problem(post_json(api, {"files": {"requirements.in": "django\n"}}), 401, "unauthorized")


def test_over_the_rate_the_answer_is_429_with_retry_after(api: Client, settings) -> None:
    settings.API_THROTTLE = "2/min"
    for _ in range(2):
        assert post_json(api, {"files": {"requirements.in": "django\n"}}).status_code == 202
    response = post_json(api, {"files": {"requirements.in": "django\n"}})
    problem(response, 429, "too-many-requests")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Report.objects.count() == 2


def test_the_rate_is_counted_per_token(api: Client, settings, test_index) -> None:
    settings.API_THROTTLE = "1/min"
    _other, raw = ApiToken.issue("another system")
    other = Client(headers={"Authorization": f"Bearer {raw}"})
    assert post_json(api, {"files": {"requirements.in": "django\n"}}).status_code == 202
    assert post_json(other, {"files": {"requirements.in": "django\n"}}).status_code == 202
    assert post_json(api, {"files": {"requirements.in": "django\n"}}).status_code == 429


def test_a_created_report_runs_and_reads_back_through_the_api(api: Client) -> None:
    from conflicts.jobs.run import run_report

    created = post_json(api, {"files": {"requirements.in": CLASSIC}}).json()
    run_report(created["id"])
    body = api.get(f"/api/v1/reports/{created['id']}").json()
    assert body["status"] == Status.CONFLICT
    assert json.dumps(body["report"]["conflicts"][0]["constraints"][1]["parent"]) == '"djangocms-blog==1.2.0"'
