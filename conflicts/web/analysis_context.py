"""Shape the analysis parts of a stored JSON report for the report page.

The engine writes the smallest clashing set of lines, proven fixes, compatibility matrices, the
target matrix and the 'what broke' answer (fields added within version 1).
This module only reorganises them for templates: it bounds what a table shows (a matrix of 80
versions is unreadable and slow), splits diffs into styled lines, and groups target cells by
Python version and platform. It never resolves.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion

from conflicts.models import Report
from conflicts.submission.options import Options

MATRIX_COLUMNS = 30  # versions of the clashing package shown, newest first (the engine bounds them too)
MATRIX_ROWS = 20  # versions of each parent shown, newest first


_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def diff_lines(diff: str) -> list[dict[str, str]]:
    """A unified diff as lines tagged file/hunk/add/remove/context, for +/- styling (escaped by the
    template). A hunk is read by its line counts, so a removed `--pre` line (`---pre`) is not taken
    for the next file's `---` header, nor that header for a removed line."""
    lines = []
    old = new = 0  # lines of the current hunk still to come, on each side
    for text in diff.splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            kind = "hunk"
            old, new = int(hunk.group(1) or 1), int(hunk.group(2) or 1)
        elif old <= 0 and new <= 0:
            kind = "file"  # ---/+++ headers (and anything else between hunks)
        elif text.startswith("+"):
            kind, new = "add", new - 1
        elif text.startswith("-"):
            kind, old = "remove", old - 1
        elif text.startswith("\\"):
            kind = "context"  # "\\ No newline at end of file"
        else:
            kind, old, new = "context", old - 1, new - 1
        lines.append({"kind": kind, "text": text})
    return lines


def _pin_changes(fix: dict[str, Any]) -> list[dict[str, Any]]:
    """The fix's `pin_changes` map ({name: [before, after]}) as rows: versions that move first, then
    pins that go, then new ones (most are new: the failed run stopped before pinning them)."""
    rows = [
        {"package": name, "before": pair[0] if pair else None, "after": pair[-1] if pair else None}
        for name, pair in (fix.get("pin_changes") or {}).items()
    ]
    return sorted(rows, key=lambda row: (row["before"] is None, row["after"] is None, row["package"]))


def _named(lines: list[dict[str, str]]) -> list[dict[str, str]]:
    """The ---/+++ header pair of each file replaced by a line naming the file."""
    named = []
    for line in lines:
        if line["kind"] != "file":
            named.append(line)
        elif line["text"].startswith("--- "):
            name = line["text"][4:].split("\t", 1)[0]
            named.append({"kind": "name", "text": name.removeprefix("a/")})
    return named


def _changes_summary(changes: list[dict[str, Any]]) -> str:
    """'1 version moves, 1 removed, 25 added': the failed run stopped before pinning most packages."""
    moved = sum(1 for c in changes if c["before"] and c["after"] and c["before"] != c["after"])
    gone = sum(1 for c in changes if c["before"] and not c["after"])
    added = sum(1 for c in changes if c["after"] and not c["before"])
    parts = [f"{moved} version{'s' if moved != 1 else ''} move{'s' if moved == 1 else ''}"] if moved else []
    parts += [f"{gone} removed"] if gone else []
    parts += [f"{added} added"] if added else []
    return ", ".join(parts) or "no pin changes"


def _fixes(conflict: dict[str, Any]) -> list[dict[str, Any]]:
    """Each fix split for the template, in the engine's order (least disturbing first); a fix with
    the same pins as a better one is folded into it as an equivalent."""
    raw = conflict.get("fixes") or []
    fixes = []
    for fix in raw:
        if fix.get("same_as"):
            continue
        lines = diff_lines(fix.get("diff") or "")
        changes = _pin_changes(fix)
        fixes.append(
            {
                **fix,
                "diff_lines": _named(lines),
                "changed_lines": [line for line in lines if line["kind"] in ("add", "remove")],
                "diff_files": sorted(fix.get("files") or {}),
                "changes": changes,
                "changes_summary": _changes_summary(changes),
                "label": fix.get("headline") or fix.get("title"),
                "equivalents": [
                    other.get("headline") or other.get("title")
                    for other in raw
                    if other.get("same_as") and other.get("same_as") == fix.get("rank")
                ],
            }
        )
    return fixes


def combined_view(result: dict[str, Any]) -> dict[str, Any] | None:
    """The report's combined fix (several conflicts' fixes together, proven on the whole file), for
    the template as any fix is, with the fix of each conflict it is made of."""
    combined = result.get("combined_fix")
    if not combined:
        return None
    [view] = _fixes({"fixes": [combined]})
    return view


def _in_range(version: str | None, specifier: SpecifierSet | None) -> bool:
    if version is None or specifier is None:
        return True
    try:
        return specifier.contains(version, prereleases=True)
    except InvalidVersion:
        return True


def user_specifiers(result: dict[str, Any]) -> dict[str, SpecifierSet]:
    """What the user's own lines allow of each package they name (all their lines on it, joined)."""
    allowed: dict[str, SpecifierSet] = {}
    for item in (result.get("input") or {}).get("requirements") or []:
        try:
            spec = SpecifierSet(item.get("specifier") or "")
        except InvalidSpecifier:
            continue
        name = canonicalize_name(item.get("name") or "")
        allowed[name] = allowed.get(name, SpecifierSet()) & spec
    return allowed


