"""resolve(files, index, target, limits) -> the JSON report v1. No resolvelib error escapes.

The one entry point for the CLI, the Celery task and the benchmarks. Expected failures (bad
input, index errors, limits, unreadable metadata) become a report with status "error" and a
diagnosis; an unresolvable input becomes status "conflict" with the explanation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from resolvelib import ResolutionImpossible, ResolutionTooDeep, Resolver

from resolver.analysis import verdicts
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
from resolver.input.formats import DEFAULT as DEFAULT_FORMATS
from resolver.input.formats import FormatControl
from resolver.input.reqfile import InputRequirement, ParsedInput, parse
from resolver.limits import Limits
from resolver.output.outcome import SCHEMA_VERSION
from resolver.resolution.graph import Progress, Recorder, success_graph, to_node_link
from resolver.resolution.order import user_order
from resolver.resolution.provider import Provider
from resolver.resolution.requirements import PYTHON, Candidate, Req
from resolver.resolution.setaside import SetAsideProvider
from resolver.resolution.urllines import url_lines, url_warnings

if TYPE_CHECKING:
    from resolver.output.report import Diagnosis, Distribution, IndexOption, Report, RequirementLine, SourceLine

IndexFactory = Callable[[list[str]], IndexClient]

# The bounds of a resolution with versions of unknown metadata tried as dependency-free: with
# every old sdist a candidate again, backtracking can take far longer than the first attempt did.
OPTIMISTIC_ROUNDS = 1000
OPTIMISTIC_SECONDS = 10.0

# Why an index option of the input did not change where packages were read from.
NOT_HONOURED = {
    "--find-links": "only indexes (PEP 503/691 pages) are read, never a directory or page of files to search",
    "--no-index": "packages are always read from an index; pip would read only --find-links places instead",
}
NO_INPUT_INDEX = "index URLs in the input are not used here: the index is the one chosen for this run"


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


def _describe(line: InputRequirement) -> RequirementLine:
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
            "python_version": target.python_version,
            "platform": target.platform,
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
    formats: FormatControl = DEFAULT_FORMATS,
    on_verdict: Callable[[Report], None] | None = None,
    explain: bool = True,
    preferences: Mapping[str, int] | None = None,
    should_stop: Callable[[], bool] | None = None,
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
    `formats` is the caller's `--only-binary`/`--no-binary`; the files' own lines add to it.
    `on_verdict` gets the report of a failed resolution before the analyses start (they can take
    seconds), so a caller can show the verdict and its conflicts meanwhile.
    `explain=False` is for the analyses' yes/no questions: a certain failure then gives its status
    alone, without the conflicts and graph that explaining costs. `preferences` (identifier ->
    rank, lower first) are packages an earlier resolution of the same input found clashing: they
    are decided first, so a failure shows at once; the answer is the same, only found sooner.
    `should_stop` is asked before each of the analyses' re-resolutions (a user's Stop button):
    once it answers True they end and the report keeps what they proved.
    """
    limits = limits or Limits()
    started = time.monotonic()
    report = _empty_report(files, target, index_name)
    report["input"] = {**report["input"], **formats.to_dict()}
    try:
        parsed = parse(files, roots, formats)
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
    # the effective sets, as pip's FormatControl holds them
    report["input"] = {**report["input"], **parsed.formats.to_dict()}
    report["input"]["format_options"] = [
        {"option": o.option, "value": o.value, "file": o.origin.file, "line": o.origin.line}
        for o in parsed.format_options
    ]
    index = chosen = _choose_index(parsed, index, input_index, report)
    if exclude_newer is not None:
        index = ExcludeNewer(chosen, exclude_newer)  # type: ignore[assignment]  # a wrapper with the client's interface, not a subclass
        report["input"]["exclude_newer"] = to_iso(exclude_newer)
    try:
        run = partial(_run, explain=explain, preferences=preferences)
        run(parsed, index, target, pre or parsed.pre, limits, on_progress, report, set_aside, drop_lines, started)
    except ResolverError as error:
        report["status"] = "error"
        report["diagnoses"].append(_error_diagnosis(error))
    finally:
        report["stats"]["duration_ms"] = int((time.monotonic() - started) * 1000)
        report["stats"]["requests"] = index.stats.requests
        report["stats"]["cache_hits"] = index.stats.cache_hits
        if isinstance(index, ExcludeNewer):
            report["diagnoses"].extend(index.diagnoses())  # type: ignore[arg-type]  # Diagnosis-shaped; resolver.index may not import the report
    coverage = coverage_of(getattr(chosen, "index_urls", []))
    mark_gaps(report, coverage)
    if analyse and report["status"] == "conflict":
        if on_verdict is not None:
            on_verdict(report)
        rerun = partial(
            resolve,
            index=chosen,
            target=target,
            index_name=index_name,
            roots=roots,
            pre=pre,
            exclude_newer=exclude_newer,
            analyse=False,
            formats=formats,
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
            should_stop=should_stop,
        )
        mark_unproven(report, coverage)
    return report


