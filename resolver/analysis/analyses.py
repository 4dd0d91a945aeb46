"""The analyses run after a failed resolution: every conflict, the minimal lines, fixes, matrices.

This module holds the orchestration and the every-conflict loop; the parts live beside it
(`minimal`, `matrix`, `fixes`, `budget`, `edits`). `analyser.analyse_failure` runs them, and
imports this module only then.

Each answer is established by real re-resolutions on the same index client, whose in-memory
memo and cache make them cheap (the "warm cache"), within one budget (`AnalysisLimits`: time and
number of re-resolutions); an analysis cut short says so instead of guessing.

- Every independent conflict: after a conflict on `P` the input is resolved again with `P` set
  aside (`resolver.resolution.setaside`: a placeholder that satisfies every constraint and brings nothing),
  so anything that still fails does so without `P`; repeated until it resolves or nothing new
  fails. Each later conflict lists the packages that were set aside to find it.
- Missing projects: every requirement line whose project is not on the index is looked up at
  once (pages fetched concurrently) and reported as one `not_found` diagnosis each, grouped in
  `missing_projects`. Only that line can fix one, so they are set aside for everything that
  follows rather than found one re-resolution at a time and then "minimised" as if they clashed.
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
- The combined fix (`combined`): with several problems, the best fix of each applied together and
  re-resolved with nothing set aside, so "change these lines and the whole file resolves" is proven.
- The matrix: for each parent, its versions against the clashing package's versions, from the
  index's metadata (no resolution needed). Dependencies that only an extra brings are not seen.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from resolver.analysis.budget import Budget
from resolver.analysis.combined import CombinedPart
from resolver.analysis.fixes import FixesPart
from resolver.analysis.minimal import MinimalLinesPart
from resolver.analysis.ranking import depended_on
from resolver.environment import Target
from resolver.errors import ResolverError
from resolver.input.reqfile import InputRequirement, ParsedInput
from resolver.output.report import Conflict, Constraint, MissingProjects, Report
from resolver.resolution.provider import Provider


class Analyser(MinimalLinesPart, FixesPart, CombinedPart):
    def __init__(
        self, report: Report, parsed: ParsedInput, target: Target, index: Any, budget: Budget, pre: bool
    ) -> None:
        self.report = report
        self.parsed = parsed
        self.files = dict(parsed.files)
        self.target = target
        self.budget = budget
        self.limits = budget.analysis
        self.provider = Provider(index, target, pre=pre or parsed.pre, formats=parsed.formats)
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
        self.missing: set[str] = set()  # projects of the user's lines that the index does not have
        self.depended = depended_on(report)

    def run(self) -> None:
        try:
            self.budget.enter("finding every conflict")
            self.every_conflict()
            self.budget.preferences = self._known_clashes()
            self.budget.enter("finding the smallest clash")
            self.minimal_lines()
            for conflict in self.report["conflicts"]:
                with suppress(ResolverError):  # the index failed on metadata: no matrix rather than a wrong one
                    conflict["matrix"] = self.matrix(conflict)
            problems = [*self.report["conflicts"], *self._uninstallable()]
            for number, problem in enumerate(problems, 1):
                of = f" ({number} of {len(problems)})" if len(problems) > 1 else ""
                self.budget.enter(f"proving fixes for {problem['package']}{of}")
                if number <= len(self.report["conflicts"]):
                    self.fixes(problem, self._candidates(problem))
                else:  # only a line or the target can change an uninstallable package
                    self.fixes(problem, self._drop_candidates(problem))
            self.budget.enter("proving a change that fixes the whole file")
            self.combined_fix(problems)
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
        problems |= {p for d in report["diagnoses"] if (p := d.get("package")) and d.get("severity") != "warning"}
        problems |= self.missing_projects()
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
            report["diagnoses"].extend(new_diagnoses)
            aside |= {c["package"] for c in new_conflicts} | {p for d in new_diagnoses if (p := d["package"])}

    def missing_projects(self) -> set[str]:
        """Diagnose every line whose project the index does not have, without a resolution each."""
        lines: dict[str, list[InputRequirement]] = {}
        for item in self.lines:
            if item.url is None:
                lines.setdefault(item.name, []).append(item)
        self.provider.index.prefetch_projects(lines)
        self.missing = {name for name in lines if self.provider.project(name) is None}
        if not self.missing:
            return set()
        self.budget.drop_lines = frozenset((i.origin.file, i.origin.line) for n in self.missing for i in lines[n])
        names = [name for name in lines if name in self.missing]  # in input order
        known = {d["package"] for d in self.report["diagnoses"] if d["kind"] == "not_found"}
        for name in [name for name in names if name not in known]:
            self.report["diagnoses"].append(
                {
                    "kind": "not_found",
                    "package": name,
                    "message": f"No project named {name!r} was found on the index",
                    "constraints": [_line_constraint(item) for item in lines[name]],
                }
            )
        shown = ", ".join(names[:3]) + (f" … (and {len(names) - 3} more)" if len(names) > 3 else "")
        noun = "project is" if len(names) == 1 else "projects are"
        group: MissingProjects = {
            "count": len(names),
            "packages": names,
            "lines": [
                {"file": i.origin.file, "line": i.origin.line, "text": i.text, "package": i.name}
                for name in names
                for i in lines[name]
            ],
            "message": f"{len(names)} {noun} not on the index: {shown}",
        }
        self.report["missing_projects"] = group
        return set(self.missing)

    def _known_clashes(self) -> dict[str, int]:
        """Each conflict's parents, then its package: what the yes/no re-resolutions decide first.

        Parents first: pinned first, the clashing package would be tried at each of its versions
        in turn before the clash is blamed on a parent (Django 3.2.25, 3.2.24, ... against a
        django-filter that needs 4.2); a parent has fewer versions that bring the clash.
        """
        ranks: dict[str, int] = {}
        for conflict in self.report["conflicts"]:
            for constraint in conflict["constraints"]:
                if parent := constraint.get("parent"):
                    ranks.setdefault(parent.split("==")[0], len(ranks))
        for conflict in self.report["conflicts"]:
            ranks.setdefault(conflict["package"], len(ranks))
        return ranks

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


def _line_constraint(item: InputRequirement) -> Constraint:
    """A user's line as the constraint of a diagnosis, as the engine writes one."""
    where = f"{item.origin.file}:{item.origin.line}"
    return {
        "specifier": str(item.requirement.specifier),
        "parent": None,
        "source": {"file": item.origin.file, "line": item.origin.line},
        "path": [where],
        "kind": "requirement",
        "text": item.text,
    }
