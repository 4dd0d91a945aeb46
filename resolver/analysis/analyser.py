"""The analyses run after a failed resolution: every conflict, the minimal lines, fixes, matrices.

Each answer is established by real re-resolutions on the same index client, whose in-memory
memo and cache make them cheap (the "warm cache"), within one budget (`AnalysisLimits`: time and
number of re-resolutions); an analysis cut short says so instead of guessing.

- Every independent conflict: after a conflict on `P` the input is resolved again with `P` set
  aside (`resolver.resolution.setaside`: a placeholder that satisfies every constraint and brings nothing),
  so anything that still fails does so without `P`; repeated until it resolves or nothing new
  fails. Each later conflict lists the packages that were set aside to find it.
- The minimal lines: delta debugging (Zeller's ddmin) over the user's requirement lines, `-c`
  lines kept as context, "fails" meaning "does not resolve". It starts from the lines at the top
  of the first conflict's chains, which usually fail alone, so it needs few resolutions; the
  result is 1-minimal: without any one of its lines the rest resolves.
- Fixes: candidate changes are derived from each conflict's constraints (loosen or move the
  user's pin to what the other side accepts, drop a line, pin a version of a parent whose
  requirement is compatible with the other constraints, or the nearest target Python), then each
  is re-resolved, with the other conflicts' packages set aside so it is judged on its own
  conflict; only those that resolve are offered. When none does, that is reported as proven for
  the candidates tried ("no single change fixes this").
- The matrix: for each parent, its versions against the clashing package's versions, from the
  index's metadata (no resolution needed). Dependencies that only an extra brings are not seen.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from resolver.environment import PYTHON_VERSIONS, Target
from resolver.errors import ResolverError
from resolver.input.reqfile import InputRequirement, ParsedInput
from resolver.output.report import Conflict, Fix, Matrix, MatrixParent, MinimalLines, Report
from resolver.resolution.finder import VersionFiles
from resolver.resolution.provider import Provider
from resolver.resolution.requirements import Candidate, Req

Rerun = Callable[..., Report]
Line = tuple[str, int]  # (file, first physical line)
# A candidate change: (kind, title, line changed or None, the input files with it, group). Changes
# of one group are alternatives (versions of one parent): once one resolves the rest are skipped.
Change = tuple[str, str, Line | None, dict[str, str], str | None]


@dataclass(frozen=True)
class AnalysisLimits:
    """The budget of all analyses of one report together; reaching it is reported, not an error."""

    max_seconds: float = 60.0
    max_resolutions: int = 120
    # One re-resolution may not take longer: a candidate change that sends resolvelib into deep
    # backtracking is left undecided rather than eating the whole budget.
    max_seconds_each: float = 10.0
    matrix_versions: int = 30  # columns: versions of the clashing package
    matrix_rows: int = 20  # rows: versions of each parent
    parent_tries: int = 3  # versions of one parent re-resolved as fixes, in each group
    parent_versions: int = 80  # versions of one parent whose metadata is read for fixes


class Budget:
    """Counts re-resolutions and time; `resolve` answers None once either is used up."""

    def __init__(
        self, rerun: Rerun, limits: Any, analysis: AnalysisLimits, heartbeat: Callable[[], None] | None = None
    ) -> None:
        self.rerun = rerun
        self.heartbeat = heartbeat
        self.limits = limits
        self.analysis = analysis
        self.started = time.monotonic()
        self.resolutions = 0
        self.undecided = 0  # re-resolutions stopped by their own limit: neither proof nor disproof
        self.stopped: str | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def exhausted(self) -> bool:
        if self.stopped is None:
            if self.resolutions >= self.analysis.max_resolutions:
                self.stopped = f"the budget of {self.analysis.max_resolutions} re-resolutions was used up"
            elif self.elapsed() >= self.analysis.max_seconds:
                self.stopped = f"the time budget of {self.analysis.max_seconds:g} s was used up"
        return self.stopped is not None

    def resolve(self, files: dict[str, str], **changes: Any) -> Report | None:
        if self.exhausted():
            return None
        self.resolutions += 1
        if self.heartbeat is not None:  # a worker's sign of life while the analyses run
            self.heartbeat()
        remaining = max(1.0, self.analysis.max_seconds - self.elapsed())
        seconds = min(self.limits.max_seconds, remaining, self.analysis.max_seconds_each)
        report = self.rerun(files, limits=replace(self.limits, max_seconds=seconds), **changes)
        if not decided(report):
            self.undecided += 1
        return report


def decided(report: Report) -> bool:
    """False when a resolution neither resolved nor proved it cannot: it stopped at a limit, the
    index failed, or the answer depends on metadata only a build could give (status "error")."""
    return report["status"] != "error"


def analyse_failure(
    report: Report,
    parsed: ParsedInput,
    *,
    target: Target,
    index: Any,
    rerun: Rerun,
    limits: Any,
    analysis_limits: AnalysisLimits,
    pre: bool = False,
    heartbeat: Callable[[], None] | None = None,
) -> None:
    """Add every conflict, `minimal_lines`, each conflict's `matrix` and `fixes`, and `analysis`."""
    budget = Budget(rerun, limits, analysis_limits, heartbeat)
    Analyser(report, parsed, target, index, budget, pre).run()


