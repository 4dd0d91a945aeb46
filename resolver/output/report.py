"""The JSON report, version 1, and the files made from it.

The report is the contract with the API, the CLI, storage and other systems:
fields may be added, none removed or changed in meaning within version 1. The writers take a
stored report, so the web app can offer the downloads without resolving again.
"""

from __future__ import annotations

from typing import Literal, NotRequired
from urllib.parse import urlsplit

# pydantic reads these shapes (the API schema and the tests check reports against them); on Python
# before 3.12 it needs typing_extensions' TypedDict, which keeps the same runtime shape.
from typing_extensions import TypedDict

from resolver.output.findings import (
    Analysis as Analysis,
)
from resolver.output.findings import (
    AnalysisFailure as AnalysisFailure,
)
from resolver.output.findings import (
    BrokenBy as BrokenBy,
)
from resolver.output.findings import (
    Fix as Fix,
)
from resolver.output.findings import (
    FixLine as FixLine,
)
from resolver.output.findings import (
    FixProof as FixProof,
)
from resolver.output.findings import (
    Matrix as Matrix,
)
from resolver.output.findings import (
    MatrixParent as MatrixParent,
)
from resolver.output.findings import (
    MatrixRow as MatrixRow,
)
from resolver.output.findings import (
    MinimalLines as MinimalLines,
)
from resolver.output.findings import (
    MissingLine as MissingLine,
)
from resolver.output.findings import (
    MissingProjects as MissingProjects,
)
from resolver.output.findings import (
    PinMove as PinMove,
)
from resolver.output.findings import (  # re-exported: the report's parts are named from here
    Source as Source,
)
from resolver.output.findings import (
    SourceLine as SourceLine,
)
from resolver.output.findings import (
    Status as Status,
)
from resolver.output.findings import (
    TargetCell as TargetCell,
)
from resolver.output.findings import (
    Targets as Targets,
)
from resolver.output.findings import (
    WhatBroke as WhatBroke,
)
from resolver.output.outcome import SCHEMA_VERSION as SCHEMA_VERSION
from resolver.output.outcome import exit_code as exit_code


class RequirementLine(TypedDict):
    """One requirement or constraint line of the input, as parsed."""

    file: str
    line: int
    text: str
    name: str
    specifier: str
    extras: list[str]
    marker: str | None
    url: str | None  # credentials redacted
    editable: bool
    hashes: list[str]
    constraint: bool  # a `-c` file's line


class IndexOption(TypedDict):
    option: str  # "--index-url" | "--extra-index-url" | ...
    value: str | None  # credentials redacted
    file: str
    line: int
    honoured: bool
    reason: NotRequired[str]  # why a URL was not fetched (the app's egress policy)


class IgnoredOption(TypedDict):
    option: str
    value: str | None
    file: str
    line: int
    reason: str


class ReportInput(TypedDict):
    files: dict[str, str]
    requirements: list[RequirementLine]
    index: str  # its name, or the input's own index URLs (credentials redacted)
    python_version: str
    platform: str
    exclude_newer: str | None  # ISO-8601 UTC or None (files uploaded after it ignored)
    # Absent when the input did not parse.
    index_options: NotRequired[list[IndexOption]]
    ignored_options: NotRequired[list[IgnoredOption]]
    skipped_for_target: NotRequired[list[SourceLine]]  # lines whose marker is false for the target
    # pip's --only-binary / --no-binary as in force for the run (":all:" or names), and each use
    # of them with where it was given (a file line; file "<options>" for the caller's own).
    only_binary: NotRequired[list[str]]
    no_binary: NotRequired[list[str]]
    format_options: NotRequired[list[FormatOption]]
    index_coverage: NotRequired[str]  # on a partial index (the bundled snapshot): what it holds


class FormatOption(TypedDict):
    option: str  # "--only-binary" | "--no-binary"
    value: str
    file: str
    line: int


