"""Versions of a parent grouped by what each asks: "3.12.0 to 3.14.0 need >=2.2; 3.15.0 needs >=4.2".

Joining different versions' requirements into one specifier (`>=2.2,>=4.2,<5.0`) shows a
requirement no version has; a graph label, an inspector line or a sentence shows these groups
instead, each one true of every version in it (as uv words its hints).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def version_ranges(parent_versions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive versions (newest first in the report) asking for the same thing, oldest range first.

    [3.15.2 >=4.2, 3.15.1 >=3.0, 3.14.0 >=3.0] -> [{first 3.14.0, last 3.15.1, >=3.0}, {3.15.2, >=4.2}]
    """
    groups: list[dict[str, Any]] = []
    for entry in reversed(parent_versions):
        if groups and groups[-1]["specifier"] == entry.get("specifier"):
            groups[-1]["last"] = entry["version"]
            groups[-1]["count"] += 1
        else:
            groups.append(
                {"first": entry["version"], "last": entry["version"], "specifier": entry.get("specifier"), "count": 1}
            )
    for group in groups:
        group["label"] = group["first"] if group["count"] == 1 else f"{group['first']}\N{EN DASH}{group['last']}"
    return groups


def asked_ranges(parent_versions: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each group in words, oldest first: ["3.12.0-3.14.0: >=2.2", "3.15.0: >=4.2", "3.16.0: nothing"] (an en dash).

    Empty when every version asks the same (or there is one version): the edge's specifier says it.
    """
    groups = version_ranges(parent_versions)
    if len(groups) < 2:
        return []
    return [f"{group['label']}: {_asked(group['specifier'])}" for group in groups]


def _asked(specifier: str | None) -> str:
    if specifier is None:
        return "nothing"  # that version does not depend on the package
    return specifier or "any version"