def _spec(text: str | None) -> SpecifierSet:
    try:
        return SpecifierSet(text or "")
    except InvalidSpecifier:
        return SpecifierSet()


class Analyser:
    def __init__(
        self, report: Report, parsed: ParsedInput, target: Target, index: Any, budget: Budget, pre: bool
    ) -> None:
        self.report = report
        self.parsed = parsed
        self.files = dict(parsed.files)
        self.target = target
        self.budget = budget
        self.limits = budget.analysis
        self.provider = Provider(index, target, pre=pre or parsed.pre)
        skipped = {(s["file"], s["line"]) for s in report["input"].get("skipped_for_target", [])}
        self.lines: list[InputRequirement] = [
            r for r in parsed.requirements if (r.origin.file, r.origin.line) not in skipped
        ]
        self.by_origin = {(r.origin.file, r.origin.line): r for r in parsed.requirements + parsed.constraints}
        self.heading = {
            node["id"]: node.get("version")
            for node in report["graph"].get("nodes", [])
            if node["id"] != "<root>" and node.get("version")
        }
        self._python_fixes: dict[frozenset[str], tuple[str, Report] | None] = {}

    def run(self) -> None:
        try:
            self.every_conflict()
            self.minimal_lines()
            for conflict in self.report["conflicts"]:
                with suppress(ResolverError):  # the index failed on metadata: no matrix rather than a wrong one
                    conflict["matrix"] = self.matrix(conflict)
            for conflict in self.report["conflicts"]:
                self.fixes(conflict, self._candidates(conflict))
            for diagnosis in self._uninstallable():  # only a line or the target can change that
                self.fixes(diagnosis, self._drop_candidates(diagnosis))
        except ResolverError as error:  # the index failed or a request limit was reached
            self.budget.stopped = f"the index could not be read: {error.message}"
            for problem in [*self.report["conflicts"], *self._uninstallable()]:
                if "fix_status" not in problem:
                    problem["fixes"], problem["fix_status"], problem["fix_candidates"] = [], "skipped", 0
        self.report["analysis"] = {
            "resolutions": self.budget.resolutions,
            "duration_ms": int(self.budget.elapsed() * 1000),
            "complete": self.budget.stopped is None and not self.budget.undecided,
            "stopped": self.budget.stopped,
            "undecided": self.budget.undecided,
        }

    # -- every independent conflict ------------------------------------------------------------

    def every_conflict(self) -> None:
        report = self.report
        problems = {c["package"] for c in report["conflicts"]}
        problems |= {d["package"] for d in report["diagnoses"] if d.get("package") and d.get("severity") != "warning"}
        aside = set(problems)
        while aside:
            found = self.budget.resolve(self.files, set_aside=frozenset(aside))
            if found is None or found["status"] != "conflict":
                return  # resolved, out of budget, or undecided (a limit): nothing more to tell
            new_conflicts = [c for c in found["conflicts"] if c["package"] not in aside]
            new_diagnoses = [
                d
                for d in found["diagnoses"]
                if d.get("package") and d.get("severity") != "warning" and d["package"] not in aside
            ]
            if not new_conflicts and not new_diagnoses:
                return
            for conflict in new_conflicts:
                conflict["set_aside"] = sorted(aside)
                report["conflicts"].append(conflict)
                self._highlight(conflict)
            for diagnosis in new_diagnoses:
                diagnosis["set_aside"] = sorted(aside)
            report["diagnoses"].extend(new_diagnoses)  # type: ignore[arg-type]
            aside |= {c["package"] for c in new_conflicts} | {d["package"] for d in new_diagnoses}

    def _highlight(self, conflict: Conflict) -> None:
        """Mark a later conflict in the report's graph as the first one is marked."""
        nodes = {node["id"]: node for node in self.report["graph"].get("nodes", [])}
        edges = {(e["source"], e["target"]): e for e in self.report["graph"].get("edges", [])}
        if conflict["package"] in nodes:
            nodes[conflict["package"]]["conflict"] = True
        for constraint in conflict["constraints"]:
            parent = (constraint["parent"] or "").split("==")[0]
            source = parent or "<root>"
            if (source, conflict["package"]) in edges:
                edges[source, conflict["package"]]["clash"] = True
                if parent in nodes:
                    nodes[parent]["culprit"] = True

    # -- the smallest set of the user's lines that fails ---------------------------------------

    def minimal_lines(self) -> None:
        items: list[Line] = [(r.origin.file, r.origin.line) for r in self.lines]
        if not items:
            return
        everything = frozenset(items)
        used_before = self.budget.resolutions
        known: dict[frozenset[Line], bool] = {everything: True}
        undecided_before = self.budget.undecided

        def fails(subset: list[Line]) -> bool:
            key = frozenset(subset)
            if key not in known:
                found = self.budget.resolve(self.files, drop_lines=everything - key)
                if found is None:
                    return False  # out of budget: keep the set known to fail
                known[key] = found["status"] == "conflict" and decided(found)
            return known[key]

        seed = self._conflict_lines()
        start = [item for item in items if item in seed]
        if not (start and len(start) < len(items) and fails(start)):
            start = items
        result = ddmin(start, fails)
        complete = not self.budget.exhausted() and self.budget.undecided == undecided_before
        total = len(items)
        if len(result) == 1:
            message = f"This 1 of your {total} lines fails on its own"
        else:
            message = f"These {len(result)} of your {total} lines conflict"
        if self.parsed.constraints:
            message += " (with your -c constraints)"
        if not complete:
            message += " (the analysis stopped early: they fail together, but fewer might too)"
        minimal: MinimalLines = {
            "lines": [{"file": f, "line": n, "text": self.by_origin[f, n].text} for f, n in result],
            "total": total,
            "message": message,
            "resolutions": self.budget.resolutions - used_before,
            "complete": complete,
        }
        self.report["minimal_lines"] = minimal

    def _conflict_lines(self) -> set[Line]:
        """The user's lines at the top of the first problem's chains."""
        problems: list[Any] = [*self.report["conflicts"][:1]] or [
            d for d in self.report["diagnoses"] if d.get("severity") != "warning"
        ][:1]
        found: set[Line] = set()
        for problem in problems:
            for constraint in problem.get("constraints", []):
                if constraint.get("source"):
                    found.add((constraint["source"]["file"], constraint["source"]["line"]))
            if problem.get("package"):
                found |= {(r.origin.file, r.origin.line) for r in self.lines if r.name == problem["package"]}
        return found

    # -- the compatibility matrix ----------------------------------------------------------------

    def _available(self, name: str) -> dict[Version, VersionFiles]:
        return {v: entry for v, entry in self.provider.version_files(name).items() if entry.available}

    def _series(self, versions: Iterable[Version], keep: set[Version], bound: int) -> tuple[list[Version], bool]:
        """The newest version of each X.Y series and those in `keep`, newest first, at most `bound`."""
        chosen: dict[tuple[int, ...], Version] = {}
        for version in sorted(versions, reverse=True):
            if version.is_prerelease and not self.provider.pre and version not in keep:
                continue
            chosen.setdefault(version.release[:2], version)
        picked = sorted(set(chosen.values()) | {v for v in keep if v in set(versions)}, reverse=True)
        if len(picked) <= bound:
            return picked, False
        kept = [v for v in picked if v in keep]
        rest = [v for v in picked if v not in keep][: max(0, bound - len(kept))]
        return sorted(kept + rest, reverse=True), True

    def requirement_of(self, parent: str, version: Version, name: str) -> tuple[bool, str | None]:
        """(read, specifier): what one version of `parent` asks of `name` (None: nothing)."""
        entry = self.provider.version_files(parent).get(version)
        if entry is None or not (entry.usable or entry.yanked):
            return False, None
        candidate = Candidate(canonicalize_name(parent), version, frozenset(), tuple(entry.usable or entry.yanked))
        try:
            deps = self.provider.get_dependencies(candidate)
        except ResolverError:
            return False, None
        asked = [str(d.specifier) for d in deps if isinstance(d, Req) and d.name == name]
        if not asked:
            return True, None
        return True, ",".join(dict.fromkeys(c for s in asked for c in s.split(",") if c)) or ""

    def matrix(self, conflict: Conflict) -> Matrix:
        name = conflict["package"]
        pinned = set()
        for constraint in conflict["constraints"]:
            for clause in _spec(constraint["specifier"]):
                if clause.operator in ("==", "===") and "*" not in clause.version:
                    pinned.add(Version(clause.version))
        columns, truncated = self._series(self._available(name), pinned, self.limits.matrix_versions)
        parents: list[MatrixParent] = []
        for constraint in conflict["constraints"]:
            if constraint["parent"] is None:
                spec = _spec(constraint["specifier"])
                source = constraint["source"] or {"file": "?", "line": 0}
                parents.append(
                    {
                        "parent": None,
                        "label": f"{source['file']}:{source['line']}",
                        "rows": [
                            {
                                "version": None,
                                "specifier": constraint["specifier"],
                                "accepts": [spec.contains(v, prereleases=True) for v in columns],
                            }
                        ],
                        "truncated": False,
                    }
                )
                continue
            parent, _, at = constraint["parent"].partition("==")
            versions = self._available(parent)
            rows_versions, rows_cut = self._series(versions, {Version(at)} if at else set(), self.limits.matrix_rows)
            self.provider.index.prefetch_metadata(
                versions[v].usable[0] for v in rows_versions if v in versions and versions[v].usable
            )
            rows = []
            for version in rows_versions:
                read, specifier = self.requirement_of(parent, version, name)
                if not read:
                    continue
                spec = _spec(specifier)
                rows.append(
                    {
                        "version": str(version),
                        "specifier": specifier,
                        "accepts": [spec.contains(v, prereleases=True) for v in columns],
                    }
                )
            parents.append({"parent": parent, "label": parent, "rows": rows, "truncated": rows_cut})
        return {"versions": [str(v) for v in columns], "parents": parents, "truncated": truncated}

    # -- proven fixes ----------------------------------------------------------------------------

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
        aside = set(conflict.get("set_aside", [])) | {problem["package"] for problem in problems}
        aside = frozenset(aside - {name})
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
            "kind": kind,  # type: ignore[typeddict-item]
            "title": title,
            "line": {"file": line[0], "line": line[1]} if line else None,
            "diff": "".join(_diff(name, self.files[name], text) for name, text in changed.items()),
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
                joint &= _spec(other)
            merged = ",".join(dict.fromkeys(c for s in others for c in s.split(",") if c))
            accepted = [v for v in available if joint.contains(v, prereleases=True)]
            if merged:
                new = _requirement_text(item, merged)
                yield (
                    "loosen_pin",
                    f"Loosen {item.text} to {new} ({line[0]}:{line[1]})",
                    line,
                    self._set_line(line, new),
                    None,
                )
            pin = [c for c in _spec(constraint["specifier"]) if c.operator == "=="]
            if not pin:
                continue
            wanted = Version(pin[0].version.replace(".*", ""))
            some_parent = self._accepted_by_some_version(conflict, index)
            choices = ((some_parent, "some version of each parent accepts"), (accepted, "the others accept"))
            for versions, why in choices:
                if versions:
                    above = [v for v in versions if v > wanted]
                    nearest = min(above) if above else max(versions)
                    new = _requirement_text(item, f"=={nearest}")
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
                joint &= _spec(other["specifier"])
        versions = sorted(self._available(parent), reverse=True)
        versions = [v for v in versions if str(v) != at and (self.provider.pre or not v.is_prerelease)]
        versions = versions[: self.limits.parent_versions]
        entries = self._available(parent)
        self.provider.index.prefetch_metadata(entries[v].usable[0] for v in versions if entries[v].usable)
        fitting: list[tuple[Version, str | None, Version]] = []
        for version in versions:
            read, specifier = self.requirement_of(parent, version, name)
            both = joint & _spec(specifier)
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
            for version, specifier, meets in order[: self.limits.parent_tries]:
                asks = f"asks for {name}{specifier}" if specifier else f"does not depend on {name}"
                line, files = self._pin_parent(parent, version)
                item = self.by_origin.get(line) if line else None
                change = f"Change {item.text} to {parent}=={version}" if item else f"Add {parent}=={version}"
                where = f" ({line[0]}:{line[1]})" if line else ""
                title = f"{change}: it {asks}, which {name} {meets} meets with the other constraints{where}"
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

    # -- editing the input -----------------------------------------------------------------------

    def _set_line(self, line: Line, new: str | None) -> dict[str, str]:
        """The files with one logical line replaced by `new`, or commented out when `new` is None."""
        file, number = line
        lines, seps = _split(self.files[file])
        start = number - 1
        end = start
        while end + 1 < len(lines) and lines[end].endswith("\\") and not lines[end].lstrip().startswith("#"):
            end += 1
        if new is None:
            replacement = ["# " + text for text in lines[start : end + 1]]
            new_seps = seps[start : end + 1]
        else:
            replacement, new_seps = [new], [seps[end]]
        lines[start : end + 1] = replacement
        seps[start : end + 1] = new_seps
        return {**self.files, file: "".join(text + sep for text, sep in zip(lines, seps, strict=True))}

    def _pin_parent(self, parent: str, version: Version) -> tuple[Line | None, dict[str, str]]:
        """Pin `parent==version`: on the user's own line for it if there is one, else a new line."""
        for item in self.lines:
            if item.name == parent and not item.url and not item.editable:
                line = (item.origin.file, item.origin.line)
                return line, self._set_line(line, _requirement_text(item, f"=={version}"))
        root = self.lines[0].origin.file if self.lines else next(iter(self.files))
        text = self.files[root]
        if text and not text.endswith(("\n", "\r")):
            text += "\n"
        return None, {**self.files, root: text + f"{parent}=={version}\n"}


