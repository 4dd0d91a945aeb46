"""The smallest set of the user's lines that still fails: delta debugging over requirement lines.

Zeller's ddmin, "fails" meaning "does not resolve", `-c` lines kept as context. It starts from the
lines at the top of the first conflict's chains, which usually fail alone, so it needs few
resolutions; the result is 1-minimal: without any one of its lines the rest resolves.

Lines naming a project the index does not have are left out (always dropped): each fails on its
own and only its own change fixes it, so they say nothing about which lines cannot coexist; when
nothing else fails there are no minimal lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resolver.analysis.budget import Budget, decided
from resolver.analysis.edits import Line
from resolver.input.reqfile import InputRequirement, ParsedInput
from resolver.output.report import MinimalLines, Report


class MinimalLinesPart:
    """The minimal-lines analysis, as a part of `Analyser`."""

    report: Report
    parsed: ParsedInput
    files: dict[str, str]
    budget: Budget
    lines: list[InputRequirement]
    by_origin: dict[Line, InputRequirement]
    missing: set[str]

    def minimal_lines(self) -> None:
        items: list[Line] = [(r.origin.file, r.origin.line) for r in self.lines if r.name not in self.missing]
        if not items:
            return
        everything = frozenset((r.origin.file, r.origin.line) for r in self.lines)
        used_before = self.budget.resolutions
        known: dict[frozenset[Line], bool] = {everything: True}
        undecided_before = self.budget.undecided

        def fails(subset: list[Line]) -> bool:
            key = frozenset(subset)
            if key not in known:
                found = self.budget.resolve(self.files, drop_lines=everything - key, question=True)
                if found is None:
                    return False  # out of budget: keep the set known to fail
                known[key] = found["status"] == "conflict" and decided(found)
            return known[key]

        seed = self._conflict_lines()
        start = [item for item in items if item in seed]
        if not (start and len(start) < len(items) and fails(start)):
            start = items
            if len(items) < len(everything) and not fails(items):
                return  # only the missing projects fail (or the budget ran out before telling)
        result = ddmin(start, fails)
        complete = not self.budget.exhausted() and self.budget.undecided == undecided_before
        total = len(everything)
        if len(result) == 1:
            message = f"This 1 of your {total} lines fails on its own"
        else:
            message = f"These {len(result)} of your {total} lines conflict"
        if self.parsed.constraints:
            message += " (with your -c constraints)"
        if len(items) < total:
            gone = total - len(items)
            message += f" (leaving out the {gone} line{'s' if gone != 1 else ''} naming projects not on the index)"
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
        """The user's lines at the top of the first problem's chains (a missing project's aside)."""
        problems: list[Any] = [*self.report["conflicts"][:1]] or [
            d
            for d in self.report["diagnoses"]
            if d.get("severity") != "warning" and d.get("package") not in self.missing
        ][:1]
        found: set[Line] = set()
        for problem in problems:
            for constraint in problem.get("constraints", []):
                if constraint.get("source"):
                    found.add((constraint["source"]["file"], constraint["source"]["line"]))
            if problem.get("package"):
                found |= {(r.origin.file, r.origin.line) for r in self.lines if r.name == problem["package"]}
        return found


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
