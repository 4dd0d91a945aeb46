"""What a partial index (the bundled snapshot) holds, so an answer resting on what it lacks says so.

A snapshot tree carries `coverage.json` beside its `simple/` (written by
`resolver.snapshot.bundle`): the projects it holds, those the index it was taken from does not
have at all, the installable versions it left out of each held project, the projects its kept
metadata asks for that it never followed, and the date it was taken. Any index whose URL is a
file:// tree with that file is partial; every other index is taken as complete (`coverage_of`
gives None), which is what a real index is.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

FILE = "coverage.json"
FORMAT = 1
_lock = threading.Lock()
_loaded: dict[tuple[str, int], Coverage | None] = {}


@dataclass(frozen=True)
class Coverage:
    projects: frozenset[str]
    absent: frozenset[str] = frozenset()  # not on the source index either: "not found" is true
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)  # installable versions left out
    taken: str = ""  # YYYY-MM-DD
    unfollowed: frozenset[str] = frozenset()  # asked for by kept metadata (behind an extra, or capped), not held
    max_versions: int = 0
    scope: str = "Django-ecosystem"

    def label(self) -> str:
        """What the snapshot covers, in the words a user picks an index by."""
        parts = [f"{len(self.projects)} {self.scope} projects"]
        if self.max_versions:
            parts.append(f"newest {self.max_versions} versions each")
        if self.taken:
            parts.append(f"taken {self.taken}")
        return "bundled snapshot: " + ", ".join(parts)

    def holds(self, name: str) -> bool:
        """False when a "not found" for `name` may be a gap of the snapshot rather than a fact."""
        name = canonicalize_name(name)
        return name in self.projects or name in self.absent

    def dropped_matching(self, name: str, specifiers: list[str]) -> list[str]:
        """Versions left out of the snapshot that every one of `specifiers` admits, newest first."""
        try:
            sets = [SpecifierSet(spec) for spec in specifiers]
        except InvalidSpecifier:
            return []
        found = []
        for text in self.dropped.get(canonicalize_name(name), ()):
            try:
                version = Version(text)
            except InvalidVersion:
                continue
            if all(s.contains(version, prereleases=True) for s in sets):
                found.append(text)
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "taken": self.taken,
            "scope": self.scope,
            "max_versions": self.max_versions,
            "projects": sorted(self.projects),
            "absent": sorted(self.absent),
            "unfollowed": sorted(self.unfollowed),
            "dropped": {name: list(versions) for name, versions in sorted(self.dropped.items()) if versions},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        return cls(
            projects=frozenset(data["projects"]),
            absent=frozenset(data.get("absent", ())),
            unfollowed=frozenset(data.get("unfollowed", ())),
            dropped={name: tuple(versions) for name, versions in data.get("dropped", {}).items()},
            taken=str(data.get("taken", "")),
            max_versions=int(data.get("max_versions", 0)),
            scope=str(data.get("scope", "Django-ecosystem")),
        )


def tree_of(url: str) -> Path | None:
    """The directory holding a file:// index's `simple/` (None for other schemes)."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    from urllib.request import url2pathname  # 17 ms of imports, for file:// indexes only

    simple = Path(url2pathname(parts.path))
    return simple.parent if simple.name == "simple" else simple


def coverage_of(urls: list[str]) -> Coverage | None:
    """The coverage of the first index URL when it is a snapshot tree; None for a complete index.

    Read once per tree and file size (the tree is replaced whole when the archive changes).
    """
    tree = tree_of(urls[0]) if urls else None
    if tree is None:
        return None
    path = tree / FILE
    try:
        key = (str(path), path.stat().st_size)
    except OSError:
        return None
    with _lock:
        if key not in _loaded:
            try:
                _loaded[key] = Coverage.from_dict(json.loads(path.read_text()))
            except (OSError, ValueError, KeyError, TypeError):
                _loaded[key] = None
        return _loaded[key]