def _choose_index(
    parsed: ParsedInput, index: IndexClient, input_index: IndexFactory | None, report: Report
) -> IndexClient:
    urls = [o.value for o in parsed.index_options if o.option in ("--index-url", "--extra-index-url") and o.value]
    honoured = bool(urls and input_index is not None)
    options: list[IndexOption] = [
        {
            "option": o.option,
            "value": redact(o.value) if o.value else None,
            "file": o.origin.file,
            "line": o.origin.line,
            "honoured": honoured and o.option in ("--index-url", "--extra-index-url"),
        }
        for o in parsed.index_options
    ]
    for option in options:
        if not option["honoured"]:
            option["reason"] = NOT_HONOURED.get(option["option"], NO_INPUT_INDEX)
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
    started: float | None = None,
    explain: bool = True,
    preferences: Mapping[str, int] | None = None,
) -> None:
    started = time.monotonic() if started is None else started
    roots: list[Req] = []
    skipped: list[SourceLine] = []
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
    options["urls"] = urls = url_lines(parsed, drop_lines)
    options["formats"] = parsed.formats
    if set_aside:
        options["set_aside"] = set_aside
    if preferences:
        options["preferences"] = preferences

    def attempt(optimistic: bool | frozenset[str], rounds: int, seconds: float) -> tuple[Provider, Recorder, Any]:
        kind = SetAsideProvider if set_aside else Provider
        provider = kind(index, target, optimistic=optimistic, **options)  # type: ignore[arg-type]  # options: mixed keyword values
        # The clock started before parsing: the first round (every input line's page) is bounded too,
        # and no attempt runs past the resolution's own wall (its time limit, or the worker's).
        begun = started if not attempts else time.monotonic()
        wall = min(limits.wall(started), begun + seconds)
        recorder = Recorder(
            max_seconds=seconds,
            on_progress=on_progress,
            requests=lambda: index.stats.requests,
            started=begun,
            wall=wall,
        )
        attempts.append(recorder)
        try:
            provider.prefetch(roots)
            return provider, recorder, Resolver(provider, recorder).resolve(roots, max_rounds=rounds)
        except ResolutionImpossible as impossible:
            return provider, recorder, impossible
        except ResolutionTooDeep:
            raise LimitReached(f"resolution stopped after {rounds} rounds", limit="rounds", value=rounds) from None
        except IndexAccessError as error:  # which line brought the package whose page failed
            from resolver.analysis.explain import place_index_error

            place_index_error(error, provider, recorder, roots)
            raise
        finally:
            provider.stop_prefetching()  # this attempt has its answer: nothing fetched ahead serves it now
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
            verdicts.undecided(report, roots, *cautious)
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
            verdicts.cannot_tell(report, roots, *cautious, assumed, provider)
            return
    if isinstance(outcome, ResolutionImpossible):
        verdicts.certain_conflict(report, roots, provider, recorder, outcome, explain=explain)
        return
    result = outcome
    pins: dict[str, str] = {
        c.name: str(c.version)
        for identifier, c in result.mapping.items()
        if identifier != PYTHON and isinstance(c, Candidate)
    }
    report["status"] = "resolved"
    report["pins"] = dict(sorted(pins.items()))
    report["graph"] = to_node_link(success_graph(result))
    report["distributions"] = {
        c.name: _distribution(c, provider.index, urls[c.name][1] if c.name in urls else None)
        for identifier, c in sorted(result.mapping.items())
        if isinstance(c, Candidate) and not c.extras
    }
    report["diagnoses"].extend(verdicts.set_aside_warnings(provider))
    report["diagnoses"].extend(url_warnings(parsed, urls, pins))
    if provider.skipped_dependencies:
        report["diagnoses"].extend(
            {"kind": "invalid_metadata", "package": parent.split("==")[0], "message": f"{parent}: {reason}"}
            for parent, _text, reason in provider.skipped_dependencies
        )


def _distribution(candidate: Candidate, index: IndexClient, url: str | None) -> Distribution:
    file = candidate.file
    assert file is not None
    if url is not None:  # a URL line: never fetched, so where its dependencies came from is nowhere
        source: str | None = None
    else:
        try:  # read already, to pin it: this is the client's memo
            source = index.metadata(file).source
        except (MetadataUnavailable, IndexAccessError):
            source = None
    found: Distribution = {
        "version": str(candidate.version),
        "filename": file.filename,
        "url": redact(file.url),
        "sha256": file.sha256,
        "kind": file.kind,
        "upload_time": file.upload_time,
        "metadata_source": source,  # where its dependencies were read: resolver.index.dists.MetadataSource
    }
    if url is not None:
        found |= {"kind": "url", "url": redact(url)}
    return found


def _heartbeat(on_progress: Progress, report: Report, index: IndexClient, phase: dict[str, Any]) -> None:
    """Progress while the analyses run: the resolution's figures again, as a sign of life, and
    the analyses' phase and budget used (`Budget.progress`)."""
    packages = len(report["graph"]["nodes"]) - 1 if report["graph"]["nodes"] else 0
    figures = {"rounds": report["stats"]["rounds"], "packages": packages, "requests": index.stats.requests}
    on_progress({**figures, **phase})


def _finish_stats(report: Report, recorders: list[Recorder]) -> None:
    report["stats"]["rounds"] = sum(recorder.rounds for recorder in recorders)
    report["stats"]["backtracks"] = sum(recorder.backtracks for recorder in recorders)


def _error_diagnosis(error: ResolverError) -> Diagnosis:
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
