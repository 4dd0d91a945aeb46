"""The compatibility matrix: each parent's versions against the clashing package's versions.

Read from the index's metadata, no resolution needed. Dependencies that only an extra brings are
not seen.
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from resolver.analysis.budget import AnalysisLimits
from resolver.errors import ResolverError
from resolver.output.report import Conflict, Matrix, MatrixParent, MatrixRow
from resolver.resolution.finder import VersionFiles
from resolver.resolution.provider import Provider
from resolver.resolution.requirements import Candidate, Req


def spec_of(text: str | None) -> SpecifierSet:
    try:
        return SpecifierSet(text or "")
    except InvalidSpecifier:
        return SpecifierSet()


class MatrixPart:
    """The matrix analysis, as a part of `Analyser`; `requirement_of` also serves the fixes."""

    provider: Provider
    limits: AnalysisLimits

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
            for clause in spec_of(constraint["specifier"]):
                if clause.operator in ("==", "===") and "*" not in clause.version:
                    pinned.add(Version(clause.version))
        columns, truncated = self._series(self._available(name), pinned, self.limits.matrix_versions)
        parents: list[MatrixParent] = []
        for constraint in conflict["constraints"]:
            if constraint["parent"] is None:
                spec = spec_of(constraint["specifier"])
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
            rows: list[MatrixRow] = []
            for version in rows_versions:
                read, specifier = self.requirement_of(parent, version, name)
                if not read:
                    continue
                spec = spec_of(specifier)
                rows.append(
                    {
                        "version": str(version),
                        "specifier": specifier,
                        "accepts": [spec.contains(v, prereleases=True) for v in columns],
                    }
                )
            parents.append({"parent": parent, "label": parent, "rows": rows, "truncated": rows_cut})
        return {"versions": [str(v) for v in columns], "parents": parents, "truncated": truncated}
