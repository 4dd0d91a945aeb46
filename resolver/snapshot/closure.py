"""Make a snapshot closed under the dependencies of what it keeps, and say what it does not hold.

The project cap leaves projects out; a kept version that needs one of them (a Requires-Dist that
applies without any extra) would resolve offline to "not found" where the real index resolves.
So such versions are dropped, then the projects left with no version, until every project a
kept version needs is held (or is known to be on no index: the real index gives the same
answer). An answer inside the snapshot's scope is then one the real index would also give; what
lies outside it is recorded (`Snapshot.dropped`, `Snapshot.unfollowed`) for the gap diagnosis
(`resolver.analysis.gaps`) to name.
"""

from __future__ import annotations

from typing import Any, Protocol

from resolver.index.coverage import Coverage


class Snapshot(Protocol):
    """What `resolver.snapshot.collect.Snapshot` offers here (named apart: collect calls `close`)."""

    projects: dict[str, Any]
    absent: list[str]
    needs: dict[tuple[str, str], set[str]]
    dropped: dict[str, list[str]]
    unfollowed: dict[str, set[str]]
    problems: list[str]
    left_out: list[str]
    taken: str
    scope: Any


def close(snapshot: Snapshot) -> None:
    """Drop kept versions whose plain dependencies are not held, until none is left to drop."""
    held = {name for name, project in snapshot.projects.items() if project.files}
    # On the index but with nothing any target installs: the real index gives the same answer.
    absent = set(snapshot.absent) | (set(snapshot.projects) - held)
    emptied: list[str] = []
    changed = True
    while changed:
        changed = False
        for (name, version), needed in snapshot.needs.items():
            if name not in held or not (needed - held - absent):
                continue
            project = snapshot.projects[name]
            files = [file for file in project.files if str(file.version) != version]
            if len(files) == len(project.files):
                continue
            for file in project.files:
                if str(file.version) == version:
                    project.metadata.pop(file.filename, None)
            project.files = files
            snapshot.dropped.setdefault(name, []).append(version)
            lacking = " ".join(sorted(needed - held - absent))
            snapshot.problems.append(f"{name} {version}: dropped, it needs {lacking} (not held)")
            changed = True
            if not files:
                held.discard(name)
                emptied.append(name)
    for name in emptied:
        del snapshot.projects[name]
        snapshot.left_out.append(name)
    snapshot.left_out.sort()
    snapshot.unfollowed = {name: parents & held for name, parents in snapshot.unfollowed.items() if name not in held}
    snapshot.unfollowed = {name: parents for name, parents in snapshot.unfollowed.items() if parents}


def coverage(snapshot: Snapshot) -> Coverage:
    """What the bundle of `snapshot` holds, for `resolver.index.coverage` to read back."""
    return Coverage(
        projects=frozenset(name for name, project in snapshot.projects.items() if project.files),
        absent=frozenset(snapshot.absent),
        dropped={name: tuple(versions) for name, versions in snapshot.dropped.items() if versions},
        taken=snapshot.taken,
        unfollowed=frozenset(snapshot.unfollowed),
        max_versions=snapshot.scope.max_versions,
    )