def _matrix(matrix: dict[str, Any] | None, allowed: dict[str, SpecifierSet] | None = None) -> dict[str, Any] | None:
    """The matrix with at most MATRIX_COLUMNS columns and MATRIX_ROWS rows per parent.

    The engine lists versions newest first (the newest of each release series and the pinned ones),
    so the first columns and rows are the ones kept; a parent's versions that the user's own line
    allows come first, those it excludes after them, marked (they are not what the user asked for).
    """
    if not matrix or not matrix.get("versions"):
        return None
    allowed = allowed or {}
    versions = list(matrix["versions"])[:MATRIX_COLUMNS]
    parents = []
    for parent in matrix.get("parents", []):
        spec = allowed.get(canonicalize_name(parent.get("parent") or ""))
        rows = sorted(parent.get("rows", []), key=lambda row: not _in_range(row.get("version"), spec))
        shown = rows[:MATRIX_ROWS]
        parents.append(
            {
                "name": parent.get("parent"),
                "label": parent.get("label") or parent.get("parent") or "your line",
                "rows": [
                    {
                        "version": row.get("version"),
                        "specifier": row.get("specifier"),
                        "cells": [
                            {"version": version, "accepts": bool(accepted)}
                            for version, accepted in zip(versions, row.get("accepts") or [], strict=False)
                        ],
                        "count": sum(1 for accepted in row.get("accepts") or [] if accepted),
                        "outside": not _in_range(row.get("version"), spec),
                    }
                    for row in shown
                ],
                "more_rows": len(rows) > len(shown) or bool(parent.get("truncated")),
            }
        )
    return {
        "versions": versions,
        "more_versions": len(matrix["versions"]) > len(versions) or bool(matrix.get("truncated")),
        "parents": parents,
    }


def conflict_extras(conflict: dict[str, Any], allowed: dict[str, SpecifierSet] | None = None) -> dict[str, Any]:
    """The conflict with its fixes split into diff lines and its matrix bounded."""
    return {**conflict, "fix_list": _fixes(conflict), "matrix_view": _matrix(conflict.get("matrix"), allowed)}


def _minimal(result: dict[str, Any]) -> dict[str, Any] | None:
    minimal = result.get("minimal_lines")
    if not minimal or not minimal.get("lines"):
        return None
    count, total = len(minimal["lines"]), minimal.get("total") or len(minimal["lines"])
    heading = minimal.get("message") or f"These {count} of your {total} lines conflict"
    return {**minimal, "heading": heading, "count": count}


def grouped_missing(result: dict[str, Any]) -> dict[str, Any] | None:
    """More than one missing project is said once, as a group, rather than one card each."""
    missing = result.get("missing_projects")
    return missing if missing and missing.get("count", 0) > 1 else None


def _targets(result: dict[str, Any], report: Report) -> dict[str, Any] | None:
    targets = result.get("targets")
    if not targets:
        return None
    if targets.get("error"):
        return {"error": targets["error"]}
    cells = targets.get("cells") or []
    pythons = list(dict.fromkeys(cell["python_version"] for cell in cells))
    platforms = list(dict.fromkeys(cell["platform"] for cell in cells))
    by_key = {(cell["python_version"], cell["platform"]): cell for cell in cells}
    rows = [
        {
            "python_version": python,
            "cells": [_target_cell(by_key.get((python, platform)), report, python, platform) for platform in platforms],
        }
        for python in pythons
    ]
    passed = sum(1 for cell in cells if cell.get("status") == "resolved")
    return {"platforms": platforms, "rows": rows, "passed": passed, "total": len(cells)}


def _target_cell(cell: dict[str, Any] | None, report: Report, python: str, platform: str) -> dict[str, Any]:
    if cell is None:
        return {"status": "absent", "summary": "not asked", "python_version": python, "platform": platform}
    main = (python, platform) == (report.python_version, report.platform)
    pins = cell.get("pins") or 0
    return {**cell, "main": main, "pin_count": pins if isinstance(pins, int) else len(pins)}


def _what_broke(result: dict[str, Any]) -> dict[str, Any] | None:
    answer = result.get("what_broke")
    if not answer:
        return None
    return answer


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def analysis_context(report: Report, result: dict[str, Any]) -> dict[str, Any]:
    """What the report page adds for the analysis fields; empty parts are None (not shown)."""
    options = Options.from_json(report.options)
    return {
        "analysis": result.get("analysis"),
        "minimal": _minimal(result),
        "missing_projects": grouped_missing(result),
        "target_matrix": _targets(result, report),
        "what_broke": _what_broke(result),
        "index_read_at": _moment(result.get("index_read_at")),
        "as_of": options.exclude_newer,
        "good_date": options.good_date,
        "extra_targets": options.targets,
    }


def options_initial(report: Report) -> dict[str, str]:
    """The form's initial values for a report's options ('edit and re-run')."""
    options = Options.from_json(report.options)
    return {
        "targets": "\n".join(f"{py} {platform}" for py, platform in options.targets),
        "exclude_newer": options.to_json().get("exclude_newer", ""),
        "good_date": options.good_date.isoformat() if options.good_date else "",
        "only_binary": " ".join(options.only_binary),
        "no_binary": " ".join(options.no_binary),
    }