def _rank(versions: list[Version], version: Version, low: Version, high: Version) -> int:
    """How many releases (in `versions`, newest first) lie between `version` and [low, high]."""
    position = versions.index(version)
    if version > high:
        return versions.index(high) - position
    if version < low:
        return position - versions.index(low)
    return 0


def _requirement_text(item: InputRequirement, specifier: str) -> str:
    requirement = item.requirement
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    marker = f" ; {requirement.marker}" if requirement.marker else ""
    return f"{requirement.name}{extras}{specifier}{marker}"


_NEWLINE = re.compile(r"(\r\n|\r|\n)")


def _split(text: str) -> tuple[list[str], list[str]]:
    parts = _NEWLINE.split(text)
    return parts[0::2], [*parts[1::2], ""]


def _diff(name: str, old: str, new: str) -> str:
    shown = name.lstrip("/")  # a path the CLI was given whole: "a/tmp/x.in", as git writes it
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=f"a/{shown}", tofile=f"b/{shown}"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def ddmin(items: list[Any], fails: Callable[[list[Any]], bool]) -> list[Any]:
    """Zeller's delta debugging: a 1-minimal sublist of `items` (which fails) that still fails.

    Tries each of n chunks alone, then each complement; on success restarts from it, else
    doubles n until the chunks are single items. Each subset is tested once.
    """
    known: dict[tuple[Any, ...], bool] = {}

    def test(subset: list[Any]) -> bool:
        key = tuple(subset)
        if key not in known:
            known[key] = fails(subset)
        return known[key]

    n = 2
    while len(items) >= 2:
        chunks = [items[i * len(items) // n : (i + 1) * len(items) // n] for i in range(n)]
        chunks = [chunk for chunk in chunks if chunk]
        for chunk in chunks:
            if test(chunk):
                items, n = chunk, 2
                break
        else:
            for chunk in chunks if n > 2 else []:
                complement = [item for item in items if item not in chunk]
                if test(complement):
                    items, n = complement, max(n - 1, 2)
                    break
            else:
                if n >= len(items):
                    break
                n = min(len(items), 2 * n)
    return items
