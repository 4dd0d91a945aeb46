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

from resolver.analysis import AnalysisLimits, analyse_failure
from resolver.environment import Target
from resolver.errors import (
    IndexAccessError,
    InputError,
    LimitReached,
    MetadataUnavailable,
    ResolverError,
)
from resolver.exclude import ExcludeNewer, to_iso
from resolver.graph import Progress, Recorder, explored_graph, success_graph, to_node_link
from resolver.index import IndexClient
from resolver.provider import Provider, user_order
from resolver.report import SCHEMA_VERSION, Report
from resolver.reqfile import InputRequirement, ParsedInput, parse
from resolver.requirements import PYTHON, Candidate, Req
from resolver.setaside import SetAsideProvider
from resolver.urls import redact


@dataclass(frozen=True)
class Limits:
    """Bounds on one resolution; reaching one is a reported outcome (`limit`), not a crash."""

    max_rounds: int = 20000
    max_seconds: float = 300.0


IndexFactory = Callable[[list[str]], IndexClient]

# The bounds of a resolution with versions of unknown metadata tried as dependency-free: with
# every old sdist a candidate again, backtracking can take far longer than the first attempt did.
OPTIMISTIC_ROUNDS = 1000
OPTIMISTIC_SECONDS = 10.0


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
    `analyse` is set, `resolver.analysis` adds every independent conflict, the minimal lines,
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
    options["urls"] = urls = _url_lines(parsed, drop_lines)
    if set_aside:
        options["set_aside"] = set_aside

    def attempt(optimistic: bool | frozenset[str], rounds: int, seconds: float) -> tuple[Provider, Recorder, Any]:
        kind = SetAsideProvider if set_aside else Provider
        provider = kind(index, target, optimistic=optimistic, **options)  # type: ignore[arg-type]
        provider.prefetch(roots)
        recorder = Recorder(max_seconds=seconds, on_progress=on_progress, requests=lambda: index.stats.requests)
        attempts.append(recorder)
        try:
            return provider, recorder, Resolver(provider, recorder).resolve(roots, max_rounds=rounds)
        except ResolutionImpossible as impossible:
            return provider, recorder, impossible
        except ResolutionTooDeep:
            raise LimitReached(f"resolution stopped after {rounds} rounds", limit="rounds", value=rounds) from None
        finally:
            _finish_stats(report, attempts)

    def assuming(optimistic: bool | frozenset[str]) -> tuple[Provider, Recorder, Any] | None:
        """An attempt with versions of unknown metadata taken as dependency-free, in a smaller budget:
        those versions multiply the paths to backtrack through. None when it ran out."""
        rounds = min(limits.max_rounds, OPTIMISTIC_ROUNDS)
        try:
            return attempt(optimistic, rounds, min(limits.max_seconds, OPTIMISTIC_SECONDS))
        except LimitReached:
            return None

    attempts: list[Recorder] = []
    # First as pip would, a version whose dependencies need a build set aside. If that fails, and
    # such versions were met, again with each tried as if it had no dependencies: more could only
    # add constraints, so a failure then is certain, and a success rests on that assumption alone.
    provider, recorder, outcome = attempt(False, limits.max_rounds, limits.max_seconds)
    if isinstance(outcome, ResolutionImpossible) and provider.unavailable:
        cautious = (provider, recorder, outcome)
        found = assuming(True)
        if found is None:
            _undecided(report, roots, *cautious)
            return
        provider, recorder, outcome = found
        assumed = [] if isinstance(outcome, ResolutionImpossible) else provider.assumed(outcome.mapping.values())
        # Name only the packages whose unknown versions the success needs: each is tried left out.
        for name in sorted({candidate.name for candidate in assumed}):
            again = assuming(frozenset(c.name for c in assumed) - {name})
            if again is not None and not isinstance(again[2], ResolutionImpossible):
                provider, recorder, outcome = again
                assumed = provider.assumed(outcome.mapping.values())
        if assumed:
            _cannot_tell(report, roots, *cautious, assumed, provider)
            return
    if isinstance(outcome, ResolutionImpossible):
        _conflict(report, roots, provider, recorder, outcome)
        return
    result = outcome
    pins = {
        c.name: str(c.version)
        for identifier, c in result.mapping.items()
        if identifier != PYTHON and isinstance(c, Candidate)
    }
    report["status"] = "resolved"
    report["pins"] = dict(sorted(pins.items()))
    report["graph"] = to_node_link(success_graph(result))
    report["distributions"] = {
        c.name: _distribution(c) | ({"kind": "url", "url": redact(urls[c.name][1])} if c.name in urls else {})
        for identifier, c in sorted(result.mapping.items())
        if isinstance(c, Candidate) and not c.extras
    }
    report["diagnoses"].extend(_set_aside(provider))
    report["diagnoses"].extend(_url_warnings(parsed, urls, pins))
    if provider.skipped_dependencies:
        report["diagnoses"].extend(
            {"kind": "invalid_metadata", "package": parent.split("==")[0], "message": f"{parent}: {reason}"}
            for parent, _text, reason in provider.skipped_dependencies
        )


def _conflict(report: Report, roots: list[Req], provider: Provider, recorder: Recorder, impossible: Any) -> None:
    """A certain failure: the clashes hold whatever the versions of unknown metadata depend on."""
    from resolver.explain import Explainer  # networkx: only a failure needs it, not the CLI's start-up

    graph = explored_graph(recorder, roots)
    conflicts, diagnoses = Explainer(provider, recorder, graph, roots).explain(list(impossible.causes))
    for conflict in conflicts:
        conflict["certain"] = True
    report["status"] = "conflict"
    report["conflicts"] = conflicts
    report["diagnoses"] = diagnoses + _set_aside(provider)
    report["graph"] = to_node_link(graph)