class GraphNode(TypedDict):
    id: str  # a canonical name, or "<root>" for the input
    version: str | None
    status: NotRequired[Literal["pinned", "tried"]]
    # In a failed resolution's graph: the versions the resolver tried, and the clash highlighted: the
    # clashing package (`conflict`) and the parents whose requirement takes part (`culprit`).
    versions_tried: NotRequired[list[str]]
    conflict: NotRequired[bool]
    culprit: NotRequired[bool]


class GraphEdge(TypedDict):
    """One requirement, repeats (two lines, `x` and `x[extra]`) merged."""

    source: str
    target: str
    specifier: str
    marker: str | None
    extras: list[str]
    text: str
    sources: list[Source]  # the input lines asking for it (for the root's edges)
    via_versions: NotRequired[list[str]]  # in a failed resolution: the parent's versions asking for it
    parent_versions: NotRequired[list[ParentVersion]]  # in a failed resolution: what each version tried asks
    clash: NotRequired[bool]  # in a failed resolution: this requirement takes part in a clash


class Graph(TypedDict):
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class Distribution(TypedDict):
    """The file chosen for a pin."""

    version: str
    filename: str
    url: str  # credentials redacted
    sha256: str | None
    kind: str  # "wheel" | "sdist" | "url" (the user's own URL line)
    upload_time: str | None  # PEP 700
    metadata_source: str | None  # resolver.index.dists.MetadataSource; None when not read


class Constraint(TypedDict):
    specifier: str
    parent: str | None  # "name==version", or None for the user's own line
    source: Source | None  # the user's line at the top of the chain
    path: list[str]  # ["requirements.in:7", "a==1.0", "parent==2.0"]
    kind: NotRequired[str]  # "requirement" | "constraint" | "dependency" | "requires_python"
    text: NotRequired[str]
    marker: NotRequired[str | None]
    parent_versions: NotRequired[list[ParentVersion]]  # each version of the parent tried


class ParentVersion(TypedDict):
    version: str
    specifier: str | None  # what it asks of the package; None: it does not depend on it


class VersionMatch(TypedDict):
    version: str
    satisfies: list[int]  # indexes into the conflict's constraints
    invalid_metadata: NotRequired[bool]  # True: ignored as pip does, its metadata being invalid


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
    gap: NotRequired[str]  # on a partial index: why this may be a gap of the index, not a fact
    index_message: NotRequired[str]  # with `gap`: what the index data alone said
    fix_proof: NotRequired[FixProof]  # on a partial index: fixes some candidates could not be judged on
    set_aside: NotRequired[list[str]]


class LineError(TypedDict):
    code: str
    file: str
    line: int
    text: str
    span: list[int]  # [start, end) in the line's text
    message: str


class Diagnosis(TypedDict):
    kind: str  # not_found | no_compatible_distribution | metadata_unavailable | bad_input | exclude_newer | ...
    package: str | None
    message: str
    severity: NotRequired[Literal["warning"]]  # the report stands; absent: the problem is an error
    errors: NotRequired[list[LineError]]  # bad_input: every bad line
    constraints: NotRequired[list[Constraint]]  # who asks for the package
    url: NotRequired[str]  # index_error: what failed; url lines: the archive (credentials redacted)
    limit: NotRequired[str]  # limit: which one ("rounds", "seconds", "requests", ...)
    version: NotRequired[str | None]  # metadata_unavailable, url lines: the version concerned
    versions: NotRequired[list[str]]  # metadata_unavailable: every version whose metadata needs a build
    filename: NotRequired[str | None]
    set_aside: NotRequired[list[str]]  # as on Conflict: found by the analyses with these set aside
    gap: NotRequired[str]  # on a partial index: why this may be a gap of the index, not a fact
    index_message: NotRequired[str]  # with `gap`: what the index data alone said
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
    # True when the command line gave back the answer an earlier run stored, every index page it
    # rests on being unchanged (resolver.index.answers): then `cache_hits` counts those pages,
    # `requests` the stale ones it asked again, and rounds and backtracks are the stored resolution's.
    stored_answer: NotRequired[bool]


