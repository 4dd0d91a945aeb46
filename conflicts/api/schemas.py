"""The typed shapes of the JSON API: its request body, its answers, and the JSON report v1.

The request body is validated with `ReportCreate` (strict: a string is not a boolean, an unknown
key is an error, so a typo in a client is caught rather than ignored). The answers are written as
plain dicts by the handlers and documented by these models, so the stored JSON report goes out
exactly as stored; the schema tests check that every answer matches its model.

The report models list what the engine always writes (resolver/output/report.py) and allow more keys:
within version 1 fields may be added, none removed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

StatusName = Literal["queued", "running", "resolved", "conflict", "error", "failed"]


def uri(description: str) -> Any:
    return Field(description=description, json_schema_extra={"format": "uri"})


class Closed(BaseModel):
    """An answer whose keys are exactly these: the schema says `additionalProperties: false`."""

    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    """A part of the JSON report v1: these keys at least, more may come within version 1."""

    model_config = ConfigDict(extra="allow")


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


MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The same fields as the JSON body; each file is a part named `files` with its file name.",
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1},
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
    },
    "required": ["files"],
    "additionalProperties": False,
}


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


# The JSON report v1 (its contract).


class Source(Open):
    file: str
    line: int


class InputRequirement(Open):
    file: str
    line: int
    text: str
    name: str
    specifier: str
    extras: list[str]
    marker: str | None
    url: str | None
    editable: bool
    hashes: list[str]
    constraint: bool


class ReportInput(Open):
    files: dict[str, str]
    requirements: list[InputRequirement]
    index: str
    python_version: str
    platform: str


class Constraint(Open):
    specifier: str
    parent: str | None = Field(description='"name==version" of the package asking, or null for an input line.')
    source: Source | None = Field(description="The input line at the top of the chain.")
    path: list[str] = Field(description='From the input line to the parent: ["requirements.in:7", "a==1.0"].')
    kind: str | None = None
    text: str | None = None


class VersionMatch(Open):
    version: str
    satisfies: list[int] = Field(description="Indexes into the conflict's constraints.")


class FixLine(Open):
    file: str
    line: int


class Fix(Open):
    """A change to the input that was re-resolved before it was offered: with it, this conflict is gone."""

    kind: str = Field(description="loosen_pin | drop_line | parent_version | python_version | combined")
    title: str
    line: FixLine | None = Field(description="The user's line changed or dropped; null for a new line or target.")
    diff: str = Field(description="Unified diff of the input files (empty when only the target changes).")
    files: dict[str, str] = Field(description="The changed files' new text, by name.")
    pins: dict[str, str] = Field(description="The pins of the re-resolution.")
    pin_changes: dict[str, list[str | None]] = Field(description="name -> [version before, version with the fix].")
    complete: bool = Field(description="The whole input resolves with this one change.")


class MatrixRow(Open):
    version: str | None = Field(description="The parent's version; null for a user's line.")
    specifier: str | None = Field(description="What it asks of the package; null: it does not depend on it.")
    accepts: list[bool] = Field(description="One per column of `versions`.")


class MatrixParent(Open):
    parent: str | None
    label: str
    rows: list[MatrixRow]
    truncated: bool


class Matrix(Open):
    """Which versions of each parent accept which versions of the clashing package (newest first)."""

    versions: list[str]
    parents: list[MatrixParent]
    truncated: bool


class Conflict(Open):
    package: str
    specifier: str
    message: str
    constraints: list[Constraint]
    versions: list[VersionMatch]
    fixes: list[Fix] | None = Field(default=None, description="Proven fixes, when the analyses ran.")
    fix_status: Literal["found", "none", "skipped"] | None = Field(
        default=None, description='"none": every one-line change was re-resolved and none fixes this conflict.'
    )
    matrix: Matrix | None = None


class Diagnosis(Open):
    kind: str = Field(description="not_found | no_compatible_distribution | metadata_unavailable | bad_input | ...")
    package: str | None
    message: str


class GraphNode(Open):
    id: str = Field(description='A canonical package name, or "<root>" for the input.')
    version: str | None = None


class GraphEdge(Open):
    source: str
    target: str
    specifier: str | None = None


class Graph(Open):
    """The dependency graph in node-link form: one edge per requirement."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]


class Stats(Open):
    duration_ms: int
    requests: int
    cache_hits: int
    rounds: int
    backtracks: int


class Distribution(Open):
    version: str
    filename: str
    url: str
    sha256: str | None
    kind: str
    metadata_source: str | None = Field(
        default=None,
        description='Where its dependencies were read: "pep658", "wheel", or what its sdist declares without '
        'a build: "sdist-pkg-info", "egg-info", "pyproject", "setup.cfg", "setup.py". Absent in older reports.',
    )


class MinimalLines(Open):
    """The smallest set of the user's lines that cannot coexist (dropping any one makes the rest resolve)."""

    lines: list[Source]
    total: int
    message: str = Field(description='"These 2 of your 40 lines conflict".')
    resolutions: int
    complete: bool


class TargetCell(Open):
    python_version: str
    platform: str
    status: Literal["resolved", "conflict", "error"]
    summary: str = Field(description="One line: what was pinned, or the first problem.")
    conflicts: list[str]
    pins: int


class Targets(Open):
    cells: list[TargetCell]


class BrokenBy(Open):
    package: str
    version: str
    uploaded: str = Field(description="PEP 700 upload time (ISO 8601, UTC) of its earliest file.")


class WhatBroke(Open):
    good_date: str
    resolved_then: bool
    resolves_now: bool
    broken_by: list[BrokenBy]
    last_good: str | None
    message: str


class AnalysisFailure(Open):
    """An extra analysis that stopped (an index error, a limit); the main answer stands."""

    error: str


class ReportV1(Open):
    """The JSON report, version 1: the same document the CLI prints with --format json."""

    schema_version: Literal[1]
    status: Literal["resolved", "conflict", "error"]
    input: ReportInput
    pins: dict[str, str] = Field(description="Canonical name to version, when resolved.")
    conflicts: list[Conflict]
    diagnoses: list[Diagnosis]
    graph: Graph
    stats: Stats
    distributions: dict[str, Distribution] | None = Field(default=None, description="The file chosen for each pin.")
    index_read_at: str | None = Field(
        default=None, description="When the index data was read (ISO 8601, UTC): re-run as of it to reproduce."
    )
    minimal_lines: MinimalLines | None = None
    combined_fix: Fix | None = Field(
        default=None,
        description="With several conflicts: the best fix of each applied together, re-resolved with nothing set "
        "aside; the whole input resolves with it. Absent when no such combination was found.",
    )
    targets: Targets | AnalysisFailure | None = Field(default=None, description="When other targets were asked for.")
    what_broke: WhatBroke | AnalysisFailure | None = Field(
        default=None, description="When a date it used to resolve on was given."
    )


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
