"""resolve(files, index, target, limits) -> the JSON report v1. No resolvelib error escapes.

The one entry point for the CLI, the Celery task and the benchmarks. Expected failures (bad
input, index errors, limits, unreadable metadata) become a report with status "error" and a
diagnosis; an unresolvable input becomes status "conflict" with the explanation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from packaging.version import Version
from resolvelib import ResolutionImpossible, ResolutionTooDeep, Resolver

from resolver.analysis.analyser import analyse_failure
from resolver.analysis.budget import AnalysisLimits
from resolver.analysis.gaps import mark_gaps, mark_unproven
from resolver.environment import Target
from resolver.errors import (
    IndexAccessError,
    InputError,
    LimitReached,
    MetadataUnavailable,
    ResolverError,
)
from resolver.index.asof import ExcludeNewer, to_iso
from resolver.index.client import IndexClient
from resolver.index.coverage import coverage_of
from resolver.index.urls import redact
from resolver.input.reqfile import InputRequirement, ParsedInput, parse
from resolver.output.report import SCHEMA_VERSION, Report
from resolver.resolution.graph import Progress, Recorder, explored_graph, success_graph, to_node_link
from resolver.resolution.provider import Provider, user_order
from resolver.resolution.requirements import PYTHON, Candidate, Req
from resolver.resolution.setaside import SetAsideProvider


@dataclass(frozen=True)
class Limits:
    """Bounds on one resolution; reaching one is a reported outcome (`limit`), not a crash."""

    max_rounds: int = 20000
    max_seconds: float = 300.0


IndexFactory = Callable[[list[str]], IndexClient]


def _to_req(line: InputRequirement) -> Req:
    requirement = line.requirement
    return Req(
        name=line.name,
        specifier=requirement.specifier,
        extras=frozenset(requirement.extras),
        marker=str(requirement.marker) if requirement.marker else None,
        origin=line.origin,
        text=line.text,
    )


def _describe(line: InputRequirement) -> dict[str, Any]:
    requirement = line.requirement
    return {
        "file": line.origin.file,
        "line": line.origin.line,
        "text": line.text,
        "name": line.name,
        "specifier": str(requirement.specifier),
        "extras": sorted(requirement.extras),
        "marker": str(requirement.marker) if requirement.marker else None,
        "url": redact(line.url) if line.url else None,
        "editable": line.editable,
        "hashes": list(line.hashes),
        "constraint": line.is_constraint,
    }


def _empty_report(files: Mapping[str, str], target: Target, index_name: str) -> Report:
    return {
        "schema_version": SCHEMA_VERSION,
        "status": "error",
        "input": {
            "files": dict(files),
            "requirements": [],
            "index": redact(index_name),
            **target.to_dict(),
            "exclude_newer": None,
        },
        "pins": {},
        "conflicts": [],
        "diagnoses": [],
        "graph": {"nodes": [], "edges": []},
        "stats": {"duration_ms": 0, "requests": 0, "cache_hits": 0, "rounds": 0, "backtracks": 0},
        "index_read_at": to_iso(datetime.now(UTC)),
    }


def resolve(
    files: Mapping[str, str],
    *,
    index: IndexClient,
    target: Target,
    index_name: str = "",
    roots: list[str] | None = None,
    pre: bool = False,
    limits: Limits | None = None,
    input_index: IndexFactory | None = None,
    on_progress: Progress | None = None,
    exclude_newer: datetime | None = None,
    analyse: bool = True,
    analysis_limits: AnalysisLimits | None = None,
    set_aside: frozenset[str] = frozenset(),
    drop_lines: frozenset[tuple[str, int]] = frozenset(),
) -> Report:
    """Resolve requirements files for a target against an index, and explain any failure.

    `files` maps each file name the user gave to its text; `roots` are the top-level ones
    (default: the first). Index options in the input are honoured only through `input_index`
    (which vets the URLs); otherwise they are reported as ignored. `exclude_newer` ignores files
    uploaded after it (and files with no upload time). When the input does not resolve and
    `analyse` is set, `resolver.analysis.analyser` adds every independent conflict, the minimal lines,
    proven fixes and matrices, re-resolving on the same (warm) index client within
    `analysis_limits`. `set_aside` (package names replaced by placeholders) and `drop_lines`
    (`(file, line)` of requirement lines to leave out) are the analyses' own variations.
    """
    limits = limits or Limits()
    started = time.monotonic()
    report = _empty_report(files, target, index_name)
    try:
        parsed = parse(files, roots)
    except InputError as error:
        report["diagnoses"].append(
            {
                "kind": "bad_input",
                "package": None,
                "message": error.message,
                "errors": [line_error.to_dict() for line_error in error.errors],
            }
        )
        report["stats"]["duration_ms"] = int((time.monotonic() - started) * 1000)
        return report
    report["input"]["files"] = dict(parsed.files)
    report["input"]["requirements"] = [_describe(line) for line in parsed.requirements + parsed.constraints]
    index = chosen = _choose_index(parsed, index, input_index, report)
    if exclude_newer is not None:
        index = ExcludeNewer(chosen, exclude_newer)  # type: ignore[assignment]
        report["input"]["exclude_newer"] = to_iso(exclude_newer)
    try:
        _run(parsed, index, target, pre or parsed.pre, limits, on_progress, report, set_aside, drop_lines)
    except ResolverError as error:
        report["status"] = "error"
        report["diagnoses"].append(_error_diagnosis(error))
    finally:
        report["stats"]["duration_ms"] = int((time.monotonic() - started) * 1000)
        report["stats"]["requests"] = index.stats.requests
        report["stats"]["cache_hits"] = index.stats.cache_hits
        if isinstance(index, ExcludeNewer):
            report["diagnoses"].extend(index.diagnoses())  # type: ignore[arg-type]
    coverage = coverage_of(getattr(chosen, "index_urls", []))
    mark_gaps(report, coverage)
    if analyse and report["status"] == "conflict":
        rerun = partial(
            resolve,
            index=chosen,
            target=target,
            index_name=index_name,
            roots=roots,
            pre=pre,
            exclude_newer=exclude_newer,
            analyse=False,
        )
        analyse_failure(
            report,
            parsed,
            target=target,
            index=ExcludeNewer(chosen, exclude_newer) if exclude_newer else chosen,
            rerun=rerun,
            limits=limits,
            analysis_limits=analysis_limits or AnalysisLimits(),
            pre=pre,
            heartbeat=on_progress and partial(_heartbeat, on_progress, report, chosen),
        )
        mark_unproven(report, coverage)
    return report


def _choose_index(
    parsed: ParsedInput, index: IndexClient, input_index: IndexFactory | None, report: Report
) -> IndexClient:
    options = [
        {
            "option": o.option,
            "value": redact(o.value) if o.value else None,
            "file": o.origin.file,
            "line": o.origin.line,
        }
        for o in parsed.index_options
    ]
    urls = [o.value for o in parsed.index_options if o.option in ("--index-url", "--extra-index-url") and o.value]
    honoured = bool(urls and input_index is not None)
    for option in options:
        option["honoured"] = honoured and option["option"] in ("--index-url", "--extra-index-url")
    report["input"]["index_options"] = options
    report["input"]["ignored_options"] = [
        {"option": o.option, "value": o.value, "file": o.origin.file, "line": o.origin.line, "reason": o.reason}
        for o in parsed.ignored_options
    ]
    if not honoured:
        return index
    assert input_index is not None
    primary = [o.value for o in parsed.index_options if o.option == "--index-url" and o.value]
    extra = [o.value for o in parsed.index_options if o.option == "--extra-index-url" and o.value]
    chosen = input_index((primary[-1:] or index_urls_of(index)) + extra)
    report["input"]["index"] = " ".join(redact(u) for u in (primary[-1:] or [report["input"]["index"]]) + extra)
    return chosen


def index_urls_of(index: IndexClient) -> list[str]:
    return list(getattr(index, "index_urls", []))


def _run(
    parsed: ParsedInput,
    index: IndexClient,
    target: Target,
    pre: bool,
    limits: Limits,
    on_progress: Progress | None,
    report: Report,
    set_aside: frozenset[str] = frozenset(),
    drop_lines: frozenset[tuple[str, int]] = frozenset(),
) -> None:
    roots: list[Req] = []
    skipped = []
    for line in parsed.requirements:
        if (line.origin.file, line.origin.line) in drop_lines:
            continue
        req = _to_req(line)
        marker = line.requirement.marker
        if marker is not None and not marker.evaluate({**target.markers, "extra": ""}):
            skipped.append({"file": line.origin.file, "line": line.origin.line, "text": line.text})
            continue
        roots.append(req)
    report["input"]["skipped_for_target"] = skipped
    constraint_lines: dict[str, list[Req]] = {}
    for line in parsed.constraints:
        constraint_lines.setdefault(line.name, []).append(_to_req(line))
    options = {"pre": pre, "constraint_lines": constraint_lines, "user_requested": user_order(roots)}
    if set_aside:
        provider: Provider = SetAsideProvider(index, target, set_aside=set_aside, **options)
    else:
        provider = Provider(index, target, **options)
    provider.prefetch(roots)
    recorder = Recorder(max_seconds=limits.max_seconds, on_progress=on_progress, requests=lambda: index.stats.requests)
    resolver: Resolver = Resolver(provider, recorder)
    try:
        result = resolver.resolve(roots, max_rounds=limits.max_rounds)
    except ResolutionImpossible as impossible:
        from resolver.analysis.explain import Explainer  # networkx: only a failure needs it, not the CLI's start-up

        graph = explored_graph(recorder, roots)
        conflicts, diagnoses = Explainer(provider, recorder, graph, roots).explain(list(impossible.causes))
        # When a clash could only be settled by reading metadata that needs a build, pip (which
        # builds) may well resolve it: the honest verdict is "cannot tell", not "conflict". That
        # holds too when a version set aside belongs to the clashing package or to a culprit.
        involved = {c["package"] for c in conflicts} | {
            k["parent"].split("==")[0] for c in conflicts for k in c["constraints"] if k.get("parent")
        }
        diagnosed = {d["package"] for d in diagnoses if d["kind"] == "metadata_unavailable"}
        set_aside = []
        for warning in _set_aside(provider):
            if warning["package"] in diagnosed:
                continue
            if warning["package"] in involved:
                del warning["severity"]
                warning["message"] += (
                    "; one of these versions might settle the clash, so whether the input resolves "
                    "cannot be told without building them"
                )
            set_aside.append(warning)
        undecided = any(d["kind"] == "metadata_unavailable" and "severity" not in d for d in diagnoses + set_aside)
        report["status"] = "error" if undecided else "conflict"
        report["conflicts"] = conflicts
        report["diagnoses"] = diagnoses + set_aside
        report["graph"] = to_node_link(graph)
        _finish_stats(report, recorder)
        return
    except ResolutionTooDeep:
        raise LimitReached(
            f"resolution stopped after {limits.max_rounds} rounds", limit="rounds", value=limits.max_rounds
        ) from None
    finally:
        _finish_stats(report, recorder)
    pins = {
        c.name: str(c.version)
        for identifier, c in result.mapping.items()
        if identifier != PYTHON and isinstance(c, Candidate)
    }
    report["status"] = "resolved"
    report["pins"] = dict(sorted(pins.items()))
    report["graph"] = to_node_link(success_graph(result))
    report["distributions"] = {
        c.name: _distribution(c)
        for identifier, c in sorted(result.mapping.items())
        if isinstance(c, Candidate) and not c.extras
    }
    report["diagnoses"].extend(_set_aside(provider))
    if provider.skipped_dependencies:
        report["diagnoses"].extend(
            {"kind": "invalid_metadata", "package": parent.split("==")[0], "message": f"{parent}: {reason}"}
            for parent, _text, reason in provider.skipped_dependencies
        )


def _set_aside(provider: Provider) -> list[dict[str, Any]]:
    """Versions left out because their metadata could not be read (pip might have built them).

    One warning per package, newest version first, with the reason of the newest.
    """
    by_package: dict[str, list[tuple[Version, MetadataUnavailable]]] = {}
    for (name, version), error in provider.unavailable.items():
        by_package.setdefault(name, []).append((version, error))
    warnings = []
    for name, entries in sorted(by_package.items()):
        entries.sort(key=lambda entry: entry[0], reverse=True)
        versions = [str(version) for version, _ in entries]
        shown = ", ".join(versions[:4]) + (f" and {len(versions) - 4} more" if len(versions) > 4 else "")
        warnings.append(
            {
                "kind": "metadata_unavailable",
                "severity": "warning",
                "package": name,
                "versions": versions,
                "version": versions[0],
                "filename": entries[0][1].filename,
                "message": f"{name} {shown} left out: {entries[0][1].message}",
            }
        )
    return warnings


def _distribution(candidate: Candidate) -> dict[str, Any]:
    file = candidate.file
    assert file is not None
    return {
        "version": str(candidate.version),
        "filename": file.filename,
        "url": redact(file.url),
        "sha256": file.sha256,
        "kind": file.kind,
        "upload_time": file.upload_time,
    }


def _heartbeat(on_progress: Progress, report: Report, index: IndexClient) -> None:
    """Progress while the analyses run: the resolution's figures again, as a sign of life."""
    packages = len(report["graph"]["nodes"]) - 1 if report["graph"]["nodes"] else 0
    on_progress({"rounds": report["stats"]["rounds"], "packages": packages, "requests": index.stats.requests})


def _finish_stats(report: Report, recorder: Recorder) -> None:
    report["stats"]["rounds"] = recorder.rounds
    report["stats"]["backtracks"] = recorder.backtracks


def _error_diagnosis(error: ResolverError) -> dict[str, Any]:
    if isinstance(error, IndexAccessError):
        from resolver.analysis.explain import index_error_diagnosis

        return index_error_diagnosis(error)
    if isinstance(error, MetadataUnavailable):
        return {
            "kind": "metadata_unavailable",
            "package": error.package,
            "message": error.message,
            "version": error.version,
            "filename": error.filename,
        }
    if isinstance(error, LimitReached):
        return {"kind": "limit", "package": None, "message": error.message, "limit": error.limit}
    return {"kind": error.code.replace("-", "_"), "package": None, "message": error.message}
