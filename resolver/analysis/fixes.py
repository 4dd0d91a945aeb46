"""Proven fixes: candidate changes derived from each conflict, each re-resolved before it is offered.

Candidates: loosen or move the user's pin to what the other side accepts, drop a line, pin a
version of a parent whose requirement is compatible with the other constraints, or the nearest
target Python. Each is re-resolved with the other conflicts' packages set aside, so it is judged
on its own conflict; only those that resolve are offered. When none does, that is reported as
proven for the candidates tried ("no single change fixes this"). The target Python, one change
for the whole input, is searched once per report (nearest few) and offered where all resolves.
Each candidate is first a yes/no question (`Budget.resolve(question=True)`); one that resolves is
resolved again as pip would, for the pins it shows.

Proven fixes are then ranked and described by `resolver.analysis.ranking`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver.analysis.budget import Budget
from resolver.analysis.edits import Line, diff, pin_parent, requirement_text, set_line
from resolver.analysis.matrix import MatrixPart, spec_of
from resolver.analysis.ranking import depended_on, rank_fixes
from resolver.environment import PYTHON_VERSIONS, Target
from resolver.input.reqfile import InputRequirement, ParsedInput
from resolver.output.report import Conflict, Fix, Report

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
    depended: set[str]

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
            found = self.budget.resolve(files, set_aside=aside, question=True)
            if found is not None and found["status"] == "resolved":
                found = self.budget.resolve(files, set_aside=aside)  # its pins as pip would choose them
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
            python = self._python_fix()
            if python is not None:
                version, found = python
                title = f"Target Python {version} instead of {self.target.python_version}"
                fix = self._fix("python_version", title, None, self.files, found, self._python_aside())
                fix["python_version"] = version
                fixes.append(fix)
            stopped = python is None and self.budget.stopped is not None
            tried += 1
        undecided = self.budget.undecided - undecided
        direct: set[str] = {item.name for item in self.lines}
        fixes = rank_fixes(fixes, self.heading, direct, self.by_origin, self.depended)
        conflict["fixes"] = fixes
        conflict["fix_candidates"] = tried
        conflict["fix_undecided"] = undecided
        conflict["fix_status"] = "found" if fixes else ("skipped" if stopped or undecided else "none")

    def _fix(
        self, kind: str, title: str, line: Line | None, files: dict[str, str], found: Report, aside: frozenset[str]
    ) -> Fix:
        """The fix's record: its diff, the pins it resolves to, and how they differ from the failed run's."""
        changed = {name: text for name, text in files.items() if self.files.get(name) != text}
        self.depended |= depended_on(found)
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

    def _python_aside(self) -> frozenset[str]:
        """What the target Python is judged without: the projects the index does not have, which
        only their own lines can fix."""
        missing = [d for d in self.report["diagnoses"] if d["kind"] == "not_found" and d.get("package")]
        return frozenset(d["package"] for d in missing if d["package"])

    def _python_fix(self) -> tuple[str, Report] | None:
        """The nearest target Python (newer first on a tie) for which the whole input resolves.

        Searched once per report, not per problem: the target is one change for the whole input,
        and each Python tried costs a full resolution (proving a failure often means backtracking
        through everything). Only the `python_versions` nearest are tried.
        """
        aside = self._python_aside()
        if aside in self._python_fixes:
            return self._python_fixes[aside]
        current = self.target.version_info[1]
        order = sorted(
            (v for v in PYTHON_VERSIONS if int(v.split(".")[1]) != current),
            key=lambda v: (abs(int(v.split(".")[1]) - current), -int(v.split(".")[1])),
        )
        answer = None
        for version in order[: self.limits.python_versions]:
            target = Target(version, self.target.platform)
            found = self.budget.resolve(self.files, target=target, set_aside=aside, question=True)
            if found is not None and found["status"] == "resolved":
                found = self.budget.resolve(self.files, target=target, set_aside=aside)  # pip's pins
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
