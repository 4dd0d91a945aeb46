"""Proven fixes: candidate changes derived from each conflict, each re-resolved before it is offered.

Candidates: loosen or move the user's pin to what the other side accepts, drop a line, pin a
version of a parent whose requirement is compatible with the other constraints, or the nearest
target Python. Each is re-resolved with the other conflicts' packages set aside, so it is judged
on its own conflict; only those that resolve are offered. When none does, that is reported as
proven for the candidates tried ("no single change fixes this").

Proven fixes are then ranked by how little they disturb (a user whose deploy failed wants the
change that keeps their major versions, then the fewest lines, then the smallest version moves)
and described truthfully: a "loosen" that excludes the old version is an upgrade or a downgrade,
with the jump it makes. Fixes that give the same pins are kept but point at the better one
(`same_as`), so a page can show one and list the others as equivalent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver.analysis.budget import Budget
from resolver.analysis.edits import Line, diff, pin_parent, requirement_text, set_line
from resolver.analysis.matrix import MatrixPart, spec_of
from resolver.environment import PYTHON_VERSIONS, Target
from resolver.input.reqfile import InputRequirement, ParsedInput
from resolver.output.report import Conflict, Fix, PinMove, Report

# A candidate change: (kind, title, line changed or None, the input files with it, group). Changes
# of one group are alternatives (versions of one parent): once one resolves the rest are skipped.
Change = tuple[str, str, Line | None, dict[str, str], str | None]


class FixesPart(MatrixPart):
    """The fixes analysis, as a part of `Analyser`."""

    report: Report
    parsed: ParsedInput
    files: dict[str, str]
    target: Target
    budget: Budget
    lines: list[InputRequirement]
    by_origin: dict[Line, InputRequirement]
    heading: dict[str, str | None]
    _python_fixes: dict[frozenset[str], tuple[str, Report] | None]

    def _uninstallable(self) -> list[Any]:
        """Diagnoses of a package no version of which installs on the target (or needs another Python)."""
        return [
            d
            for d in self.report["diagnoses"]
            if d["kind"] == "no_compatible_distribution" and d.get("package") and d.get("severity") != "warning"
        ]

    def fixes(self, conflict: Any, candidates: Iterable[Change]) -> None:
        """Re-resolve each candidate change for one problem (a conflict, or a diagnosis) and keep those that resolve."""
        name = conflict["package"]
        problems = [*self.report["conflicts"], *self._uninstallable()]
        others = set(conflict.get("set_aside", [])) | {problem["package"] for problem in problems}
        # A missing project fails every candidate; only its own line can change that, so it is no
        # reason to reject a change that fixes this problem.
        others |= {p for d in self.report["diagnoses"] if d["kind"] == "not_found" and (p := d.get("package"))}
        aside = frozenset(others - {name})
        fixes: list[Fix] = []
        tried = 0
        seen: dict[tuple[tuple[str, str], ...], bool] = {}  # each change once, and whether it resolved
        settled: set[str] = set()  # groups (a parent's versions) with a fix already
        stopped = False
        undecided = self.budget.undecided
        for kind, title, line, files, group in candidates:
            key = tuple(sorted(files.items()))
            if group in settled:
                continue
            if key in seen:
                if seen[key] and group is not None:
                    settled.add(group)
                continue
            found = self.budget.resolve(files, set_aside=aside)
            if found is None:
                stopped = True
                break
            tried += 1
            seen[key] = found["status"] == "resolved"
            if seen[key]:
                fixes.append(self._fix(kind, title, line, files, found, aside))
                if group is not None:
                    settled.add(group)
        if not stopped:
            python = self._python_fix(aside)
            if python is not None:
                version, found = python
                title = f"Target Python {version} instead of {self.target.python_version}"
                fix = self._fix("python_version", title, None, self.files, found, aside)
                fix["python_version"] = version
                fixes.append(fix)
            stopped = python is None and self.budget.stopped is not None
            tried += 1
        undecided = self.budget.undecided - undecided
        fixes = rank_fixes(fixes, self.heading, {item.name for item in self.lines}, self.by_origin)
        conflict["fixes"] = fixes
        conflict["fix_candidates"] = tried
        conflict["fix_undecided"] = undecided
        conflict["fix_status"] = "found" if fixes else ("skipped" if stopped or undecided else "none")

    def _fix(
        self, kind: str, title: str, line: Line | None, files: dict[str, str], found: Report, aside: frozenset[str]
    ) -> Fix:
        """The fix's record: its diff, the pins it resolves to, and how they differ from the failed run's."""
        changed = {name: text for name, text in files.items() if self.files.get(name) != text}
        pins = dict(found["pins"])
        changes: dict[str, list[str | None]] = {}
        for package in sorted((set(pins) | set(self.heading)) - aside):
            old, new = self.heading.get(package), pins.get(package)
            if old != new:
                changes[package] = [old, new]
        return {
            "kind": kind,  # type: ignore[typeddict-item]  # one of Fix's kinds: a Change carries it as str
            "title": title,
            "line": {"file": line[0], "line": line[1]} if line else None,
            "diff": "".join(diff(name, self.files[name], text) for name, text in changed.items()),
            "files": changed,
            "pins": pins,
            "pin_changes": changes,
            "complete": not aside,
        }

    def _python_fix(self, aside: frozenset[str]) -> tuple[str, Report] | None:
        """The nearest target Python (newer first on a tie) for which the input resolves."""
        if aside in self._python_fixes:
            return self._python_fixes[aside]
        current = self.target.version_info[1]
        order = sorted(
            (v for v in PYTHON_VERSIONS if int(v.split(".")[1]) != current),
            key=lambda v: (abs(int(v.split(".")[1]) - current), -int(v.split(".")[1])),
        )
        answer = None
        for version in order:
            found = self.budget.resolve(self.files, target=Target(version, self.target.platform), set_aside=aside)
            if found is None:
                return None
            if found["status"] == "resolved":
                answer = (version, found)
                break
        self._python_fixes[aside] = answer
        return answer

    def _candidates(self, conflict: Conflict) -> Iterable[Change]:
        """Each candidate change for a conflict, cheapest first."""
        name = conflict["package"]
        constraints = conflict["constraints"]
        available = sorted(self._available(name), reverse=True)
        for index, constraint in enumerate(constraints):
            if constraint["parent"] is not None or not constraint["source"]:
                continue
            line = (constraint["source"]["file"], constraint["source"]["line"])
            item = self.by_origin.get(line)
            if item is None or item.url or item.editable or not constraint["specifier"]:
                continue
            others = [c["specifier"] for i, c in enumerate(constraints) if i != index]
            joint = SpecifierSet()
            for other in others:
                joint &= spec_of(other)
            merged = ",".join(dict.fromkeys(c for s in others for c in s.split(",") if c))
            accepted = [v for v in available if joint.contains(v, prereleases=True)]
            if merged:
                new = requirement_text(item, merged)
                yield (
                    "loosen_pin",
                    f"Loosen {item.text} to {new} ({line[0]}:{line[1]})",
                    line,
                    self._set_line(line, new),
                    None,
                )
            pin = [c for c in spec_of(constraint["specifier"]) if c.operator == "=="]
            if not pin:
                continue
            wanted = Version(pin[0].version.replace(".*", ""))
            some_parent = self._accepted_by_some_version(conflict, index)
            choices = ((some_parent, "some version of each parent accepts"), (accepted, "the others accept"))
            for versions, why in choices:
                if versions:
                    above = [v for v in versions if v > wanted]
                    nearest = _newest_patch(min(above) if above else max(versions), accepted or versions)
                    new = requirement_text(item, f"=={nearest}")
                    yield (
                        "loosen_pin",
                        f"Move the pin {item.text} to {new}, the nearest version {why} ({line[0]}:{line[1]})",
                        line,
                        self._set_line(line, new),
                        None,
                    )
        yield from self._drop_candidates(conflict)
        for index, constraint in enumerate(constraints):
            if constraint["parent"] is not None:
                yield from self._parent_candidates(conflict, index, available)

    def _drop_candidates(self, problem: Any) -> Iterable[Change]:
        """Comment out each user line at the top of the problem's chains, or among the minimal lines."""
        sources: dict[Line, None] = {}
        for constraint in problem.get("constraints", []):
            if constraint.get("source"):
                sources[constraint["source"]["file"], constraint["source"]["line"]] = None
        # The minimal lines may name one that no chain shows (a line holding a parent back).
        for minimal in self.report.get("minimal_lines", {}).get("lines", []):
            sources[minimal["file"], minimal["line"]] = None
        for line in sources:
            item = self.by_origin.get(line)
            if item is not None:
                yield ("drop_line", f"Drop {item.text} ({line[0]}:{line[1]})", line, self._set_line(line, None), None)

    def _parent_candidates(self, conflict: Conflict, index: int, available: list[Version]) -> Iterable[Change]:
        """Versions of one parent whose requirement on the package fits the other constraints.

        Two groups of alternatives: the newest such versions, and those nearest to what the
        user's own line on the parent allows (the smallest change to it). Metadata is read for
        at most `parent_versions` versions, newest first.
        """
        name, constraints = conflict["package"], conflict["constraints"]
        parent, _, at = (constraints[index]["parent"] or "").partition("==")
        joint = SpecifierSet()
        for i, other in enumerate(constraints):
            if i != index:
                joint &= spec_of(other["specifier"])
        versions = sorted(self._available(parent), reverse=True)
        versions = [v for v in versions if str(v) != at and (self.provider.pre or not v.is_prerelease)]
        versions = versions[: self.limits.parent_versions]
        entries = self._available(parent)
        self.provider.index.prefetch_metadata(entries[v].usable[0] for v in versions if entries[v].usable)
        fitting: list[tuple[Version, str | None, Version]] = []
        for version in versions:
            read, specifier = self.requirement_of(parent, version, name)
            both = joint & spec_of(specifier)
            meets = [v for v in available if both.contains(v, prereleases=True)] if read else []
            if meets:
                fitting.append((version, specifier, meets[0]))
        allowed = SpecifierSet()
        for item in self.lines:
            if item.name == parent:
                allowed &= item.requirement.specifier
        kept = [v for v in versions if allowed.contains(v, prereleases=True)]
        if kept:
            low, high = min(kept), max(kept)
            nearest = sorted(
                fitting, key=lambda f: (0 if low <= f[0] <= high else 1, abs(_rank(versions, f[0], low, high)))
            )
        else:
            nearest = []
        for group, order in (("newest", fitting), ("nearest", nearest)):
            for version, specifier, fits in order[: self.limits.parent_tries]:
                asks = f"asks for {name}{specifier}" if specifier else f"does not depend on {name}"
                line, files = self._pin_parent(parent, version)
                given = self.by_origin.get(line) if line else None
                change = f"Change {given.text} to {parent}=={version}" if given else f"Add {parent}=={version}"
                where = f" ({line[0]}:{line[1]})" if line else ""
                title = f"{change}: it {asks}, which {name} {fits} meets with the other constraints{where}"
                yield ("parent_version", title, line, files, f"{parent}:{group}")

    def _accepted_by_some_version(self, conflict: Conflict, mine: int) -> list[Version]:
        """Columns of the matrix that every other constraint accepts in at least one parent version.

        Moving a pin there lets the resolver pick an older or newer parent; the re-resolution
        decides whether one exists that also fits everything else.
        """
        matrix = conflict.get("matrix")
        if not matrix:
            return []
        others = []
        for i, parent in enumerate(matrix["parents"]):
            allowed = SpecifierSet()  # the user's own lines on that parent still hold
            for item in self.parsed.requirements + self.parsed.constraints:
                if item.name == parent["parent"]:
                    allowed &= item.requirement.specifier
            rows = [r for r in parent["rows"] if r["version"] is None or allowed.contains(r["version"], True)]
            if i != mine and rows:
                others.append(rows)
        return [
            Version(version)
            for column, version in enumerate(matrix["versions"])
            if all(any(row["accepts"][column] for row in rows) for rows in others)
        ]

    def _set_line(self, line: Line, new: str | None) -> dict[str, str]:
        return set_line(self.files, line, new)

    def _pin_parent(self, parent: str, version: Version) -> tuple[Line | None, dict[str, str]]:
        return pin_parent(self.files, self.lines, parent, version)


