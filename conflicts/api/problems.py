"""RFC 9457 problem details: the one shape of every error the JSON API answers with.

`{"type", "title", "status", "detail", "instance", "errors"}` with the media type
`application/problem+json`. `type` is a stable path under /api/v1/problems/ (clients branch on it;
the app serves a description there), `errors` lists each field (and line) at fault, possibly none.
The API's handlers raise `ApiProblem`; `ProblemMiddleware` rewrites whatever other error a lower
layer made under /api/ (Django's 404 for an unknown URL, django-ninja's 405, a crash's 500), so a
client never has to parse an HTML error page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"
TYPE_BASE = "/api/v1/problems/"
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        """RFC 9457: "about:blank" is the type of a problem that the status code says it all about."""
        return TYPE_BASE + self.code if self.code else "about:blank"


PROBLEM_TYPES = {
    kind.code: kind
    for kind in [
        ProblemType("bad-request", 400, "Bad request", "The request could not be read: malformed JSON or multipart."),
        ProblemType("unauthorized", 401, "Unauthorized", "Send a live token as `Authorization: Bearer <token>`."),
        ProblemType("not-found", 404, "Not found", "Nothing is at this URL: no such report, route or output."),
        ProblemType(
            "method-not-allowed", 405, "Method not allowed", "The URL exists; the `Allow` header lists its methods."
        ),
        ProblemType(
            "not-finished", 409, "Report not finished", "The report is still queued or running; poll its status."
        ),
        ProblemType(
            "too-large", 413, "Content too large", "The body, a file, the number of files or of lines is over a limit."
        ),
        ProblemType(
            "unsupported-media-type", 415, "Unsupported media type", "Send application/json or multipart/form-data."
        ),
        ProblemType(
            "invalid-input", 422, "Invalid input", "A field or a requirements line is wrong; `errors` names each."
        ),
        ProblemType(
            "idempotency-key-reused", 422, "Idempotency-Key reused", "This key was used for a different request."
        ),
        ProblemType(
            "too-many-requests", 429, "Too many requests", "The token's rate is exceeded; wait `Retry-After` seconds."
        ),
        ProblemType("server-error", 500, "Server error", "The server failed to answer; the error is logged."),
    ]
}
BY_STATUS = {kind.status: kind for kind in reversed(PROBLEM_TYPES.values())}


def field_error(field: str | None, message: str, *, line: int | None = None, code: str = "invalid") -> dict[str, Any]:
    """One entry of `errors`: always these four keys, `line` only for a requirements line."""
    return {"field": field, "line": line, "message": message, "code": code}


class ApiProblem(Exception):
    """Raised in an API handler to answer with a problem; `code` is a key of PROBLEM_TYPES."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        errors: Iterable[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = PROBLEM_TYPES[code]
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}

    def response(self, request: HttpRequest) -> HttpResponse:
        return problem_response(request, self.kind, self.detail, errors=self.errors, headers=self.headers)


def problem_body(request: HttpRequest, kind: ProblemType, detail: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": kind.uri,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": request.path,
        "errors": errors,
    }


def problem_response(
    request: HttpRequest,
    kind: ProblemType,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = problem_body(request, kind, detail, errors or [])
    response = HttpResponse(json.dumps(body), status=kind.status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def generic_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The problem for an error response some lower layer made, keeping its status and headers."""
    status = response.status_code
    kind = BY_STATUS.get(status) or ProblemType("", status, _phrase(status), "")
    if status == 404:
        detail = f"There is nothing at {request.path}."
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.path}; use {response.get('Allow', 'another method')}."
    elif status >= 500:
        detail = "The server failed to answer; the error is logged."
    else:
        detail = kind.title
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return problem_response(request, kind, detail, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status Python does not name
        return "Error"


class ProblemMiddleware:
    """Turns any non-problem error response under /api/ into problem+json."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            return generic_problem(request, response)
        return response
