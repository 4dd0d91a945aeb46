"""What a failed resolution's verdict is once versions of unknown metadata are taken into account.

A version whose dependencies only a build could tell is first set aside; when the input fails,
it is tried as if it had none. The outcomes: a certain conflict (it fails anyway), "cannot tell"
(it resolves only under that assumption, naming exactly those versions), or undecided (trying
did not finish). A version whose metadata is invalid is none of these: it is ignored, as pip
ignores it, and only warned about. The explainer (and networkx with it) is imported only when a
failure needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from resolver.errors import MetadataUnavailable
from resolver.resolution.graph import Recorder, explored_graph, to_node_link
from resolver.resolution.provider import Provider
from resolver.resolution.requirements import Candidate, Req

if TYPE_CHECKING:
    from resolver.output.report import Diagnosis, Report


def certain_conflict(
    report: Report, roots: list[Req], provider: Provider, recorder: Recorder, impossible: Any, explain: bool = True
) -> None:
    """A certain failure: the clashes hold whatever the versions of unknown metadata depend on.

    Without `explain` (a yes/no question of the analyses) only the status is set: explaining is
    a good part of a failed re-resolution's time, and nobody reads it.
    """
    if not explain:
        report["status"] = "conflict"
        return
    _drop_search_state(impossible)
    from resolver.analysis.explain import Explainer  # networkx: only a failure needs it, not the CLI's start-up

    graph = explored_graph(recorder, roots)
    conflicts, diagnoses = Explainer(provider, recorder, graph, roots).explain(list(impossible.causes))
    for conflict in conflicts:
        conflict["certain"] = True
    report["status"] = "conflict"
    report["conflicts"] = conflicts
    report["diagnoses"] = diagnoses + set_aside_warnings(provider)
    report["graph"] = to_node_link(graph)


def undecided(report: Report, roots: list[Req], provider: Provider, recorder: Recorder, impossible: Any) -> None:
    """The failure without the versions of unknown metadata, when trying them did not finish.

    Unproven either way; as before that check existed, the verdict is "cannot tell" when a version
    set aside belongs to the clashing package or to a culprit (it might settle the clash).
    """
    certain_conflict(report, roots, provider, recorder, impossible)
    involved = {c["package"] for c in report["conflicts"]} | {
        parent.split("==")[0] for c in report["conflicts"] for k in c["constraints"] if (parent := k.get("parent"))
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


def cannot_tell(
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
    _drop_search_state(impossible)
    from resolver.analysis.explain import Explainer

    graph = explored_graph(recorder, roots)
    explainer = Explainer(provider, recorder, graph, roots)
    conflicts, diagnoses = explainer.explain(list(impossible.causes))
    for conflict in conflicts:
        conflict["certain"] = False
    by_package: dict[str, list[Candidate]] = {}
    for candidate in assumed:
        by_package.setdefault(candidate.name, []).append(candidate)
    undecided: list[Diagnosis] = []
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
    report["diagnoses"] += set_aside_warnings(optimistic, exclude={c.name for c in assumed})
    report["graph"] = to_node_link(graph)


def _drop_search_state(impossible: BaseException) -> None:
    """Let go of resolvelib's search before the explanation imports networkx.

    The failure's traceback (and that of the error it was raised from) holds the resolver's frames,
    and with them its stack of states: every round's pins and criteria. Only the causes are read
    afterwards; freed before the import, that memory is reused by it instead of adding to the peak.
    """
    error: BaseException | None = impossible
    while error is not None and error.__traceback__ is not None:
        error.__traceback__ = None
        error = error.__cause__ or error.__context__


def set_aside_warnings(provider: Provider, exclude: frozenset[str] | set[str] = frozenset()) -> list[Diagnosis]:
    """Versions left out because their metadata could not be read (pip might have built them), or
    with `provider.optimistic`, tried as if they had no dependencies; then those ignored because
    their metadata is invalid (pip ignores them too).

    One warning per package and kind, newest version first, with the reason of the newest.
    """
    warnings = _warnings("metadata_unavailable", provider.unavailable, exclude, provider.assumes)
    return warnings + _warnings("invalid_metadata", provider.invalid, exclude, lambda _name: False)


def _warnings(
    kind: str,
    errors: Mapping[tuple[str, Version], MetadataUnavailable],
    exclude: frozenset[str] | set[str],
    assumes: Callable[[str], bool],
) -> list[Diagnosis]:
    by_package: dict[str, list[tuple[Version, MetadataUnavailable]]] = {}
    for (name, version), error in errors.items():
        if name in exclude:
            continue
        by_package.setdefault(name, []).append((version, error))
    warnings: list[Diagnosis] = []
    for name, entries in sorted(by_package.items()):
        if kind == "invalid_metadata":
            done = "ignored as pip does, for invalid metadata"
        else:
            done = "tried as if without dependencies" if assumes(name) else "left out"
        entries.sort(key=lambda entry: entry[0], reverse=True)
        versions = [str(version) for version, _ in entries]
        shown = ", ".join(versions[:4]) + (f" and {len(versions) - 4} more" if len(versions) > 4 else "")
        warnings.append(
            {
                "kind": kind,
                "severity": "warning",
                "package": name,
                "versions": versions,
                "version": versions[0],
                "filename": entries[0][1].filename,
                "message": f"{name} {shown} {done}: {entries[0][1].message}",
            }
        )
    return warnings
