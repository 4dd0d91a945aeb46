"""Ranking proven fixes by how little they disturb, and describing each truthfully.

A user whose deploy failed wants the change that keeps their major versions, then the fewest
lines, then the smallest version moves. A major move of a package others depend on (the
framework) weighs more than one of a leaf (a plugin): moving Django drags every plugin with it,
while pinning an older plugin leaves the rest alone. A "loosen" that excludes the old version is
described as the upgrade or downgrade it is, with the jump it makes. Fixes that give the same pins
are kept but point at the better one (`same_as`), so a page can show one and list the others.
"""

from __future__ import annotations

from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver.analysis.edits import Line
from resolver.output.report import Fix

_KIND_ORDER = {"parent_version": 0, "loosen_pin": 1, "drop_line": 2, "python_version": 3}


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _move(package: str, old: str, new: str) -> dict[str, Any]:
    """One pin's move: direction, size ('major', 'minor', 'patch') and a line for people."""
    before, after = Version(old), Version(new)
    size = "major" if before.major != after.major else "minor" if before.minor != after.minor else "patch"
    a, b = (_series(old), _series(new)) if size != "patch" else (old, new)
    direction = "upgrade" if after > before else "downgrade"
    distance = abs(after.major - before.major) * 1000 + (abs(after.minor - before.minor) if size != "major" else 0)
    return {
        "package": package,
        "from_version": old,
        "to_version": new,
        "size": size,
        "direction": direction,
        "distance": distance,
        "jump": f"{package} {a} \N{RIGHTWARDS ARROW} {b}, {size}",
    }


def _describe(
    fix: Fix,
    heading: dict[str, str | None],
    direct: set[str],
    by_origin: dict[Line, Any],
    depended: frozenset[str] | set[str] = frozenset(),
) -> tuple[int, ...]:
    """Add `direction`, `jump`, `moves`, `keeps_majors` and `headline`; return the fix's disturbance."""
    changes = fix["pin_changes"]
    moves = [
        _move(name, old, new)
        for name, (old, new) in changes.items()
        if name in direct and old and new and old != new and _comparable(old, new)
    ]
    removed = [name for name, (old, new) in changes.items() if name in direct and old and not new]
    item = by_origin.get((fix["line"]["file"], fix["line"]["line"])) if fix["line"] else None
    subject = item.name if item is not None else None
    if fix["kind"] == "drop_line" and subject and subject not in fix["pins"] and subject not in removed:
        removed.append(subject)  # the failed run may not have pinned it, but the user loses it
    if item is not None and subject is not None and subject not in heading and fix["pins"].get(subject):
        moves += _from_bounds(subject, item.requirement.specifier, fix["pins"][subject])
    own = next((m for m in moves if m["package"] == subject), None) or (moves[0] if moves else None)
    where = f" ({fix['line']['file']}:{fix['line']['line']})" if fix["line"] else ""
    new_text = _changed_line(fix)
    if fix["kind"] == "python_version":
        direction, headline = "python", fix["title"]
    elif fix["kind"] == "drop_line":
        direction, headline = "drop", f"Drop {item.text if item else 'the line'}{where}"
    elif fix["kind"] == "loosen_pin" and item is not None and _still_allows(new_text, heading.get(item.name)):
        direction, headline = "loosen", f"Loosen {item.text} to {new_text}{where}"
    else:
        direction = own["direction"] if own else "change"
        verb = {"upgrade": "Upgrade", "downgrade": "Downgrade"}.get(direction, "Change")
        what = f"{own['jump']}" if own else (subject or "a line")
        how = f"{item.text} \N{RIGHTWARDS ARROW} {new_text}" if item is not None and new_text else (new_text or "")
        headline = f"{verb} {what}: {how}{where}" if how else f"{verb} {what}{where}"
    fix["direction"] = direction
    fix["jump"] = own["jump"] if own else None
    fix["moves"] = [{k: v for k, v in m.items() if k != "distance"} for m in moves]  # type: ignore[misc]  # the record without its sort key
    fix["keeps_majors"] = not removed and all(m["size"] != "major" for m in moves)
    fix["headline"] = headline
    majors = sum(1 for m in moves if m["size"] == "major") + len(removed) + (fix["kind"] == "python_version")
    lines = sum(1 for row in fix["diff"].splitlines() if row.startswith("-") and not row.startswith("---"))
    lines += sum(1 for row in fix["diff"].splitlines() if row.startswith("+") and not row.startswith("+++")) - lines
    distance = sum(m["distance"] for m in moves) + 10**6 * len(removed)  # a package gone is the largest move
    # A major move of a package others depend on drags them along: it outweighs any leaf's move.
    foundation = sum(1 for m in moves if m["size"] == "major" and m["package"] in depended)
    foundation += sum(1 for name in removed if name in depended)
    # A package the user asked for gone is worse still: whatever else moves, they keep what they chose.
    return (len(removed), foundation, majors, max(lines, 1), distance, _KIND_ORDER.get(fix["kind"], 9))


def _from_bounds(package: str, specifier: SpecifierSet, new: str) -> list[dict[str, Any]]:
    """The move from the bound the user's line set, when the failed run pinned nothing for it
    (django>=5.0 -> 4.1.13 moves down from 5.0)."""
    if not _comparable(new, new) or specifier.contains(new, prereleases=True):
        return []
    version = Version(new)
    lower = [
        Version(s.version)
        for s in specifier
        if s.operator in (">=", ">", "==", "~=") and _comparable(s.version, s.version)
    ]
    upper = [
        Version(s.version) for s in specifier if s.operator in ("<", "<=", "==") and _comparable(s.version, s.version)
    ]
    above = [v for v in lower if v > version]
    below = [v for v in upper if v < version]
    old = min(above) if above else max(below) if below else None
    return [_move(package, str(old), new)] if old is not None else []


def _comparable(old: str, new: str) -> bool:
    try:
        Version(old), Version(new)
    except ValueError:
        return False
    return True


def _changed_line(fix: Fix) -> str | None:
    """The added line of the fix's diff ('django>=4.2'), if exactly one."""
    added = [r[1:] for r in fix["diff"].splitlines() if r.startswith("+") and not r.startswith("+++")]
    return added[0].strip() if len(added) == 1 else None


def _still_allows(text: str | None, version: str | None) -> bool:
    """Whether the new line still accepts the version the failed run had: a true loosening."""
    if not text or not version:
        return False
    try:
        from resolver.input import parsing

        return parsing.requirement(text).specifier.contains(version, prereleases=True)
    except ValueError:
        return False


def rank_fixes(
    fixes: list[Fix],
    heading: dict[str, str | None],
    direct: set[str],
    by_origin: dict[Line, Any],
    depended: frozenset[str] | set[str] = frozenset(),
) -> list[Fix]:
    """The fixes least disturbing first, each with `rank` (1-based) and `same_as` for equivalents.

    `depended`: the packages some other resolved package depends on (in the failed run or a fix's)."""
    costs = [(_describe(fix, heading, direct, by_origin, depended), index) for index, fix in enumerate(fixes)]
    ordered = [fixes[index] for _, index in sorted(costs)]
    first: dict[tuple[object, ...], int] = {}
    for rank, fix in enumerate(ordered, 1):
        fix["rank"] = rank
        outcome = (tuple(sorted(fix["pins"].items())), fix.get("python_version"))
        fix["same_as"] = first.get(outcome)
        first.setdefault(outcome, rank)
    return ordered


def depended_on(report: Any) -> set[str]:
    """The packages that another package of the report's graph (not the input) depends on."""
    return {e["target"] for e in report.get("graph", {}).get("edges", []) if e["source"] != "<root>"}
