"""A combined change that makes the whole file resolve, proven by re-resolving it.

Each conflict's fixes are proven with the other conflicts set aside, so none of them alone makes
the file resolve. A user with several conflicts wants one answer: "change these 2 lines and the
whole file resolves". The best fix of each problem is combined (their file edits applied
together) and the result re-resolved with nothing set aside; only a combination that resolves is
offered. Two edits of the same line cannot be applied together, and a combination may fail where
each part succeeded (the parts' new pins may clash), so the next-best combinations are tried, the
least disturbing first, within `COMBINED_TRIES` re-resolutions of the shared budget.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable
from typing import Any

from resolver.analysis.budget import Budget
from resolver.output.report import Fix, Report

COMBINED_TRIES = 4  # re-resolutions spent on combinations, at most
PER_PROBLEM = 3  # the best fixes of each problem considered for combining

# One file's edit: the original lines [start, end) replaced by `lines` (an insert when start == end).
Edit = tuple[int, int, tuple[str, ...]]


class CombinedPart:
    """The combined fix, as a part of `Analyser` (after each problem's own fixes)."""

    report: Report
    files: dict[str, str]
    budget: Budget
    _fix: Callable[..., Fix]  # FixesPart's: a fix's record from its files and re-resolution

    def combined_fix(self, problems: list[Any]) -> None:
        """Set the report's `combined_fix` when one combination of the problems' fixes resolves all."""
        choices = [_editable(problem) for problem in problems]
        if len(problems) < 2 or not all(choices):
            return  # one problem: its own fixes are already complete; a problem with none: no combination
        tries = 0
        for combination in sorted(itertools.product(*choices), key=lambda c: [fix["rank"] for fix in c]):
            files = merge(self.files, [fix["files"] for fix in combination])
            if files is None:
                continue  # two of its edits touch the same line
            if tries == COMBINED_TRIES:
                return
            tries += 1
            found = self.budget.resolve(files)
            if found is None:
                return
            if found["status"] == "resolved":
                self.report["combined_fix"] = self._combined(combination, problems, files, found)
                return

    def _combined(self, parts: tuple[Fix, ...], problems: list[Any], files: dict[str, str], found: Report) -> Fix:
        lines = sum(_changed_lines(fix) for fix in parts)
        title = f"Change these {lines} lines and the whole file resolves"
        fix = self._fix("combined", title, None, files, found, frozenset())
        fix["parts"] = [
            {"package": problem["package"], "rank": part["rank"], "headline": part.get("headline", part["title"])}
            for problem, part in zip(problems, parts, strict=True)
        ]
        fix["headline"] = title
        moves = [move for part in parts for move in part.get("moves", [])]
        fix["moves"] = moves
        fix["keeps_majors"] = all(part.get("keeps_majors", False) for part in parts)
        fix["direction"] = "combined"
        fix["jump"] = None
        return fix


def _editable(problem: Any) -> list[Fix]:
    """The problem's best distinct fixes that edit the files (a new target Python is no file edit)."""
    fixes = [fix for fix in problem.get("fixes", []) if fix["files"] and fix.get("same_as") is None]
    return fixes[:PER_PROBLEM]


def _changed_lines(fix: Fix) -> int:
    return max(1, sum(1 for row in fix["diff"].splitlines() if row[:1] == "+" and not row.startswith("+++")))


def merge(original: dict[str, str], changes: list[dict[str, str]]) -> dict[str, str] | None:
    """The files with every change's edits applied, or None when two edits touch the same lines.

    Each change holds whole new files; its edits are recovered as a line diff against the original,
    so any edit (a line replaced, commented out, or a pin appended) combines with the others."""
    merged = dict(original)
    for name in dict.fromkeys(name for change in changes for name in change):
        old = original[name].splitlines(keepends=True)
        edits: list[Edit] = []
        for change in changes:
            if name in change:
                edits.extend(_edits(old, change[name].splitlines(keepends=True)))
        applied = _apply(old, edits)
        if applied is None:
            return None
        merged[name] = applied
    return merged


def _edits(old: list[str], new: list[str]) -> list[Edit]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [(i1, i2, tuple(new[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _apply(old: list[str], edits: list[Edit]) -> str | None:
    edits = sorted(set(edits))  # the same edit from two fixes is made once
    for (start, end, _), (start2, end2, _) in itertools.pairwise(edits):
        if start2 < end or (start2 == start and (start == end) != (start2 == end2)):
            return None  # overlapping lines, or an insert where another edit replaces
    lines = list(old)
    for start, end, added in reversed(edits):  # from the end, so earlier positions stay valid
        if start == end and start == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += "\n"
        lines[start:end] = [_ended(line) for line in added] if start == end else list(added)
    return "".join(lines)


def _ended(line: str) -> str:
    return line if line.endswith(("\n", "\r")) else line + "\n"
