"""Resolve one input for several targets at once: a pass/fail matrix with the reason per cell.

The same index client serves every cell, so after the first target the pages and most metadata
come from its memo; the analyses are not run per cell (the matrix says where it fails and why,
the report of one target explains it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from resolver.engine import resolve
from resolver.environment import Target
from resolver.errors import TargetError
from resolver.index.client import IndexClient

if TYPE_CHECKING:
    from resolver.output.report import Report, TargetCell, Targets


def parse_target(text: str, *, default_platform: str = "manylinux_2_28_x86_64") -> Target:
    """`3.8/manylinux_2_28_x86_64`, `3.12/win_amd64` or `3.12` (the default platform).

    Raises TargetError naming the part at fault and what is accepted.
    """
    python, _, platform = text.strip().partition("/")
    if not python:
        raise TargetError(
            f"target {text!r}: give PYTHON/PLATFORM, e.g. 3.12/manylinux_2_28_x86_64, or just 3.12",
            field="target",
        )
    return Target(python, platform.strip() or default_platform)


def summary(report: Report) -> str:
    """One line for a cell: what was pinned, or the first problem's message."""
    if report["status"] == "resolved":
        count = len(report["pins"])
        return f"resolved, {count} package{'s' if count != 1 else ''}"
    problems = [c["message"] for c in report["conflicts"]]
    problems += [d["message"] for d in report["diagnoses"] if d.get("severity") != "warning"]
    if not problems:
        return report["status"]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


def cell(report: Report) -> TargetCell:
    names = [c["package"] for c in report["conflicts"]]
    names += [
        p for d in report["diagnoses"] if (p := d.get("package")) and d.get("severity") != "warning" and p not in names
    ]
    return {
        "python_version": report["input"]["python_version"],
        "platform": report["input"]["platform"],
        "status": report["status"],
        "summary": summary(report),
        "conflicts": names,
        "pins": len(report["pins"]) if report["status"] == "resolved" else 0,
    }


def resolve_targets(
    files: Mapping[str, str], *, index: IndexClient, targets: Sequence[Target], **options: Any
) -> Targets:
    """Resolve `files` for each target (without the analyses) on one warm index client.

    `options` are passed to `engine.resolve` (roots, pre, limits, exclude_newer, index_name...).
    """
    options = {**options, "analyse": False}
    return {"cells": [cell(resolve(files, index=index, target=target, **options)) for target in targets]}
