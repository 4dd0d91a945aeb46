"""The analyses' parts of the JSON report v1: fixes, matrices, smallest clashes, missing projects,
other targets, what broke. Part of the report's one definition, `resolver.output.report`, which
names them too; kept apart so that each module stays readable.
"""

from __future__ import annotations

from typing import Literal, NotRequired

from typing_extensions import TypedDict

Status = Literal["resolved", "conflict", "error"]


class Source(TypedDict):
    file: str
    line: int


class SourceLine(TypedDict):
    file: str
    line: int
    text: str


class FixLine(TypedDict):
    file: str
    line: int


class Fix(TypedDict):
    """One change to the input that was re-resolved and, with it, the conflict is gone.

    Only changes that resolved are listed: each was proven by a real re-resolution against the
    same index data (with the other independent conflicts' packages set aside, so that one fix is
    judged on its own conflict; `complete` says whether the whole input then resolves).
    """

    kind: Literal["loosen_pin", "drop_line", "parent_version", "python_version", "combined"]
    title: str  # "Loosen django==1.11.29 to django>2.0 (requirements.in:2)"
    # kind "loosen_pin": the user's line gets the other side's specifier, or `==` the nearest version
    # that fits; "drop_line": the line is commented out; "parent_version": a parent's version pinned
    # (on the user's line for it, else a new line); "python_version": only the target changes;
    # "combined" (only as the report's `combined_fix`): several conflicts' fixes applied together.
    line: FixLine | None  # the user's line changed or dropped; None for a new line or a new target
    diff: str  # unified diff of the input files ("" when only the target changes)
    files: dict[str, str]  # the changed files' new text, by name (only those that changed)
    python_version: NotRequired[str]  # kind "python_version": the target that resolves
    pins: dict[str, str]  # the re-resolution's pins (packages set aside for other conflicts left out)
    pin_changes: dict[str, list[str | None]]  # name -> [version the failed run was heading for, new]
    complete: bool  # the whole input resolves with this one change (no other conflict remains)
    # How much the fix disturbs, for ranking and for people (added by the analyses' ranking):
    rank: NotRequired[int]  # 1 = least disturbing
    direction: NotRequired[str]  # "upgrade" | "downgrade" | "loosen" | "drop" | "python" | "change"
    jump: NotRequired[str | None]  # "django 1.11 → 4.2, major"
    moves: NotRequired[list[PinMove]]  # each of the user's packages whose version moves
    keeps_majors: NotRequired[bool]  # no package of the user's changes major version or goes away
    headline: NotRequired[str]  # the fix in one line, with its direction and jump
    parts: NotRequired[list[FixPart]]  # kind "combined": each conflict's fix it applies
    same_as: NotRequired[int | None]  # the rank of a better fix giving the same pins


class FixPart(TypedDict):
    package: str  # the conflict's package
    rank: int  # the rank of that conflict's fix
    headline: str


class PinMove(TypedDict):
    package: str
    from_version: str
    to_version: str
    size: str  # "major" | "minor" | "patch"
    direction: str  # "upgrade" | "downgrade"
    jump: str


class MatrixRow(TypedDict):
    version: str | None  # the parent's version; None for a user's line (it has no versions)
    specifier: str | None  # what that version asks of the package; None: it does not depend on it
    accepts: list[bool]  # one per column of Matrix.versions


class MatrixParent(TypedDict):
    parent: str | None  # the parent's canonical name, or None for the user's own line
    label: str  # "djangorestframework", or "requirements.in:2" for a user's line
    rows: list[MatrixRow]  # newest first: the newest of each release series and the version in the clash
    truncated: bool  # release series were left out to keep within the bound


class Matrix(TypedDict):
    """Which versions of each parent accept which versions of the clashing package.

    Columns are the clashing package's available versions: the newest of each X.Y series plus
    any version a constraint pins, newest first, bounded.
    """

    versions: list[str]
    parents: list[MatrixParent]  # one per constraint of the conflict, in the same order
    truncated: bool  # release series were left out to keep within the bound


class FixProof(TypedDict):
    proven: bool
    reason: str


class MinimalLines(TypedDict):
    """The smallest set of the user's requirement lines that still fails (delta debugging).

    1-minimal: dropping any one of them makes the rest resolve. `-c` lines are kept as context.
    """

    lines: list[SourceLine]  # in input order
    total: int  # requirement lines in the input (those that apply to the target)
    message: str  # "These 2 of your 40 lines conflict"
    resolutions: int  # re-resolutions it used
    complete: bool  # False when the budget ran out: the lines still fail, but may not be minimal


class MissingLine(TypedDict):
    file: str
    line: int
    text: str
    package: str


class MissingProjects(TypedDict):
    """The user's lines whose project is not on the index, grouped (each also has its `not_found`
    diagnosis). Only dropping or correcting such a line fixes it, so the other analyses set these
    projects aside: they are not part of `minimal_lines`, and no fixes are tried for them."""

    count: int
    packages: list[str]  # canonical names, in input order
    lines: list[MissingLine]  # in input order
    message: str  # "500 projects are not on the index: a, b, c … (and 497 more)"


class TargetCell(TypedDict):
    python_version: str
    platform: str
    status: Status
    summary: str  # one line: "resolved, 12 packages" or the first problem's message
    conflicts: list[str]  # names of the clashing packages (and of packages of other problems)
    pins: int  # number of packages pinned (0 unless resolved)


class Targets(TypedDict):
    cells: list[TargetCell]  # in the order the targets were given


class BrokenBy(TypedDict):
    package: str
    version: str
    uploaded: str  # ISO-8601 UTC upload time (PEP 700) of its earliest file


class WhatBroke(TypedDict):
    good_date: str  # ISO-8601 UTC: when the input used to resolve
    resolved_then: bool  # it resolves with every file uploaded after good_date ignored
    resolves_now: bool
    broken_by: list[BrokenBy]  # the release(s) whose arrival turned it from resolving to failing
    last_good: str | None  # the latest upload time at which it still resolved
    message: str
    resolutions: int


class AnalysisFailure(TypedDict):
    """An extra analysis (targets, what broke) that stopped: the main answer stands."""

    error: str


class Analysis(TypedDict):
    resolutions: int  # re-resolutions the analyses made (each a real resolution, warm cache)
    duration_ms: int
    complete: bool  # False when a budget (time or resolutions) stopped an analysis early
    stopped: str | None  # what stopped it, e.g. "the time budget of 60 s was used up"
    undecided: int  # re-resolutions that could not tell (own time limit, index error, metadata needing a build)
