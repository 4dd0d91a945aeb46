"""The JSON API for other systems (the control panel), mounted at /api/v1/ by config/urls.py.

django-ninja builds the OpenAPI 3.1 schema from the typed models in `conflicts.api.schemas` and serves it
with a Swagger UI page whose assets come from its own static files (no CDN). The handlers stay thin:
they read the request (`conflicts.api.request`), call the services, and write the stored report.
Every error is an RFC 9457 problem (`conflicts.api.problems`), including those django-ninja itself
would have answered in its own shape, whose handlers are replaced here.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, NinjaAPI, Path, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from conflicts.api import request as api_request
from conflicts.api.auth import BearerToken, TokenRequest, unauthorized
from conflicts.api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, ApiProblem, field_error, problem_response
from conflicts.api.schemas import Graph, Problem, ProblemTypeOut, ReportCreate, ReportCreated, ReportOut
from conflicts.jobs import submit
from conflicts.models import Report
from resolver.output.report import Report as ReportV1
from resolver.output.report import requirements_txt, requirements_urls

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Explains Python dependency conflicts: post requirements files, poll the report, read which of
your lines lead to each clashing constraint and through which parents.

Authenticate with `Authorization: Bearer <token>` (`python manage.py create_api_token NAME`).
Requests are throttled per token (`429` with `Retry-After`). Every error is an RFC 9457
`application/problem+json` document whose `errors` name each field and line at fault.
"""
POLL_SECONDS = 2  # the Retry-After hint on a report still queued or running


class ProblemAPI(NinjaAPI):
    """A NinjaAPI whose schema documents error answers as application/problem+json.

    The create body is read by hand (it is JSON or multipart), so its model is added here.
    """

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        create = ReportCreate.model_json_schema(ref_template="#/components/schemas/{model}")
        schema["components"]["schemas"].update(create.pop("$defs", {}))
        schema["components"]["schemas"]["ReportCreate"] = create
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation["responses"].items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: content.pop("application/json")}
        return schema


api = ProblemAPI(
    title="Conflict Explorer API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=BearerToken(),
    docs=Swagger(),
)


# Every error is a problem; these replace django-ninja's default handlers.


@api.exception_handler(ApiProblem)
def on_problem(request: HttpRequest, error: ApiProblem) -> HttpResponse:
    return error.response(request)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors = [
        field_error(".".join(str(part) for part in item.get("loc", ())), item.get("msg", "invalid"), code=item["type"])
        for item in error.errors
    ]
    return problem_response(request, PROBLEM_TYPES["invalid-input"], "A parameter is invalid.", errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return unauthorized("Send your API token as `Authorization: Bearer <token>`.").response(request)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    kind = next((kind for kind in PROBLEM_TYPES.values() if kind.status == error.status_code), None)
    if kind is None:
        kind = PROBLEM_TYPES["bad-request" if error.status_code < 500 else "server-error"]
    return problem_response(request, kind, str(error))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem_response(request, PROBLEM_TYPES["not-found"], str(error) or f"There is nothing at {request.path}.")


@api.exception_handler(Exception)
def on_crash(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API request %s %s failed", request.method, request.path)
    return problem_response(request, PROBLEM_TYPES["server-error"], "The server failed to answer; the error is logged.")


# Routes.


def problems(*statuses: int) -> dict[int, type[Problem]]:
    return dict.fromkeys(statuses, Problem)


# A string, not a UUID, so a malformed id is a 404 like any unknown id (not a 422); documented as a UUID.
ReportId = Annotated[str, Field(json_schema_extra={"format": "uuid"}), Path(description="The report's id.")]
READ_PROBLEMS = problems(401, 404, 429)
RETRY_AFTER = {"description": "Seconds to wait.", "schema": {"type": "integer"}, "required": True}
READ_HEADERS = {
    401: {"headers": {"WWW-Authenticate": {"description": "The Bearer challenge.", "schema": {"type": "string"}}}},
    429: {"headers": {"Retry-After": RETRY_AFTER}},
}
CREATE_EXTRA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportCreate"}},
            "multipart/form-data": {"schema": api_request.MULTIPART_SCHEMA, "encoding": api_request.MULTIPART_ENCODING},
        },
    },
    "responses": {
        202: {
            "headers": {
                "Location": {"description": "The status URL.", "schema": {"type": "string"}, "required": True},
                "Idempotent-Replayed": {
                    "description": "`true` when this answers a retry with the same Idempotency-Key.",
                    "schema": {"type": "string", "enum": ["true"]},
                },
            },
            "links": {
                "GetReport": {"operationId": "getReport", "parameters": {"id": "$response.body#/id"}},
                "GetReportGraph": {"operationId": "getReportGraph", "parameters": {"id": "$response.body#/id"}},
            },
        },
        **READ_HEADERS,
    },
}