class Report(TypedDict):
    schema_version: int
    status: Status
    input: ReportInput
    pins: dict[str, str]
    conflicts: list[Conflict]  # every independent conflict, the first found first
    diagnoses: list[Diagnosis]
    graph: Graph
    stats: Stats
    distributions: NotRequired[dict[str, Distribution]]  # the file chosen for each pin
    # Absent in reports stored before the analyses were added.
    index_read_at: NotRequired[str]  # ISO-8601 UTC time the index data was read (always written now)
    # When it did not resolve and the analyses ran, unless the only problems were missing projects.
    minimal_lines: NotRequired[MinimalLines]
    missing_projects: NotRequired[MissingProjects]  # when the analyses ran and some line's project is missing
    analysis: NotRequired[Analysis]  # when the analyses ran
    # From resolver.analysis.targets.resolve_targets and resolver.analysis.timeline.what_broke, when asked for.
    targets: NotRequired[Targets | AnalysisFailure]
    what_broke: NotRequired[WhatBroke | AnalysisFailure]
    # On a partial index (the bundled snapshot), when the answer rests on what it
    # lacks: {"index": its label, "message"}; the status is then "error" ("cannot tell"), and each
    # diagnosis or conflict concerned has "gap" (why) and "index_message" (what the index said).
    # `input.index_coverage` is the snapshot's label; a conflict's "fix_proof" {"proven": False,
    # "reason"} says when some fix candidates could not be judged on it.
    gaps: NotRequired[dict[str, str]]
    # With several conflicts: one change that makes the whole input resolve (resolver.analysis.combined),
    # with `parts` naming each conflict's fix.
    combined_fix: NotRequired[Fix]


UNRESOLVABLE = {"not_found", "no_compatible_distribution"}
NOT_OFFERED = (
    "no URL: resolved on an index with no package files to fetch (the bundled snapshot holds "
    "metadata only); resolve against a real index for URLs"
)


def _incoming(report: Report) -> dict[str, list[GraphEdge]]:
    incoming: dict[str, list[GraphEdge]] = {}
    for edge in report["graph"].get("edges", []):
        incoming.setdefault(edge["target"], []).append(edge)
    return incoming


def _distribution_kind(report: Report, name: str) -> str | None:
    distribution = report.get("distributions", {}).get(name)
    return distribution.get("kind") if distribution else None


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
        if r.get("url") and not r.get("constraint") and _distribution_kind(report, r["name"]) == "url"
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

    A pin with no wheel for the target gets its sdist's URL and a comment saying so. Only URLs a
    user can fetch are listed (http(s), without user information: pip adds the user's own
    credentials); a file:// URL is a path on the machine that resolved (the bundled snapshot holds
    no package files at all), so a comment says why the pin has no URL instead.
    """
    lines = [
        f"# Distributions for Python {report['input']['python_version']} on {report['input']['platform']}",
        "# install with: pip install --no-index --no-deps --requirement requirements.urls",
    ]
    for name, dist in sorted(report.get("distributions", {}).items()):
        parts = urlsplit(dist["url"] if dist.get("kind") == "url" else dist["url"].split("#")[0])
        url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        if dist.get("kind") == "url":  # the user's own URL line: the archive as they gave it
            lines.append(url)
            continue
        if parts.scheme not in ("http", "https"):
            lines.append(f"# {name}=={dist['version']}: {NOT_OFFERED}")
            continue
        if dist.get("sha256"):
            url += f"#sha256={dist['sha256']}"
        if dist.get("kind") != "wheel":
            lines.append(f"# {name}=={dist['version']}: no wheel for this target, only a source distribution")
        lines.append(url)
    return "\n".join(lines) + "\n"
