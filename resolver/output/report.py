"""The JSON report, version 1, and the files made from it.

The report is the contract with the API, the CLI, storage and other systems:
fields may be added, none removed or changed in meaning within version 1. The writers take a
stored report, so the web app can offer the downloads without resolving again.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

SCHEMA_VERSION = 1
Status = Literal["resolved", "conflict", "error"]


class Source(TypedDict):
    file: str
    line: int


class Constraint(TypedDict):
    specifier: str
    parent: str | None  # "name==version", or None for the user's own line
    source: Source | None  # the user's line at the top of the chain
    path: list[str]  # ["requirements.in:7", "a==1.0", "parent==2.0"]
    kind: NotRequired[str]  # "requirement" | "constraint" | "dependency" | "requires_python"
    text: NotRequired[str]
    parent_versions: NotRequired[list[dict[str, Any]]]  # each version of the parent tried


class VersionMatch(TypedDict):
    version: str
    satisfies: list[int]  # indexes into the conflict's constraints


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


class Conflict(TypedDict):
    package: str
    specifier: str
    message: str
    constraints: list[Constraint]
    versions: list[VersionMatch]
    # True when the clash holds whatever the versions of unknown metadata (sdists only a build can
    # describe) depend on: it was met with each of them taken as dependency-free. Absent in reports
    # stored before it was added.
    certain: NotRequired[bool]
    # Added by the analyses (resolver.analysis.analyser) when they ran; absent otherwise.
    fixes: NotRequired[list[Fix]]
    # "found": fixes lists at least one; "none": every candidate change was re-resolved and none
    # resolves ("no single change fixes this"); "skipped": the analysis budget ran out first.
    fix_status: NotRequired[Literal["found", "none", "skipped"]]
    fix_candidates: NotRequired[int]  # how many candidate changes were re-resolved (a Python search counts once)
    fix_undecided: NotRequired[int]  # of those, how many could not tell (a limit, an index error, a build)
    matrix: NotRequired[Matrix]
    # Packages set aside (replaced by a placeholder that satisfies anything) to find this
    # conflict: present on the conflicts found after the first, which is what makes them
    # independent of it. Absent on the conflicts of a plain resolution.
    set_aside: NotRequired[list[str]]


class Diagnosis(TypedDict):
    kind: str  # not_found | no_compatible_distribution | metadata_unavailable | bad_input | exclude_newer | ...
    package: str | None
    message: str
    set_aside: NotRequired[list[str]]  # as on Conflict: found by the analyses with these set aside
    # On a no_compatible_distribution diagnosis, as on a Conflict: proven fixes (dropping a line or
    # another target Python only), fix_status, fix_candidates, fix_undecided.
    fixes: NotRequired[list[Fix]]
    fix_status: NotRequired[Literal["found", "none", "skipped"]]
    fix_candidates: NotRequired[int]
    fix_undecided: NotRequired[int]


class Stats(TypedDict):
    duration_ms: int
    requests: int
    cache_hits: int
    rounds: int
    backtracks: int


class MinimalLines(TypedDict):
    """The smallest set of the user's requirement lines that still fails (delta debugging).

    1-minimal: dropping any one of them makes the rest resolve. `-c` lines are kept as context.
    """

    lines: list[dict[str, Any]]  # [{"file", "line", "text"}] in input order
    total: int  # requirement lines in the input (those that apply to the target)
    message: str  # "These 2 of your 40 lines conflict"
    resolutions: int  # re-resolutions it used
    complete: bool  # False when the budget ran out: the lines still fail, but may not be minimal


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


class Analysis(TypedDict):
    resolutions: int  # re-resolutions the analyses made (each a real resolution, warm cache)
    duration_ms: int
    complete: bool  # False when a budget (time or resolutions) stopped an analysis early
    stopped: str | None  # what stopped it, e.g. "the time budget of 60 s was used up"
    undecided: int  # re-resolutions that could not tell (own time limit, index error, metadata needing a build)


class Report(TypedDict):
    schema_version: int
    status: Status
    input: dict[str, Any]  # also "exclude_newer": ISO-8601 UTC or None (files uploaded after it ignored)
    pins: dict[str, str]
    conflicts: list[Conflict]  # every independent conflict, the first found first
    diagnoses: list[Diagnosis]
    graph: dict[str, Any]
    stats: Stats
    distributions: NotRequired[dict[str, dict[str, Any]]]  # the file chosen for each pin
    # Added for issue 7; absent in reports stored before it.
    index_read_at: NotRequired[str]  # ISO-8601 UTC time the index data was read (always written now)
    minimal_lines: NotRequired[MinimalLines]  # when it did not resolve and the analyses ran
    analysis: NotRequired[Analysis]  # when the analyses ran
    targets: NotRequired[Targets]  # from resolver.analysis.targets.resolve_targets, when asked for
    what_broke: NotRequired[WhatBroke]  # from resolver.analysis.timeline.what_broke, when asked for
    # Added for issue 15: with several conflicts, one change that makes the whole input resolve.
    combined_fix: NotRequired[Fix]  # from resolver.analysis.combined, with `parts` naming each conflict's fix


UNRESOLVABLE = {"not_found", "no_compatible_distribution"}


def exit_code(report: Report) -> int:
    """0 resolved, 1 not resolvable (conflict, not found, no compatible distribution), 2 otherwise."""
    if report["status"] == "resolved":
        return 0
    if report["status"] == "conflict":
        return 1
    return 2


def _incoming(report: Report) -> dict[str, list[dict[str, Any]]]:
    incoming: dict[str, list[dict[str, Any]]] = {}
    for edge in report["graph"].get("edges", []):
        incoming.setdefault(edge["target"], []).append(edge)
    return incoming


def requirements_txt(report: Report, *, command: str = "") -> str:
    """The pinned requirements.txt, in pip-compile's layout with `# via` annotations."""
    target = report["input"]
    lines = [
        "#",
        "# This file is autogenerated by Conflict Explorer for Python "
        f"{target['python_version']} on {target['platform']}",
    ]
    if command:
        lines += ["# by the following command:", "#", f"#    {command}"]
    lines.append("#")
    incoming = _incoming(report)
    as_given = {
        r["name"]: r["text"]
        for r in report["input"].get("requirements", [])
        if r.get("url")
        and not r.get("constraint")
        and report.get("distributions", {}).get(r["name"], {}).get("kind") == "url"
    }
    for name, version in sorted(report["pins"].items()):
        edges = incoming.get(name, [])
        markers = {edge.get("marker") for edge in edges}
        marker = markers.pop() if len(markers) == 1 else None
        lines.append(as_given.get(name) or f"{name}=={version}" + (f" ; {marker}" if marker else ""))
        via: list[str] = []
        for edge in sorted(edges, key=lambda e: (e["source"] != "<root>", e["source"])):
            if edge["source"] == "<root>":
                via += [f"-r {src['file']}" for src in edge.get("sources", [])]
            else:
                via.append(edge["source"])
        via = list(dict.fromkeys(via))
        if len(via) == 1:
            lines.append(f"    # via {via[0]}")
        elif via:
            lines.append("    # via")
            lines += [f"    #   {item}" for item in via]
    return "\n".join(lines) + "\n"


def requirements_urls(report: Report) -> str:
    """One distribution URL per pin with its hash, as `pip-reqs resolve` writes requirements.urls.

    A pin with no wheel for the target gets its sdist's URL and a comment saying so.
    """
    lines = [
        f"# Distributions for Python {report['input']['python_version']} on {report['input']['platform']}",
        "# install with: pip install --no-index --no-deps --requirement requirements.urls",
    ]
    for name, dist in sorted(report.get("distributions", {}).items()):
        if dist.get("kind") == "url":  # the user's own URL line: the archive as they gave it
            lines.append(dist["url"])
            continue
        url = dist["url"].split("#")[0]
        if dist.get("sha256"):
            url += f"#sha256={dist['sha256']}"
        if dist.get("kind") != "wheel":
            lines.append(f"# {name}=={dist['version']}: no wheel for this target, only a source distribution")
        lines.append(url)
    return "\n".join(lines) + "\n"
