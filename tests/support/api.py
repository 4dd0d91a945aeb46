"""Helpers of the API tests: posting JSON and checking RFC 9457 problem documents."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors"}
ERROR_KEYS = {"field", "line", "message", "code"}
CLASSIC = "django==1.11.29\ndjangocms-blog\n"


def post_json(client: Client, body: Any, **headers: str):
    return client.post("/api/v1/reports", json.dumps(body), content_type="application/json", headers=headers)


def problem(response, status: int, kind: str) -> dict[str, Any]:
    """The problem document of an error answer, after checking its media type and exact keys."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["status"], body["type"]) == (status, kind if kind == "about:blank" else f"/api/v1/problems/{kind}")
    assert body["instance"] == response.wsgi_request.path
    for error in body["errors"]:
        assert set(error) == ERROR_KEYS
    return body


def fields(body: dict[str, Any]) -> list[tuple[str | None, int | None]]:
    return [(error["field"], error["line"]) for error in body["errors"]]
