"""The typed shapes of the JSON API: its request body, its answers, and the JSON report v1.

The request body is validated with `ReportCreate` (strict: a string is not a boolean, an unknown
key is an error, so a typo in a client is caught rather than ignored). The answers are written as
plain dicts by the handlers and documented by these models, so the stored JSON report goes out
exactly as stored; the schema tests check that every answer matches its model.

The report's own models are in `conflicts.api.report`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from conflicts.api.report import Graph, ReportV1  # noqa: F401  (the report's models, re-exported for the API)

StatusName = Literal["queued", "running", "resolved", "conflict", "error", "failed"]


def uri(description: str) -> Any:
    return Field(description=description, json_schema_extra={"format": "uri"})


class Closed(BaseModel):
    """An answer whose keys are exactly these: the schema says `additionalProperties: false`."""

    model_config = ConfigDict(extra="forbid")


# The request.


class TargetIn(BaseModel):
    """One more target to resolve the same input for."""

    model_config = ConfigDict(extra="forbid", strict=True, title="TargetIn")

    python_version: str = Field(max_length=16, description="`3.X` or `3.X.Y`.", examples=["3.12"])
    platform: str | None = Field(
        default=None,
        max_length=64,
        description="A wheel platform tag or `any`; default: the report's platform.",
        examples=["win_amd64"],
    )


class ReportCreate(BaseModel):
    """What to resolve, and for which target. Only `files` is required."""

    model_config = ConfigDict(extra="forbid", strict=True, title="ReportCreate")

    files: dict[str, str] = Field(
        min_length=1,
        description="Each requirements file by its name: the top-level ones and those their -r/-c lines name.",
        examples=[{"requirements.in": "django==1.11.29\ndjangocms-blog\n"}],
    )
    roots: list[str] | None = Field(
        default=None,
        min_length=1,
        description="The files to resolve; default: every file no other file includes with -r/-c.",
    )
    python_version: str | None = Field(
        default=None, max_length=16, description="Target Python, `3.X` or `3.X.Y`; default: the server's."
    )
    platform: str | None = Field(
        default=None,
        max_length=64,
        description="A wheel platform tag (`manylinux_2_28_x86_64`, `win_amd64`, ...) or `any`; default: the server's.",
    )
    index: str | None = Field(
        default=None, max_length=200, description="The name of a configured index; default: the first."
    )
    pre: bool = Field(default=False, description="Allow pre-releases, as pip's --pre.")
    webhook_url: str | None = Field(
        default=None,
        max_length=2000,
        description="POSTed to when the report finishes; its host must be allow-listed by the server.",
    )
    targets: list[TargetIn] | None = Field(
        default=None,
        max_length=8,
        description="More targets to resolve the same input for (at most 8, each different from the main one): "
        "the report gets `targets`, a pass/fail matrix with the reason per cell.",
    )
    exclude_newer: str | None = Field(
        default=None,
        max_length=40,
        description="Resolve as of this moment: files uploaded to the index later are ignored (PEP 700 upload "
        "times). A date `YYYY-MM-DD` (its midnight UTC) or an ISO 8601 date-time (UTC without an offset).",
        examples=["2024-05-01T12:00:00Z"],
    )
    good_date: str | None = Field(
        default=None,
        max_length=40,
        description="A day (`YYYY-MM-DD`) on which the input used to resolve: the report gets `what_broke`, "
        "the releases uploaded since that broke it.",
        examples=["2023-01-15"],
    )
    only_binary: list[Annotated[str, Field(max_length=2000)]] | None = Field(
        default=None,
        max_length=50,
        description="As pip's --only-binary, once per item: `:all:`, `:none:` or package names separated by "
        "commas; those packages use wheels only. The files' own lines apply after these.",
        examples=[[":all:"]],
    )
    no_binary: list[Annotated[str, Field(max_length=2000)]] | None = Field(
        default=None,
        max_length=50,
        description="As pip's --no-binary, after `only_binary`: those packages use sdists only.",
        examples=[["lxml,pillow"]],
    )


MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The same fields as the JSON body; each file is a part named `files` with its file name.",
    "properties": {
        "files": {
            "type": "array",
            "items": {
                "type": "string",
                "contentMediaType": "text/plain",
                "description": "A requirements file as UTF-8 text, in a part with its file name. Any other bytes "
                "are refused (422, code `not-utf-8`, naming `files.<name>` and the first bad byte).",
            },
            "minItems": 1,
        },
        "roots": {"type": "array", "items": {"type": "string"}},
        "python_version": {"type": "string", "maxLength": 16},
        "platform": {"type": "string", "maxLength": 64},
        "index": {"type": "string", "maxLength": 200},
        "pre": {"type": "boolean"},
        "webhook_url": {"type": "string", "maxLength": 2000},
        "targets": {
            "type": "array",
            "maxItems": 8,
            "items": {
                "type": "string",
                "maxLength": 90,
                "description": "`PYTHON PLATFORM` (`3.12 win_amd64`), `PYTHON/PLATFORM`, or `PYTHON` alone.",
            },
        },
        "exclude_newer": {"type": "string", "maxLength": 40},
        "good_date": {"type": "string", "maxLength": 40},
        "only_binary": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 2000}},
        "no_binary": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 2000}},
    },
    "required": ["files"],
    "additionalProperties": False,
}

# How each part is encoded: a file part is UTF-8 text whatever Content-Type the client gives it.
MULTIPART_ENCODING: dict[str, Any] = {"files": {"contentType": "text/plain; charset=utf-8"}}


# Errors.


class FieldError(Closed):
    field: str | None = Field(description="Where: `files.<name>`, `python_version`, `header.Idempotency-Key`, ...")
    line: int | None = Field(description="The line of the file named by `field`, for a requirements line.")
    message: str
    code: str = Field(description="A kebab-case code: `bad-line`, `too-many-lines`, `unknown-index`, ...")


class Problem(Closed):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = Field(description="A stable URI reference under /api/v1/problems/, or `about:blank`.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request that failed.")
    errors: list[FieldError]


class ProblemTypeOut(Closed):
    type: str
    title: str
    status: int
    description: str


# The answers.


class Progress(Closed):
    rounds: int
    packages: int
    requests: int


class ReportCreated(Closed):
    id: UUID
    status: StatusName
    status_url: str = uri("GET it to follow the report (this API).")
    permalink: str = uri("The report's page, to link from a log or a chat.")


class ReportOut(Closed):
    id: UUID
    status: StatusName
    summary: str = Field(description="One line fit for a deployment log.")
    progress: Progress
    created: datetime
    finished: datetime | None
    permalink: str = uri("The report's page, to link from a log or a chat.")
    status_url: str = uri("This resource.")
    report: ReportV1 | None = Field(description="The JSON report v1 once finished; null before, and if it failed.")
