"""Shape the analysis parts of a stored JSON report for the report page.

The engine writes the smallest clashing set of lines, proven fixes, compatibility matrices, the
target matrix and the 'what broke' answer (DESIGN.md section 4, fields added within version 1).
This module only reorganises them for templates: it bounds what a table shows (a matrix of 80
versions is unreadable and slow), splits diffs into styled lines, and groups target cells by
Python version and platform. It never resolves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conflicts.models import Report
from conflicts.options import Options

MATRIX_COLUMNS = 12  # versions of the clashing package shown; the newest ones
MATRIX_ROWS = 15  # versions of each parent shown; the newest ones


def diff_lines(diff: str) -> list[dict[str, str]]:
    """A unified diff as lines tagged add/remove/hunk/file/context (for +/- styling, escaped)."""
    lines = []
    for text in diff.splitlines():
        if text.startswith(("+++", "---")):
            kind = "file"
        elif text.startswith("@@"):
            kind = "hunk"
        elif text.startswith("+"):
            kind = "add"
        elif text.startswith("-"):
            kind = "remove"
        else:
            kind = "context"
        lines.append({"kind": kind, "text": text})
    return lines


def _pin_changes(fix: dict[str, Any]) -> list[dict[str, Any]]:
    """Pin changes as rows {package, before, after}, from a list of rows or a {name: [before, after]} map."""
    changes = fix.get("pin_changes") or []
    if isinstance(changes, dict):
        changes = [
            {"package": name, "before": (pair or [None, None])[0], "after": (pair or [None, None])[-1]}
            for name, pair in changes.items()
        ]
    return [
        {
            "package": change.get("package") or change.get("name"),
            "before": change.get("before") or change.get("old"),
            "after": change.get("after") or change.get("new"),
        }
        for change in changes
        if isinstance(change, dict)
    ]


def _fixes(conflict: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**fix, "diff_lines": diff_lines(fix.get("diff") or ""), "changes": _pin_changes(fix)}
        for fix in conflict.get("fixes") or []
    ]


def _matrix(matrix: dict[str, Any] | None) -> dict[str, Any] | None:
    """The newest MATRIX_COLUMNS versions of the package against the newest MATRIX_ROWS of each parent."""
    if not matrix or not matrix.get("versions"):
        return None
    versions = list(matrix["versions"])
    shown = min(len(versions), MATRIX_COLUMNS)
    # The engine lists versions oldest first or newest first; keep the newest either way.
    newest_first = _newest_first(versions)
    keep = list(range(shown)) if newest_first else list(range(len(versions) - shown, len(versions)))
    parents = []
    for parent in matrix.get("parents", []):
        rows = parent.get("rows", [])
        row_newest_first = _newest_first([row.get("version", "") for row in rows])
        kept_rows = rows[:MATRIX_ROWS] if row_newest_first else rows[-MATRIX_ROWS:]
        parents.append(
            {
                "parent": parent.get("parent", ""),
                "rows": [
                    {
                        **row,
                        "cells": [
                            {"version": versions[i], "accepts": bool((row.get("accepts") or [])[i:i + 1] == [True])}
                            for i in keep
                        ],
                        "count": sum(1 for accepted in row.get("accepts") or [] if accepted),
                    }
                    for row in kept_rows
                ],
                "hidden_rows": len(rows) - len(kept_rows),
            }
        )  # fmt: skip
    return {
        "versions": [versions[i] for i in keep],
        "hidden_versions": len(versions) - shown,
        "total_versions": len(versions),
        "parents": parents,
    }


def _newest_first(versions: list[str]) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        parsed = [Version(v) for v in versions]
    except InvalidVersion:
        return False
    return len(parsed) > 1 and parsed[0] > parsed[-1]


def conflict_extras(conflict: dict[str, Any]) -> dict[str, Any]:
    """The conflict with its fixes split into diff lines and its matrix bounded."""
    return {**conflict, "fix_list": _fixes(conflict), "matrix_view": _matrix(conflict.get("matrix"))}


def _minimal(result: dict[str, Any]) -> dict[str, Any] | None:
    minimal = result.get("minimal_lines")
    if not minimal or not minimal.get("lines"):
        return None
    count, total = len(minimal["lines"]), minimal.get("total") or len(minimal["lines"])
    heading = f"These {count} of your {total} lines conflict"
    if count == 1:
        heading = f"This line of your {total} cannot be met on its own" if total > 1 else "Your line cannot be met"
    return {**minimal, "heading": heading}


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
        return {"status": "absent", "summary": "not asked"}
    main = (python, platform) == (report.python_version, report.platform)
    return {**cell, "main": main, "pin_count": len(cell.get("pins") or {})}


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
        "minimal": _minimal(result),
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
    }