def _undecided(report: Report, roots: list[Req], provider: Provider, recorder: Recorder, impossible: Any) -> None:
    """The failure without the versions of unknown metadata, when trying them did not finish.

    Unproven either way; as before that check existed, the verdict is "cannot tell" when a version
    set aside belongs to the clashing package or to a culprit (it might settle the clash).
    """
    _conflict(report, roots, provider, recorder, impossible)
    involved = {c["package"] for c in report["conflicts"]} | {
        k["parent"].split("==")[0] for c in report["conflicts"] for k in c["constraints"] if k.get("parent")
    }
    for conflict in report["conflicts"]:
        conflict["certain"] = False
    for warning in report["diagnoses"]:
        if warning["kind"] == "metadata_unavailable" and warning.get("package") in involved and "severity" in warning:
            del warning["severity"]
            warning["message"] += (
                "; one of these versions might settle the clash, so whether the input resolves "
                "cannot be told without building them"
            )
    if any(d["kind"] == "metadata_unavailable" and "severity" not in d for d in report["diagnoses"]):
        report["status"] = "error"


def _cannot_tell(
    report: Report,
    roots: list[Req],
    provider: Provider,
    recorder: Recorder,
    impossible: Any,
    assumed: list[Candidate],
    optimistic: Provider,
) -> None:
    """The input resolves only if `assumed` (pins whose metadata needs a build) bring nothing that
    clashes: pip, which builds them, may resolve it or not. The clashes met without them are
    shown, as uncertain, with exactly those versions named as what the answer depends on.
    """
    from resolver.explain import Explainer

    graph = explored_graph(recorder, roots)
    explainer = Explainer(provider, recorder, graph, roots)
    conflicts, diagnoses = explainer.explain(list(impossible.causes))
    for conflict in conflicts:
        conflict["certain"] = False
    by_package: dict[str, list[Candidate]] = {}
    for candidate in assumed:
        by_package.setdefault(candidate.name, []).append(candidate)
    undecided = []
    for name, candidates in sorted(by_package.items()):
        error = optimistic.unavailable[(name, candidates[0].version)]
        versions = [str(c.version) for c in candidates]
        undecided.append(
            {
                "kind": "metadata_unavailable",
                "package": name,
                "versions": versions,
                "version": versions[0],
                "filename": error.filename,
                "constraints": explainer.input_constraints(name) or explainer.reached_through(name),
                "message": (
                    f"the input resolves only if {name} {', '.join(versions)} needs nothing that clashes, "
                    f"which only its build can tell (pip would build it): {error.message}"
                ),
            }
        )
    report["status"] = "error"
    report["conflicts"] = conflicts
    report["diagnoses"] = undecided + [d for d in diagnoses if d["kind"] != "metadata_unavailable"]
    report["diagnoses"] += _set_aside(optimistic, exclude={c.name for c in assumed})
    report["graph"] = to_node_link(graph)


def _set_aside(provider: Provider, exclude: frozenset[str] | set[str] = frozenset()) -> list[dict[str, Any]]:
    """Versions left out because their metadata could not be read (pip might have built them), or
    with `provider.optimistic`, tried as if they had no dependencies.

    One warning per package, newest version first, with the reason of the newest.
    """
    by_package: dict[str, list[tuple[Version, MetadataUnavailable]]] = {}
    for (name, version), error in provider.unavailable.items():
        if name in exclude:
            continue
        by_package.setdefault(name, []).append((version, error))
    warnings = []
    for name, entries in sorted(by_package.items()):
        done = "tried as if without dependencies" if provider.assumes(name) else "left out"
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
                "message": f"{name} {shown} {done}: {entries[0][1].message}",
            }
        )
    return warnings


def _url_lines(parsed: ParsedInput, dropped: frozenset[tuple[str, int]]) -> dict[str, tuple[Version, str]]:
    """The packages given as a URL line: the version the line declares, at that URL."""
    found = {}
    for line in parsed.requirements:
        if line.url and (line.origin.file, line.origin.line) not in dropped:
            [pin] = [spec for spec in line.requirement.specifier if spec.operator == "=="]
            found.setdefault(line.name, (Version(pin.version), line.url))
    return found


def _url_warnings(parsed: ParsedInput, urls: dict[str, tuple[Version, str]], pins: dict[str, str]) -> list[Any]:
    """A URL line is taken as the archive the user asked for, but what it needs is not read (only its
    build would tell): the resolution holds if it needs nothing that clashes. Said, not hidden."""
    warnings = []
    for line in parsed.requirements:
        if line.url and line.name in pins and urls.get(line.name, (None, None))[1] == line.url:
            source = {"file": line.origin.file, "line": line.origin.line}
            warnings.append(
                {
                    "kind": "url_dependencies_unknown",
                    "severity": "warning",
                    "package": line.name,
                    "version": pins[line.name],
                    "url": redact(line.url),
                    "constraints": [
                        {
                            "specifier": f"=={pins[line.name]}",
                            "parent": None,
                            "source": source,
                            "path": [f"{line.origin}"],
                            "kind": "requirement",
                            "text": line.text,
                        }
                    ],
                    "message": (
                        f"{line.name} {pins[line.name]} is taken from the URL on {line.origin} as given, "
                        "without reading its dependencies (only its build would tell): these pins hold "
                        "if it needs nothing that clashes with them"
                    ),
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


def _finish_stats(report: Report, recorders: list[Recorder]) -> None:
    report["stats"]["rounds"] = sum(recorder.rounds for recorder in recorders)
    report["stats"]["backtracks"] = sum(recorder.backtracks for recorder in recorders)


def _error_diagnosis(error: ResolverError) -> dict[str, Any]:
    if isinstance(error, IndexAccessError):
        from resolver.explain import index_error_diagnosis

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
