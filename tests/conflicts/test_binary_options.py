"""`only_binary`/`no_binary` through the API and the home form, stored on the report and honoured
by the worker's real resolution: bad values name their field."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conflicts.jobs.run import run_report
from conflicts.models import Report
from tests.support.api import fields, post_json, problem
from tests.support.universe import build_index

pytestmark = pytest.mark.django_db

UNIVERSE = {"app": {"1.0": {"requires": ["legacy"]}}, "legacy": {"1.0": {"wheel_tags": [], "sdist": True}}}
TEXT = "app\n"
BODY = {"files": {"requirements.in": TEXT}, "python_version": "3.11", "platform": "manylinux_2_28_x86_64"}
FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "binary index", "text": TEXT}


@pytest.fixture
def binary_index(tmp_path: Path, settings) -> str:
    url = build_index(tmp_path / "index", UNIVERSE, formats=("json",)).as_uri() + "/"
    settings.RESOLVER_INDEXES = [("binary index", url)]
    return url


@pytest.fixture
def api(token: str, binary_index: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_the_api_stores_the_options_and_the_worker_honours_them(api: Client) -> None:
    response = post_json(api, {**BODY, "only_binary": [":all:"], "no_binary": ["Foo,bar"]})
    assert response.status_code == 202, response.content
    report = Report.objects.get()
    assert report.options == {"only_binary": [":all:"], "no_binary": ["Foo,bar"]}
    run_report(report.id)
    report.refresh_from_db()
    assert report.result["status"] == "conflict"
    assert report.result["input"]["only_binary"] == [":all:"]
    assert report.result["input"]["no_binary"] == ["bar", "foo"]
    [diagnosis] = report.result["diagnoses"]
    assert "sdist excluded by --only-binary :all:" in diagnosis["message"]


def test_without_the_options_the_same_input_resolves(api: Client) -> None:
    post_json(api, BODY)
    report = Report.objects.get()
    assert report.options == {}
    run_report(report.id)
    report.refresh_from_db()
    assert report.result["status"] == "resolved"


def test_bad_values_name_their_field_and_position(api: Client) -> None:
    body = problem(post_json(api, {**BODY, "only_binary": ["a", "lxml>=4"], "no_binary": ["-x"]}), 422, "invalid-input")
    assert set(fields(body)) == {("only_binary.1", None), ("no_binary.0", None)}
    assert {error["code"] for error in body["errors"]} == {"bad-format"}
    body = problem(post_json(api, {**BODY, "only_binary": ":all:"}), 422, "invalid-input")
    assert fields(body) == [("only_binary", None)]  # the schema wants a list


def test_multipart_takes_them_as_repeated_parts(api: Client) -> None:
    upload = SimpleUploadedFile("requirements.in", TEXT.encode())
    response = api.post("/api/v1/reports", {"files": [upload], "no_binary": ["a", "b"], "only_binary": ":all:"})
    assert response.status_code == 202, response.content
    assert Report.objects.get().options == {"only_binary": [":all:"], "no_binary": ["a", "b"]}


def test_the_home_form_stores_them(client: Client, binary_index: str) -> None:
    response = client.post("/", {**FORM, "only_binary": ":all:", "no_binary": "x,y z"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Report.objects.get().options == {"only_binary": [":all:"], "no_binary": ["x,y", "z"]}


def test_the_home_form_refuses_a_bad_value_on_its_field(client: Client, binary_index: str) -> None:
    response = client.post("/", {**FORM, "only_binary": "lxml==4"})
    assert response.status_code == 400
    assert "lxml==4" in " ".join(response.context["form"].errors["only_binary"])
    assert '<details class="more" open>' in response.content.decode()
    assert Report.objects.count() == 0