def absolute(request: HttpRequest, name: str, report: Report) -> str:
    return request.build_absolute_uri(reverse(name, kwargs={"id": str(report.id)}))


def permalink(request: HttpRequest, report: Report) -> str:
    return request.build_absolute_uri(report.get_absolute_url())


def json_response(request: HttpRequest, data: Any, *, status: int = 200) -> HttpResponse:
    return api.create_response(request, data, status=status)


@api.post(
    "/reports",
    response={202: ReportCreated, **problems(400, 401, 413, 415, 422, 429)},
    operation_id="createReport",
    tags=["reports"],
    url_name="reports",
    summary="Create a report",
    description=(
        "A JSON body or a multipart upload. Answers `202 Accepted` at once; the report resolves in the "
        "background (poll `status_url`). With an `Idempotency-Key`, a retry returns the first report; "
        "the same key with a different request is a `422` of type `idempotency-key-reused`."
    ),
    openapi_extra=CREATE_EXTRA,
)
def create_report(
    request: TokenRequest,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="Any unique string (at most 255 visible ASCII characters), scoped to the token.",
        pattern=r'^"?[!-~]{1,255}"?$',
    ),
) -> HttpResponse:
    key = api_request.idempotency_key(idempotency_key)
    submission = api_request.read_submission(request)
    try:
        report, replayed = submit.submit_once(
            submission.files,
            roots=submission.roots,
            python_version=submission.python_version,
            platform=submission.platform,
            index_name=submission.index,
            pre=submission.pre,
            webhook_url=submission.webhook_url,
            options=submission.options,
            token=request.auth,
            idempotency_key=key,
            request_digest=submission.digest(),
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except submit.IdempotencyKeyReused as error:
        message = f"This key made report {error.report.id} from a different request; use a new key."
        errors = [field_error("header.Idempotency-Key", message, code="idempotency-key-reused")]
        raise ApiProblem("idempotency-key-reused", message, errors=errors) from error
    status_url = absolute(request, "api:report", report)
    body = {
        "id": str(report.id),
        "status": report.status,
        "status_url": status_url,
        "permalink": permalink(request, report),
    }
    response = json_response(request, body, status=202)
    response["Location"] = status_url
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def find_report(report_id: str) -> Report:
    try:
        return Report.objects.get(id=uuid.UUID(report_id))
    except (Report.DoesNotExist, ValueError) as error:  # ValueError: not a UUID
        raise ApiProblem("not-found", f"No report has the id {report_id!r}.") from error


def report_to_dict(request: HttpRequest, report: Report) -> dict[str, Any]:
    """The report as the API shows it: status and progress, then the JSON report v1."""
    progress = report.progress or {}
    return {
        "id": str(report.id),
        "status": report.status,
        "summary": report.summary(),
        "progress": {key: int(progress.get(key, 0)) for key in ("rounds", "packages", "requests")},
        "created": report.created.isoformat(),
        "finished": report.finished.isoformat() if report.finished else None,
        "permalink": permalink(request, report),
        "status_url": absolute(request, "api:report", report),
        "report": report.result if report.is_finished else None,
    }


@api.get(
    "/reports/{id}",
    response={200: ReportOut, **READ_PROBLEMS},
    operation_id="getReport",
    tags=["reports"],
    url_name="report",
    summary="Read a report",
    description=(
        "Its status and progress while queued or running (with a `Retry-After` hint for polling), "
        "then the JSON report v1. `summary` is one line fit for a deployment log."
    ),
    openapi_extra={
        "responses": {200: {"headers": {"Retry-After": {**RETRY_AFTER, "required": False}}}, **READ_HEADERS},
    },
)
def get_report(request: HttpRequest, id: ReportId) -> HttpResponse:
    report = find_report(id)
    response = json_response(request, report_to_dict(request, report))
    if not report.is_finished:
        response["Retry-After"] = str(POLL_SECONDS)
    return response


def finished_result(report: Report) -> dict[str, Any]:
    if not report.is_finished:
        raise ApiProblem(
            "not-finished",
            f"The report is {report.status}; poll its status URL until it finishes.",
            headers={"Retry-After": str(POLL_SECONDS)},
        )
    if not report.result:
        raise ApiProblem("not-found", f"The report {report.status} without a result: {report.summary()}")
    return report.result


NOT_FINISHED = {409: {"headers": {"Retry-After": RETRY_AFTER}}}


@api.get(
    "/reports/{id}/graph",
    response={200: Graph, **problems(401, 404, 409, 429)},
    operation_id="getReportGraph",
    tags=["reports"],
    url_name="graph",
    summary="The dependency graph of a finished report",
    description="Node-link JSON: one node per package (and `<root>`), one edge per requirement.",
    openapi_extra={"responses": {**READ_HEADERS, **NOT_FINISHED}},
)
def get_report_graph(request: HttpRequest, id: ReportId) -> HttpResponse:
    return json_response(request, finished_result(find_report(id))["graph"])


def download(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pinned_result(report: Report) -> ReportV1:
    result = finished_result(report)
    if result.get("status") != "resolved":
        raise ApiProblem("not-found", f"Only a resolved report has pinned outputs; this one is {report.status}.")
    return cast("ReportV1", result)  # the stored JSON: a report v1 as the engine wrote it


TEXT_DOWNLOAD = {
    200: {
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "headers": {"Content-Disposition": {"description": "attachment", "schema": {"type": "string"}}},
    },
    **READ_HEADERS,
    **NOT_FINISHED,
}


@api.get(
    "/reports/{id}/requirements.txt",
    response={200: None, **problems(401, 404, 409, 429)},
    operation_id="getRequirementsTxt",
    tags=["reports"],
    url_name="requirements_txt",
    summary="The pinned requirements.txt of a resolved report",
    description="In pip-compile's layout, with `# via` annotations. `404` when the report did not resolve.",
    openapi_extra={"responses": TEXT_DOWNLOAD},
)
def get_requirements_txt(request: HttpRequest, id: ReportId) -> HttpResponse:
    report = find_report(id)
    command = "conflict-explorer " + permalink(request, report)
    return download(requirements_txt(pinned_result(report), command=command), "requirements.txt")


@api.get(
    "/reports/{id}/requirements.urls",
    response={200: None, **problems(401, 404, 409, 429)},
    operation_id="getRequirementsUrls",
    tags=["reports"],
    url_name="requirements_urls",
    summary="One distribution URL (with its hash) per pin of a resolved report",
    description="As `pip-reqs resolve` writes requirements.urls. `404` when the report did not resolve.",
    openapi_extra={"responses": TEXT_DOWNLOAD},
)
def get_requirements_urls(request: HttpRequest, id: ReportId) -> HttpResponse:
    return download(requirements_urls(pinned_result(find_report(id))), "requirements.urls")


@api.get(
    "/problems/{code}",
    auth=None,
    response={200: ProblemTypeOut, 404: Problem},
    operation_id="getProblemType",
    tags=["errors"],
    url_name="problem_type",
    summary="What a problem type means",
    description="The `type` of every error points here. Needs no token.",
)
def get_problem_type(request: HttpRequest, code: str) -> HttpResponse:
    kind = PROBLEM_TYPES.get(code)
    if kind is None:
        raise ApiProblem("not-found", f"No problem type is named {code!r}.")
    body = {"type": kind.uri, "title": kind.title, "status": kind.status, "description": kind.description}
    return json_response(request, body)
