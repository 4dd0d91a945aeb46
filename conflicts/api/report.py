"""The JSON report v1 as the API documents it: pydantic models of what the engine writes.

They list the keys of resolver/output/report.py's TypedDicts, the one definition of the report
(tests/conflicts/api/test_report_contract.py compares them key by key), and allow more: within
version 1 fields may be added, none removed. The leaf parts are in `conflicts.api.reportparts`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from conflicts.api.reportparts import Analysis, IgnoredOption, IndexOption, LineError, ParentVersion, Severity


class Open(BaseModel):
    """A part of the JSON report v1: these keys at least, more may come within version 1."""

    model_config = ConfigDict(extra="allow")


class Source(Open):
    file: str
    line: int


class SourceLine(Source):
    text: str


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


class FormatOption(Open):
    option: str
    value: str
    file: str
    line: int


class ReportInput(Open):
    files: dict[str, str]
    requirements: list[InputRequirement]
    index: str
    python_version: str
    platform: str
    exclude_newer: str | None = Field(default=None, description="Files uploaded after it were ignored (ISO 8601).")
    index_options: list[IndexOption] | None = None
    ignored_options: list[IgnoredOption] | None = None
    skipped_for_target: list[SourceLine] | None = Field(default=None, description="Lines whose marker is false.")
    only_binary: list[str] = Field(default=[], description="The effective --only-binary set (`:all:` or names).")
    no_binary: list[str] = Field(default=[], description="The effective --no-binary set (`:all:` or names).")
    format_options: list[FormatOption] | None = Field(
        default=None, description="Each --only-binary/--no-binary given, with its file and line."
    )
    index_coverage: str | None = Field(default=None, description="On a partial index (the snapshot): what it holds.")


class Constraint(Open):
    specifier: str
    parent: str | None = Field(description='"name==version" of the package asking, or null for an input line.')
    source: Source | None = Field(description="The input line at the top of the chain.")
    path: list[str] = Field(description='From the input line to the parent: ["requirements.in:7", "a==1.0"].')
    kind: str | None = None
    text: str | None = None
    marker: str | None = None
    parent_versions: list[ParentVersion] | None = Field(default=None, description="Each version of the parent tried.")


class VersionMatch(Open):
    version: str
    satisfies: list[int] = Field(description="Indexes into the conflict's constraints.")
    invalid_metadata: bool | None = Field(default=None, description="Ignored as pip does: its metadata is invalid.")


class FixLine(Open):
    file: str
    line: int


class FixPart(Open):
    package: str
    rank: int
    headline: str


class PinMove(Open):
    package: str
    from_version: str
    to_version: str
    size: str
    direction: str
    jump: str


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
    python_version: str | None = Field(default=None, description='kind "python_version": the target that resolves.')
    rank: int | None = Field(default=None, description="1 = the least disturbing fix.")
    direction: str | None = Field(default=None, description="upgrade | downgrade | loosen | drop | python | change")
    jump: str | None = Field(default=None, description='"django 1.11 → 4.2, major"')
    moves: list[PinMove] | None = Field(default=None, description="Each of the user's packages whose version moves.")
    keeps_majors: bool | None = Field(default=None, description="No package of the user's changes major version.")
    headline: str | None = Field(default=None, description="The fix in one line, with its direction and jump.")
    parts: list[FixPart] | None = Field(default=None, description='kind "combined": each conflict\'s fix it applies.')
    same_as: int | None = Field(default=None, description="The rank of a better fix giving the same pins.")


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


class FixProof(Open):
    proven: bool
    reason: str


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
    certain: bool | None = Field(default=None, description="The clash holds whatever unknown metadata says.")
    fix_candidates: int | None = None
    fix_undecided: int | None = None
    set_aside: list[str] | None = Field(default=None, description="Packages set aside to find this conflict.")
    gap: str | None = Field(default=None, description="On a partial index: why this may be a gap of the index.")
    index_message: str | None = Field(default=None, description="With `gap`: what the index data alone said.")
    fix_proof: FixProof | None = Field(default=None, description="On a partial index: fixes not all judged.")


class Diagnosis(Open):
    kind: str = Field(description="not_found | no_compatible_distribution | metadata_unavailable | bad_input | ...")
    package: str | None
    message: str
    severity: Severity | None = Field(default=None, description="Absent: an error; a warning leaves the report.")
    errors: list[LineError] | None = Field(default=None, description="bad_input: every bad line.")
    constraints: list[Constraint] | None = None
    url: str | None = None
    limit: str | None = None
    version: str | None = None
    versions: list[str] | None = None
    filename: str | None = None
    set_aside: list[str] | None = None
    gap: str | None = None
    index_message: str | None = None
    fixes: list[Fix] | None = None
    fix_status: Literal["found", "none", "skipped"] | None = None
    fix_candidates: int | None = None
    fix_undecided: int | None = None


class GraphNode(Open):
    id: str = Field(description='A canonical package name, or "<root>" for the input.')
    version: str | None = None
    status: Literal["pinned", "tried"] | None = None
    versions_tried: list[str] | None = None
    conflict: bool | None = None
    culprit: bool | None = None


class GraphEdge(Open):
    source: str
    target: str
    specifier: str | None = None
    marker: str | None = None
    extras: list[str] | None = None
    text: str | None = None
    sources: list[Source] | None = None
    via_versions: list[str] | None = None
    parent_versions: list[ParentVersion] | None = Field(
        default=None, description="Each version of the parent tried and its own specifier (`specifier` joins them)."
    )
    clash: bool | None = None


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
    stored_answer: bool | None = None  # the command line only: an earlier run's answer given back


class Distribution(Open):
    version: str
    filename: str
    url: str
    sha256: str | None
    kind: str
    upload_time: str | None = None
    metadata_source: str | None = Field(
        default=None,
        description='Where its dependencies were read: "pep658", "wheel", or what its sdist declares without '
        'a build: "sdist-pkg-info", "egg-info", "pyproject", "setup.cfg", "setup.py". Absent in older reports.',
    )


class MinimalLines(Open):
    """The smallest set of the user's lines that cannot coexist (dropping any one makes the rest resolve)."""

    lines: list[SourceLine]
    total: int
    message: str = Field(description='"These 2 of your 40 lines conflict".')
    resolutions: int
    complete: bool


class MissingLine(Source):
    text: str
    package: str


class MissingProjects(Open):
    """The input's lines whose project is not on the index, said once as a group.

    Each also has its `not_found` diagnosis. Only changing such a line fixes it, so the minimal
    lines and the fixes leave them out.
    """

    count: int
    packages: list[str]
    lines: list[MissingLine]
    message: str = Field(description='"500 projects are not on the index: a, b, c … (and 497 more)".')


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
    resolutions: int | None = None


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
    minimal_lines: MinimalLines | None = Field(
        default=None, description="Absent when the only problems are projects not on the index."
    )
    missing_projects: MissingProjects | None = Field(
        default=None, description="When the analyses ran and some line names a project not on the index."
    )
    analysis: Analysis | None = None
    targets: Targets | AnalysisFailure | None = Field(default=None, description="When other targets were asked for.")
    gaps: dict[str, str] | None = Field(
        default=None, description='On a partial index, when the answer rests on what it lacks: {"index", "message"}.'
    )
    combined_fix: Fix | None = Field(
        default=None,
        description="With several conflicts: the best fix of each applied together, re-resolved with nothing set "
        "aside; the whole input resolves with it. Absent when no such combination was found.",
    )
    what_broke: WhatBroke | AnalysisFailure | None = Field(
        default=None, description="When a date it used to resolve on was given."
    )