def _rank(versions: list[Version], version: Version, low: Version, high: Version) -> int:
    """How many releases (in `versions`, newest first) lie between `version` and [low, high]."""
    position = versions.index(version)
    if version > high:
        return versions.index(high) - position
    if version < low:
        return position - versions.index(low)
    return 0


def _newest_patch(version: Version, versions: list[Version]) -> Version:
    """The newest release of `version`'s series (4.2 -> 4.2.30) among `versions`: same fit, more fixes."""
    series = [v for v in versions if v.release[:2] == version.release[:2] and not v.is_prerelease]
    return max(series, default=version)


Cost = tuple[int, int, int, int]  # majors, lines, distance, kind: the smallest disturbs least
Origins = dict[Line, Any]  # the user's lines by (file, line)
_KIND_ORDER = {"parent_version": 0, "loosen_pin": 1, "drop_line": 2, "python_version": 3}


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


class _Move(PinMove):
    distance: int  # how far it moves, for the ranking only


def _move(package: str, old: str, new: str) -> _Move:
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


def _describe(fix: Fix, heading: dict[str, str | None], direct: set[str], by_origin: Origins) -> Cost:
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
    if item is not None and item.name not in heading and fix["pins"].get(item.name):
        moves += _from_bounds(item.name, item.requirement.specifier, fix["pins"][item.name])
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
    fix["moves"] = [{k: v for k, v in m.items() if k != "distance"} for m in moves]  # type: ignore[misc]  # a _Move less its distance is a PinMove
    fix["keeps_majors"] = not removed and all(m["size"] != "major" for m in moves)
    fix["headline"] = headline
    majors = sum(1 for m in moves if m["size"] == "major") + len(removed) + (fix["kind"] == "python_version")
    lines = sum(1 for row in fix["diff"].splitlines() if row.startswith("-") and not row.startswith("---"))
    lines += sum(1 for row in fix["diff"].splitlines() if row.startswith("+") and not row.startswith("+++")) - lines
    distance = sum(m["distance"] for m in moves) + 10**6 * len(removed)  # a package gone is the largest move
    return (majors, max(lines, 1), distance, _KIND_ORDER.get(fix["kind"], 9))


def _from_bounds(package: str, specifier: SpecifierSet, new: str) -> list[_Move]:
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
        from packaging.requirements import Requirement

        return Requirement(text).specifier.contains(version, prereleases=True)
    except ValueError:
        return False


def rank_fixes(fixes: list[Fix], heading: dict[str, str | None], direct: set[str], by_origin: Origins) -> list[Fix]:
    """The fixes least disturbing first, each with `rank` (1-based) and `same_as` for equivalents."""
    costs = [(_describe(fix, heading, direct, by_origin), index) for index, fix in enumerate(fixes)]
    ordered = [fixes[index] for _, index in sorted(costs)]
    first: dict[tuple[tuple[tuple[str, str], ...], str | None], int] = {}
    for rank, fix in enumerate(ordered, 1):
        fix["rank"] = rank
        outcome = (tuple(sorted(fix["pins"].items())), fix.get("python_version"))
        fix["same_as"] = first.get(outcome)
        first.setdefault(outcome, rank)
    return ordered
