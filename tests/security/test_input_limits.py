"""Issue 14, items 1, 5 and 6: the limits on what a submission may hold count what the parser reads,
and text no database can store is refused naming its file and line."""

from __future__ import annotations

import pytest
from django.test import Client

from conflicts.models import Report
from resolver.input.reqsyntax import count_lines
from tests.support.api import post_json, problem

pytestmark = pytest.mark.django_db

FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "test index"}


@pytest.mark.parametrize(
    ("text", "lines"),
    [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("a\r" * 6, 6), ("a\r\nb\r\n", 2), ("a\rb\nc", 3), ("\n\n", 2)],
)
def test_lines_are_counted_as_the_parser_splits_them(text: str, lines: int) -> None:
    assert count_lines(text) == lines


def test_cr_only_line_endings_do_not_bypass_the_line_limit(api: Client, settings) -> None:
    settings.UPLOAD_MAX_LINES = 5
    body = problem(post_json(api, {"files": {"mac.in": "django\r" * 6}}), 413, "too-large")
    assert body["errors"][0]["message"] == "mac.in: 6 lines; at most 5 are accepted."
    assert Report.objects.count() == 0


def test_a_file_of_exactly_the_limit_ending_in_a_newline_is_accepted(api: Client, settings) -> None:
    settings.UPLOAD_MAX_LINES = 5
    response = post_json(api, {"files": {"five.in": "django\n" * 5}})
    assert response.status_code == 202, response.content
    settings.UPLOAD_MAX_LINES = 4
    body = problem(post_json(api, {"files": {"five.in": "django\n" * 5}}), 413, "too-large")
    assert body["errors"][0]["message"] == "five.in: 5 lines; at most 4 are accepted."


def test_the_form_counts_cr_only_lines_too(client: Client, test_index: str, settings) -> None:
    settings.UPLOAD_MAX_LINES = 5
    response = client.post("/", {**FORM, "text": "django\r" * 6})
    assert response.status_code == 400
    assert "requirements.in: 6 lines; at most 5 are accepted" in response.content.decode()


# -- item 5: text no database stores --------------------------------------------------------------


def test_a_lone_surrogate_is_422_naming_the_file_and_line(api: Client) -> None:
    body = problem(post_json(api, {"files": {"a.in": "django\n\ud800six\n"}}), 422, "invalid-input")
    assert [(e["field"], e["line"], e["code"]) for e in body["errors"]] == [("files.a.in", 2, "bad-character")]
    assert "lone surrogate (U+D800)" in body["errors"][0]["message"]
    assert Report.objects.count() == 0


def test_a_nul_in_a_file_no_line_includes_is_422_too(api: Client) -> None:
    files = {"requirements.in": "django\n", "notes.in": "six\r\rpy\x00tz\n"}
    body = problem(post_json(api, {"files": files, "roots": ["requirements.in"]}), 422, "invalid-input")
    assert [(e["field"], e["line"]) for e in body["errors"]] == [("files.notes.in", 3)]
    assert Report.objects.count() == 0


def test_the_form_refuses_a_lone_surrogate_carried_in_kept_files(client: Client, test_index: str) -> None:
    response = client.post("/", {**FORM, "text": "django\n", "kept_files": '{"base.txt": "six\\n\\ud800\\n"}'})
    assert response.status_code == 400
    assert "base.txt: line 2 holds a lone surrogate (U+D800)" in response.content.decode()
    assert Report.objects.count() == 0


def test_a_stored_report_with_a_lone_surrogate_renders(make_report, client: Client) -> None:
    report = make_report("django\n")
    # Stored before such text was refused: SQLite keeps the escape, and reading it back gave the
    # page a string no response can encode.
    files = {"requirements.in": "django\n# \ud800\n"}
    result = {**report.result, "input": {**report.result["input"], "files": files}}
    Report.objects.filter(id=report.id).update(files=files, result=result)
    response = client.get(f"/r/{report.id}/")
    assert response.status_code == 200
    assert "# \ufffd" in response.content.decode()
    download = client.get(f"/r/{report.id}/download/report.json")
    assert download.status_code == 200
    assert "\\ufffd" in download.content.decode()
