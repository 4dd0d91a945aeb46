"""Answers that rest on what a partial index (the bundled snapshot) lacks say so.

On the snapshot, "no project named X" may only mean the snapshot does not hold X, and "no version
matches" or a clash may only mean it left out the versions that would have matched: the real
index could resolve the same input. Such an answer is not a conflict but "cannot tell on the
snapshot" (status `error`), and the diagnosis says what is missing and how to ask a real index.
A clash that no left-out version could settle stays a conflict: what the snapshot holds is
real index data, closed under dependencies (`resolver.snapshot.closure`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from resolver.index.coverage import Coverage

if TYPE_CHECKING:
    from resolver.output.report import Conflict, Diagnosis, ParentVersion, Report

ASK_A_REAL_INDEX = "resolve against a real index to know (the index pip uses, --index-url or PIP_INDEX_URL)"


def mark_gaps(report: Report, coverage: Coverage | None) -> None:
    """Turn a failure that may be a gap of `coverage` into "cannot tell on the snapshot"."""
    if coverage is None:
        return
    report["input"]["index_coverage"] = coverage.label()
    if report["status"] != "conflict":
        return
    specifiers = _specifiers(report)
    found = False
    for diagnosis in report["diagnoses"]:
        package = diagnosis.get("package")
        if diagnosis["kind"] in ("not_found", "no_compatible_distribution") and package:
            found |= _mark(diagnosis, _gap(coverage, package, _constraints(diagnosis), specifiers))
    for conflict in report["conflicts"]:
        found |= _mark(conflict, _conflict_gap(coverage, conflict, specifiers))
    if found:
        report["status"] = "error"
        report["gaps"] = {
            "index": coverage.label(),
            "message": "Cannot tell on the bundled snapshot: the answer rests on what it does not hold; "
            f"{ASK_A_REAL_INDEX}.",
        }


def mark_unproven(report: Report, coverage: Coverage | None) -> None:
    """A "no single change fixes this" that some candidate could not be judged on is unproven."""
    if coverage is None:
        return
    for conflict in report["conflicts"]:
        if conflict.get("fix_undecided"):
            conflict["fix_proof"] = {
                "proven": False,
                "reason": f"{conflict['fix_undecided']} of the changes tried could not be judged on the bundled "
                f"snapshot (they need projects or versions it does not hold); {ASK_A_REAL_INDEX}",
            }


def _mark(item: Diagnosis | Conflict, reason: str | None) -> bool:
    if reason is None:
        return False
    item["gap"] = reason
    item.setdefault("index_message", item.get("message"))
    if "message" in item:
        item["message"] = reason
    return True


def _constraints(item: Diagnosis | Conflict) -> list[str]:
    return [c["specifier"] for c in item.get("constraints", []) if c.get("kind") != "requires_python"]


def _specifiers(report: Report) -> dict[str, list[str]]:
    """Every specifier the explored graph puts on each package (the user's lines included)."""
    found: dict[str, list[str]] = {}
    for edge in report["graph"].get("edges", []):
        found.setdefault(edge["target"], []).append(edge.get("specifier") or "")
    return found


def _gap(coverage: Coverage, package: str, constraints: list[str], specifiers: dict[str, list[str]]) -> str | None:
    if not coverage.holds(package):
        return (
            f"{package} is not in the bundled snapshot ({coverage.label()}); the real index may have it: "
            f"{ASK_A_REAL_INDEX}"
        )
    left_out = coverage.dropped_matching(package, constraints or specifiers.get(package, []))
    if not left_out:
        return None
    shown = ", ".join(left_out[:3]) + (f" and {len(left_out) - 3} more" if len(left_out) > 3 else "")
    return (
        f"No version of {package} in the bundled snapshot meets {' and '.join(constraints) or 'the requirement'}, "
        f"but the snapshot left out versions that do ({shown}); {ASK_A_REAL_INDEX}"
    )


def _conflict_gap(coverage: Coverage, conflict: Conflict, specifiers: dict[str, list[str]]) -> str | None:
    """A left-out version of the clashing package meeting every side; or left-out older versions
    of a culprit parent whose kept versions ask for less and less of the clashing package as
    they get older, moving towards what the other side needs (so an older one may well fit)."""
    reason = _gap(coverage, conflict["package"], _constraints(conflict), specifiers)
    if reason:
        return reason
    for constraint in conflict.get("constraints", []):
        parent = (constraint.get("parent") or "").split("==")[0]
        left_out = coverage.dropped_matching(parent, specifiers.get(parent, [])) if parent else []
        others = [c["specifier"] for c in conflict["constraints"] if c is not constraint]
        if left_out and _towards(constraint.get("parent_versions", []), others):
            return (
                f"The bundled snapshot left out older versions of {parent} ({', '.join(left_out[:3])}"
                f"{' …' if len(left_out) > 3 else ''}); the older its versions, the closer what they ask of "
                f"{conflict['package']} comes to what the other side needs, so one of those may fit; {ASK_A_REAL_INDEX}"
            )
    return None


def _bounds(text: str) -> tuple[Version | None, Version | None]:
    """The lowest version a specifier admits from below and the bound above it, as far as known."""
    low = high = None
    try:
        specifiers = list(SpecifierSet(text))
    except InvalidSpecifier:
        return None, None
    for spec in specifiers:
        try:
            version = Version(spec.version.rstrip(".*"))
        except InvalidVersion:
            continue
        if spec.operator in (">=", ">", "==", "~=", "==="):
            low = version if low is None else max(low, version)
        if spec.operator in ("<", "<=", "=="):
            high = version if high is None else min(high, version)
    return low, high


def _towards(tried: list[ParentVersion], others: list[str]) -> bool:
    """Whether, from the newest to the oldest parent version tried, its specifier moves towards
    the other side's: its lower bound falls when the other side lies below, its upper bound
    rises when the other side lies above."""
    if len(tried) < 2 or not others:
        return False
    newest, oldest = _bounds(tried[0]["specifier"] or ""), _bounds(tried[-1]["specifier"] or "")
    other_low = max((b for b in (_bounds(o)[0] for o in others) if b), default=None)
    other_high = min((b for b in (_bounds(o)[1] for o in others) if b), default=None)
    if newest[0] and other_high is not None and other_high <= newest[0]:
        return oldest[0] is None or oldest[0] < newest[0]
    if newest[1] and other_low is not None and other_low >= newest[1]:
        return oldest[1] is None or oldest[1] > newest[1]
    return False
