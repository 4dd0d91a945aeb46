"""The web app's protections, each shown to bite: CSRF on the form, a strict CSP on every page,
unguessable report ids, the admin behind a login (reports read-only there), and upload limits
that say which field or file broke them."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conflicts.models import ApiToken, Report

pytestmark = pytest.mark.django_db

FORM = {"python_version": "3.11", "platform": "manylinux_2_28_x86_64", "index": "test index"}


# -- CSRF --------------------------------------------------------------------------------------------


def test_the_form_is_refused_without_its_csrf_token(test_index) -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/", {**FORM, "text": "django\n"})
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_the_form_is_accepted_with_the_token_from_the_page(test_index) -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post("/", {**FORM, "text": "django\n", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Report.objects.count() == 1
    # A token from another session does not do.
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/")
    assert stranger.post("/", {**FORM, "text": "django\n", "csrfmiddlewaretoken": token}).status_code == 403


def test_the_example_buttons_and_rerun_forms_carry_a_token(client, make_report) -> None:
    report = make_report("wagtail\n")
    for url in ("/", f"/r/{report.id}/rerun/"):
        body = client.get(url).content.decode()
        forms = re.findall(r'<form method="post".*?</form>', body, re.DOTALL)
        assert forms, url
        assert all('name="csrfmiddlewaretoken"' in form for form in forms), url


# -- Content Security Policy ------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        if part.strip():
            name, *values = part.split()
            parsed[name] = values
    return parsed


def assert_strict(response, url: str) -> None:
    policy = directives(response.get("Content-Security-Policy", ""))
    assert policy.get("default-src") == ["'self'"], url
    assert policy.get("script-src") == ["'self'"], url  # no inline, no eval, no other host
    assert policy.get("style-src") == ["'self'"], url
    assert policy.get("object-src") == ["'none'"] and policy.get("base-uri") == ["'none'"], url
    assert policy.get("frame-ancestors") == ["'none'"] and policy.get("form-action") == ["'self'"], url
    assert response.get("X-Content-Type-Options") == "nosniff", url


def test_every_page_fragment_download_and_error_has_the_strict_policy(client, make_report, admin_user) -> None:
    report = make_report("wagtail\n")
    base = f"/r/{report.id}"
    urls = [
        "/", "/?example=wagtail-4-on-django-5", f"{base}/", f"{base}/progress/", f"{base}/tree/",
        f"{base}/node/wagtail/", f"{base}/graph.svg", f"{base}/status.json", f"{base}/rerun/",
        f"{base}/download/report.json", f"{base}/download/graph.dot", f"{base}/download/requirements.txt",
        "/no-such-page/", f"/r/{uuid.uuid4()}/", "/admin/login/", "/api/v1/docs", "/api/v1/openapi.json",
        "/api/v1/reports/x", "/healthz",
    ]  # fmt: skip
    for url in urls:
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            assert_strict(client.get(url, **headers), url)
    assert_strict(client.post("/", {**FORM, "text": "django>=>2\n"}), "a refused form")
    client.force_login(admin_user)
    for url in ("/admin/", "/admin/conflicts/report/", f"/admin/conflicts/report/{report.id}/change/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response, url)


def test_no_page_has_inline_script_or_style(client, make_report) -> None:
    """What the policy forbids is not needed: a page that relied on it would break in browsers."""
    report = make_report("django==1.11.29\ndjangocms-blog\n")
    for url in ("/", f"/r/{report.id}/", f"/r/{report.id}/tree/", "/admin/login/"):
        body = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert "<style" not in body and not re.search(r"\son[a-z]+=", body), url
        assert "javascript:" not in body, url


# -- report ids -------------------------------------------------------------------------------------


def test_report_ids_are_random_uuid4(make_report) -> None:
    first, second = make_report("wagtail\n"), make_report("wagtail\n")
    for report in (first, second):
        assert isinstance(report.id, uuid.UUID) and report.id.version == 4
    assert first.id.int ^ second.id.int > 2**64  # not neighbours: 122 random bits each


@pytest.mark.parametrize(
    "path", ["/r/1/", "/r/2/", "/r/00000000-0000-0000-0000-000000000001/", "/r/0/graph.svg", "/r/1/rerun/"]
)
def test_sequential_or_short_ids_are_404(client, make_report, path: str) -> None:
    make_report("wagtail\n")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("report_id", ["1", "00000000-0000-0000-0000-000000000001"])
def test_the_api_answers_404_for_short_or_sequential_ids(make_report, client, report_id: str) -> None:
    report = make_report("wagtail\n")
    _, secret = ApiToken.issue("security test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/v1/reports/{report.id}", **auth).status_code == 200
    response = client.get(f"/api/v1/reports/{report_id}", **auth)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


# -- the admin --------------------------------------------------------------------------------------


def test_the_admin_asks_anonymous_visitors_to_log_in(client) -> None:
    for url in ("/admin/", "/admin/conflicts/report/", "/admin/conflicts/apitoken/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next="), url


def test_a_logged_in_user_who_is_not_staff_is_not_let_in(client) -> None:
    user = get_user_model().objects.create_user("visitor", password="a-long-password-123")
    client.force_login(user)
    assert client.get("/admin/conflicts/report/")["Location"].startswith("/admin/login/")


def test_reports_are_read_only_in_the_admin(admin_client, make_report) -> None:
    report = make_report("wagtail\n")
    change = f"/admin/conflicts/report/{report.id}/change/"
    page = admin_client.get(change).content.decode()
    assert str(report.id) in page and 'name="_save"' not in page
    assert admin_client.get("/admin/conflicts/report/add/").status_code == 403
    assert admin_client.post(change, {"status": "failed"}).status_code == 403
    assert admin_client.post(f"/admin/conflicts/report/{report.id}/delete/", {"post": "yes"}).status_code == 403
    report.refresh_from_db()
    assert report.status == "resolved"


# -- upload limits ---------------------------------------------------------------------------------


def errors_shown(response) -> str:
    body = response.content.decode()
    return " ".join(re.findall(r'class="(?:line-error|error)"[^>]*>(.*?)</', body, re.DOTALL))


def test_too_many_files_is_refused_saying_how_many_are_accepted(client, test_index, settings) -> None:
    settings.UPLOAD_MAX_FILES = 2
    uploads = [SimpleUploadedFile(f"r{i}.in", b"django\n") for i in range(3)]
    response = client.post("/", {**FORM, "upload": uploads})
    assert response.status_code == 400
    assert "3 files; at most 2 are accepted" in errors_shown(response)
    assert Report.objects.count() == 0


def test_a_file_over_the_line_limit_is_named(client, test_index, settings) -> None:
    settings.UPLOAD_MAX_LINES = 5
    uploads = [SimpleUploadedFile("base.txt", b"django\n" * 9), SimpleUploadedFile("ok.in", b"-r base.txt\n")]
    response = client.post("/", {**FORM, "upload": uploads})
    assert response.status_code == 400
    assert "base.txt: 9 lines; at most 5 are accepted" in errors_shown(response)
    assert Report.objects.count() == 0


def test_pasted_text_over_the_line_limit_is_named(client, test_index, settings) -> None:
    settings.UPLOAD_MAX_LINES = 5
    response = client.post("/", {**FORM, "text": "django\n" * 9})
    assert response.status_code == 400
    assert "requirements.in: 9 lines; at most 5 are accepted" in errors_shown(response)


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(client, test_index, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/", {**FORM, "text": "django\n" * 500})
    assert response.status_code == 400
    assert Report.objects.count() == 0


# -- Throttling the form (issue 14, item 3) --------------------------------------------------------


def test_the_form_is_throttled_per_client_with_a_page_saying_when_to_retry(client, test_index, settings) -> None:
    settings.FORM_THROTTLE = "3/min"
    statuses = [client.post("/", {**FORM, "text": "django\n"}).status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Report.objects.count() == 3
    response = client.post("/", {**FORM, "text": "django\n"})
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert f"retry in {wait} second" in response.content.decode()
    # Another client is not held back by this one.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post("/", {**FORM, "text": "django\n"}).status_code == 302
    assert client.get("/").status_code == 200  # reading the form is never throttled


# -- The access model (docs/security.md, "Access model") ---------------------------------------------------------


def test_a_report_id_is_a_capability_any_holder_reads_it(make_report, client) -> None:
    """As docs/security.md states: the id alone reads the report, on the page and over any token."""
    report = make_report("django\n")
    assert client.get(f"/r/{report.id}/").status_code == 200
    assert client.get(f"/r/{report.id}/status.json").json()["status"] == report.status
    _token, other = ApiToken.issue("someone else entirely")
    answer = Client(headers={"Authorization": f"Bearer {other}"}).get(f"/api/v1/reports/{report.id}")
    assert answer.status_code == 200
    assert Client().get(f"/api/v1/reports/{report.id}").status_code == 401  # the API still needs a token
