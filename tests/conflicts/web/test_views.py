"""Client tests for every page and fragment of the web app, including bad input."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conflicts.models import Report, Status

pytestmark = pytest.mark.django_db

FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "test index"}


def test_home_shows_the_form_and_examples(client, test_index) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="text"' in body and 'name="upload"' in body
    assert "Django 1.11 with Django REST framework 3.12 or newer (a conflict)" in body


def test_home_example_link_fills_the_form(client, test_index) -> None:
    body = client.get("/?example=wagtail-4-on-django-5").content.decode()
    assert "wagtail&lt;5" in body


def test_pasted_text_creates_a_queued_report_and_redirects_to_its_permalink(
    client, test_index, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/", {**FORM, "text": "django==1.11.29\ndjangocms-blog\n"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/r/{report.id}/"
    assert (report.status, report.files, report.roots) == (
        Status.QUEUED,
        {"requirements.in": "django==1.11.29\ndjangocms-blog\n"},
        ["requirements.in"],
    )
    assert len(callbacks) == 1


def test_uploaded_files_keep_their_names_and_included_files_are_not_roots(client, test_index) -> None:
    files = [
        SimpleUploadedFile("requirements.in", b"-r base.txt\ndjangocms-blog\n"),
        SimpleUploadedFile("base.txt", b"django==1.11.29\n"),
    ]
    client.post("/", {**FORM, "upload": files})
    report = Report.objects.get()
    assert set(report.files) == {"requirements.in", "base.txt"}
    assert report.roots == ["requirements.in"]


def test_a_bad_line_comes_back_on_the_form_with_file_line_and_caret(client, test_index) -> None:
    response = client.post("/", {**FORM, "text": "django==1.11.29\ndjango>=>2\n"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "requirements.in:2:" in body
    assert "django&gt;=&gt;2" in body  # the text typed is kept, escaped
    assert Report.objects.count() == 0
    # The field says it is wrong and where the words are; the summary can take the focus.
    assert 'aria-invalid="true" aria-describedby="form-errors"' in body
    assert '<div class="errors" role="alert" id="form-errors" tabindex="-1"' in body


def test_a_single_equals_sign_gets_a_did_you_mean(client, test_index) -> None:
    body = client.post("/", {**FORM, "text": "wagtail\ndjango=1.11\n"}).content.decode()
    assert "Line 2: <code>django=1.11</code>: did you mean <code>django==1.11</code>?" in body


def test_a_non_utf8_upload_is_named_in_the_error(client, test_index) -> None:
    response = client.post("/", {**FORM, "upload": [SimpleUploadedFile("req.in", b"caf\xe9\n")]})
    assert response.status_code == 400
    assert "req.in: not UTF-8 text" in response.content.decode()


def test_an_oversized_upload_is_refused_with_the_limit(client, test_index, settings) -> None:
    settings.UPLOAD_MAX_FILE_BYTES = 10
    response = client.post("/", {**FORM, "upload": [SimpleUploadedFile("big.in", b"django\n" * 10)]})
    assert "at most 10 are accepted" in response.content.decode()


def test_uploads_are_kept_when_another_field_is_wrong(client, test_index) -> None:
    files = [SimpleUploadedFile("requirements.in", b"-r base.txt\n"), SimpleUploadedFile("base.txt", b"django\n")]
    response = client.post("/", {**FORM, "platform": "linux", "upload": files})
    body = response.content.decode()
    assert "is not a wheel platform tag" in body
    assert "Kept from your upload, no need to upload again: base.txt, requirements.in" in body
    kept = response.context["form"].kept_json()
    response = client.post("/", {**FORM, "kept_files": kept})
    assert response.status_code == 302
    assert set(Report.objects.get().files) == {"requirements.in", "base.txt"}


def test_empty_submission_says_what_to_do(client, test_index) -> None:
    response = client.post("/", FORM)
    assert "Paste a requirements.in or upload one" in response.content.decode()


def test_queued_report_page_polls_its_progress(client, test_index) -> None:
    report = Report.objects.create(files={"requirements.in": "django\n"}, roots=["requirements.in"],
                                   python_version="3.11", platform="any", index_name="test index")  # fmt: skip
    body = client.get(f"/r/{report.id}/").content.decode()
    assert f'hx-get="/r/{report.id}/progress/?seen=' in body
    assert 'hx-trigger="load, every 5s"' in body


def test_progress_fragment_while_running_keeps_polling(client, test_index) -> None:
    report = Report.objects.create(files={}, roots=[], python_version="3.11", platform="any",
                                   index_name="test index", status=Status.RUNNING, progress={"rounds": 7})  # fmt: skip
    response = client.get(f"/r/{report.id}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'data-stat="rounds">7<' in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_progress_fragment_when_finished_stops_polling_and_shows_the_report(client, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    response = client.get(f"/r/{report.id}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert "Could not find a version that matches django==1.11.29,&gt;2.0" in response.content.decode()
    # htmx takes the tab title from the fragment: not "Queued" once the answer is there.
    assert "<title>Conflict on django · Conflict Explorer</title>" in response.content.decode()


def test_progress_without_htmx_redirects_to_the_page(client, make_report) -> None:
    report = make_report("wagtail\n")
    assert client.get(f"/r/{report.id}/progress/")["Location"] == f"/r/{report.id}/"


def test_conflict_report_page_names_both_constraints_parents_and_lines(client, make_report) -> None:
    report = make_report("# site\ndjango==1.11.29\ndjangocms-blog\n")
    body = client.get(f"/r/{report.id}/").content.decode()
    assert "Could not find a version that matches django==1.11.29,&gt;2.0" in body
    assert "requirements.in:2" in body
    assert "djangocms-blog==1.2.0" in body
    assert "← starts a clashing chain" in body
    assert "<svg" in body


def test_report_page_as_htmx_request_is_a_fragment(client, make_report) -> None:
    report = make_report("wagtail\n")
    response = client.get(f"/r/{report.id}/", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_unknown_report_is_404(client, db) -> None:
    assert client.get(f"/r/{uuid.uuid4()}/").status_code == 404
    assert client.get("/r/not-a-uuid/").status_code == 404


def test_node_fragment_says_who_requires_it_and_what_it_requires(client, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    response = client.get(f"/r/{report.id}/node/django/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "djangocms-blog==1.2.0 asks for <code>&gt;2.0</code>" in body
    assert "(requirements.in:1)" in body


def test_node_page_without_htmx_is_a_whole_page(client, make_report) -> None:
    report = make_report("wagtail\n")
    body = client.get(f"/r/{report.id}/node/asgiref/").content.decode()
    assert "<html" in body and "<h1>asgiref==" in body
    assert client.get(f"/r/{report.id}/node/nope/").status_code == 404


def test_resolved_report_offers_every_download(client, make_report) -> None:
    report = make_report("wagtail\n")
    txt = client.get(f"/r/{report.id}/download/requirements.txt")
    assert txt["Content-Disposition"] == 'attachment; filename="requirements.txt"'
    assert "django==3.2.25\n    # via wagtail" in txt.content.decode()
    urls = client.get(f"/r/{report.id}/download/requirements.urls").content.decode()
    assert "file:" not in urls and urls.count(": no URL: ") == 3  # a file:// index: no path of the server shown
    assert json.loads(client.get(f"/r/{report.id}/download/report.json").content)["status"] == "resolved"
    assert "nodes" in json.loads(client.get(f"/r/{report.id}/download/graph.json").content)
    assert b"<graphml" in client.get(f"/r/{report.id}/download/graph.graphml").content
    assert b"digraph" in client.get(f"/r/{report.id}/download/graph.dot").content


def test_conflict_report_has_no_pinned_downloads(client, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    assert client.get(f"/r/{report.id}/download/requirements.txt").status_code == 404
    assert client.get(f"/r/{report.id}/download/nothing.zip").status_code == 404


def test_graph_svg_is_served_alone_for_the_whole_graph(client, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    response = client.get(f"/r/{report.id}/graph.svg?graph=all")
    assert response["Content-Type"].startswith("image/svg+xml")
    assert b"djangocms-blog" in response.content


def test_rerun_prefills_the_form_and_links_the_new_report(client, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    body = client.get(f"/r/{report.id}/rerun/").content.decode()
    assert "django==1.11.29" in body and f'name="rerun_of" value="{report.id}"' in body
    client.post("/", {**FORM, "text": "django>2\ndjangocms-blog\n", "rerun_of": str(report.id)})
    new = Report.objects.exclude(id=report.id).get()
    assert new.rerun_of == report


def test_status_json_has_a_one_line_summary(client, make_report) -> None:
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    data = client.get(f"/r/{report.id}/status.json").json()
    assert set(data) == {"id", "status", "summary", "progress"}
    assert data["summary"] == "Could not find a version that matches django==1.11.29,>2.0"


def test_pages_send_a_strict_content_security_policy(client, test_index) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_hostile_package_name_is_escaped(client, db, test_index) -> None:
    evil = "<script>alert(1)</script>"
    report = Report.objects.create(
        files={"requirements.in": evil}, roots=["requirements.in"], python_version="3.11", platform="any",
        index_name="test index", status=Status.CONFLICT,
        result={"schema_version": 1, "status": "conflict", "input": {}, "pins": {}, "diagnoses": [],
                "conflicts": [{"package": evil, "specifier": ">1", "message": f"Could not find {evil}",
                               "constraints": [], "versions": []}],
                "graph": {"nodes": [{"id": "<root>"}, {"id": evil, "conflict": True}],
                          "edges": [{"source": "<root>", "target": evil, "specifier": ">1", "sources": []}]},
                "stats": {}},
    )  # fmt: skip
    body = client.get(f"/r/{report.id}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_dependency_tree_is_a_fragment_for_htmx_and_a_page_without(client, make_report) -> None:
    report = make_report("wagtail\n")
    fragment = client.get(f"/r/{report.id}/tree/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "wagtail" in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "<html" in client.get(f"/r/{report.id}/tree/").content.decode()
