"""The answer a failed report opens with: what clashes, in one sentence per conflict, and what to change.

A developer whose deploy failed reads the top of the page and stops: so it says in plain words
which of their lines clash with which parent's requirement (each parent version's own requirement,
grouped into ranges as uv does, never a merged specifier that no version asks for), then the one
or two least disturbing proven fixes. Everything else on the page is detail below it.
"""

from __future__ import annotations

from contextlib import suppress
from itertools import pairwise
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from resolver.output.ranges import version_ranges

# Diagnosis kinds in words; the enum names stay in the JSON report only.
KIND_WORDS = {
    "conflict": "Conflict",
    "not_found": "Not on the index",
    "metadata_unavailable": "Cannot be sure",
    "invalid_metadata": "Broken metadata",
    "no_compatible_distribution": "Nothing installs here",
    "requires_python": "Needs another Python",
    "bad_input": "Bad input",
    "index_error": "Index error",
    "limit": "Limit reached",
    "exclude_newer": "Left out by date",
    "gap": "Not in the snapshot",  # a problem that may be only the bundled snapshot's gap
}
TOP_FIXES = 2  # fixes shown in the answer when there is one conflict; one each when there are several
RANGES_IN_SENTENCE = 3


def kind_words(kind: str | None) -> str:
    return KIND_WORDS.get(kind or "", (kind or "problem").replace("_", " ").capitalize())


def _where(source: dict[str, Any] | None, single_file: bool) -> str:
    if not source:
        return ""
    return f"on line {source['line']}" if single_file else f"in {source['file']}:{source['line']}"


def _asks(package: str, specifier: str | None, many: bool) -> str:
    if specifier is None:
        return "do not depend on it" if many else "does not depend on it"
    return f"{'ask' if many else 'asks'} for {package}{specifier or ' (any version)'}"


def _parent_part(package: str, constraint: dict[str, Any], yours: SpecifierSet | None = None) -> str:
    name, _, version = (constraint.get("parent") or "").partition("==")
    groups = version_ranges(constraint.get("parent_versions") or [])
    if not groups:
        return f"{name} {version} {_asks(package, constraint.get('specifier'), False)}".replace("  ", " ")
    excluded = _all_excluded(package, name, constraint.get("parent_versions") or [], yours)
    if excluded and len(groups) > 1:
        return excluded
    rising = _rising_lower_bounds(groups)
    if rising and len(groups) > 1:  # each newer range asks for more: say the least of it
        return f"{name} {groups[0]['first']} and later need {package}{groups[0]['specifier']} or newer"
    shown = groups[:RANGES_IN_SENTENCE]
    first = shown[0]
    parts = [f"{name} {first['label']} {_asks(package, first['specifier'], first['count'] > 1)}"]
    parts += [f"{g['label']} {_asks(package, g['specifier'], g['count'] > 1)}" for g in shown[1:]]
    more = len(groups) - len(shown)
    return ", ".join(parts) + (f" (and {more} more range{'s' if more != 1 else ''})" if more > 0 else "")


def _lower_bound(specifier: str | None) -> Version | None:
    try:
        bounds = [Version(s.version) for s in SpecifierSet(specifier or "") if s.operator in (">=", ">", "~=", "==")]
    except (InvalidSpecifier, InvalidVersion):
        return None
    return max(bounds, default=None)


def _all_excluded(package: str, name: str, entries: list[dict[str, Any]], yours: SpecifierSet | None) -> str | None:
    """One range with the weakest requirement, when the user's line rules out what every version asks.

    celery 5.3.0 ... 5.7.0 ask for kombu>=5.3.0 ... >=5.7.0 (a newer one for a newer one) and the
    user asks for kombu<5: the ranges differ, but not in a way that matters to the user, as uv says
    "celery>=5.3.0 depends on kombu>=5.3.0"."""
    if not yours or not entries:
        return None
    bounds = [_lower_bound(entry.get("specifier")) for entry in entries]
    if any(bound is None for bound in bounds):
        return None
    weakest = min(b for b in bounds if b is not None)
    uppers = [Version(s.version) for s in yours if s.operator in ("<", "<=", "==", "~=")]
    if yours.contains(weakest, prereleases=True) or not any(upper <= weakest for upper in uppers):
        return None  # some version the user allows might meet one of them: the ranges matter
    oldest, newest = entries[-1], entries[0]
    rising = all(newer >= older for newer, older in pairwise(bounds))  # type: ignore[operator]
    sentence = f"{name} {oldest['version']} and later need {package}>={weakest} or newer"
    if rising and len(set(bounds)) > 1:  # say how it grows, with the newest version's own requirement
        needs = f"{newest['version']} needs {package}{newest['specifier']}"
        sentence += f" (a newer {name} asks for a newer {package}: {needs})"
    return sentence


def _rising_lower_bounds(groups: list[dict[str, Any]]) -> bool:
    """Each range (oldest first) asks only for a lower bound, higher than the one before."""
    bounds = []
    for group in groups:
        spec = group["specifier"] or ""
        if "," in spec or not spec.startswith((">=", ">")) or spec.startswith(">=="):
            return False
        try:
            bounds.append(Version(spec.lstrip(">=")))
        except InvalidVersion:
            return False
    return all(a < b for a, b in pairwise(bounds))


def conflict_sentence(conflict: dict[str, Any], single_file: bool) -> str:
    """'djangorestframework 3.12.0-3.13.1 ask for django>=2.2, 3.14.0-3.15.1 ask for django>=3.0, …;
    you pin django==1.11.29 on line 2.'"""
    package = conflict.get("package", "")
    parents, yours = [], []
    asked = SpecifierSet()  # what the user's own lines allow of the package
    for constraint in conflict.get("constraints", []):
        if not constraint.get("parent"):
            with suppress(InvalidSpecifier):
                asked &= SpecifierSet(constraint.get("specifier") or "")
    for constraint in conflict.get("constraints", []):
        if constraint.get("parent"):
            parents.append(_parent_part(package, constraint, asked if str(asked) else None))
            continue
        text = constraint.get("text") or f"{package}{constraint.get('specifier') or ''}"
        verb = "pin" if "==" in (constraint.get("specifier") or "") else "ask for"
        own = "your constraint" if constraint.get("kind") == "constraint" else "you"
        phrase = f"{own} {verb} {text}" if own == "you" else f"{own} {text}"
        yours.append(" ".join(filter(None, [phrase, _where(constraint.get("source"), single_file)])))
    if not parents and not yours:
        return conflict.get("message", "")
    return "; ".join(parents + yours) + "."


def _best(fixes: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The least disturbing fixes (the engine ranks them); an equivalent of a shown one is skipped."""
    return [fix for fix in fixes if not fix.get("same_as")][:count]


def answer(conflicts: list[dict[str, Any]], problems: list[dict[str, Any]], files: dict[str, str]) -> dict[str, Any]:
    """The top of a failed report: one sentence and the best fixes per conflict or problem."""
    single = len(files) <= 1
    items = []
    for conflict in conflicts:
        items.append(
            {"package": conflict["package"], "sentence": conflict_sentence(conflict, single), "kind": "conflict"}
        )
    for problem in problems:
        items.append(
            {
                "package": problem.get("package"),
                "sentence": problem.get("message", ""),
                "kind": problem.get("kind"),
                "gap": problem.get("gap"),
            }
        )
    per_item = TOP_FIXES if len(items) == 1 else 1
    for item, problem in zip(items, [*conflicts, *problems], strict=True):
        item["kind_words"] = kind_words("gap" if item.get("gap") else item["kind"])
        item["fixes"] = _best(problem.get("fix_list") or [], per_item)
        item["more_fixes"] = max(0, len(_best(problem.get("fix_list") or [], 99)) - len(item["fixes"]))
        item["anchor"] = problem.get("anchor")
        item["fix_status"] = problem.get("fix_status")
    noun = "conflicts" if all(item["kind"] == "conflict" for item in items) else "problems"
    return {"items": items, "several": len(items) > 1, "noun": noun}
