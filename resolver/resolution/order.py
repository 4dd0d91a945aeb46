"""In which order the resolver decides packages: pip's preferences, with conflict promotion and fail-first.

The order decides how much backtracking an input needs, not which answers exist: deciding the
most constrained packages first finds conflicts early, and a package blamed again and again is
decided before the ones it keeps clashing with. A part of `Provider`, kept apart so each file
holds one concern.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from resolvelib.structs import RequirementInformation

from resolver.errors import MetadataUnavailable
from resolver.resolution.requirements import PYTHON, AnyCandidate, AnyReq, Candidate, PythonReq, Req

# An unpinned package named this many times in backtrack causes is decided before any other (as
# pip does): its constraints then apply before the packages it keeps clashing with take a version.
CONFLICT_PROMOTION = 5


class OrderPart:
    """resolvelib's `narrow_requirement_selection` and `get_preference`, as a part of `Provider`."""

    user_requested: dict[str, int]
    # Identifiers an earlier resolution of the same input found clashing (rank, lower first): an
    # analysis's re-resolution decides them right after Python, so a clash that still holds shows
    # in the first rounds instead of after backtracking through everything pinned before it. The
    # order changes how soon an answer is found, not whether one exists.
    preferences: dict[str, int]
    _pins: Mapping[str, AnyCandidate]
    _blamed: Counter[str]
    _promoted: set[str]

    def _dependencies_of(self, candidate: Candidate) -> tuple[list[AnyReq], list[tuple[str, str, str]]]:
        raise NotImplementedError

    def is_satisfied_by(self, requirement: AnyReq, candidate: AnyCandidate) -> bool:
        raise NotImplementedError

    def narrow_requirement_selection(
        self,
        identifiers: Iterable[str],
        resolutions: Mapping[str, AnyCandidate],
        candidates: Mapping[str, Iterator[AnyCandidate]],
        information: Mapping[str, Iterator[RequirementInformation[AnyReq, AnyCandidate]]],
        backtrack_causes: Sequence[RequirementInformation[AnyReq, AnyCandidate]],
    ) -> Iterable[str]:
        """The target's Python alone; else what the last backtrack blamed; else what was blamed often.

        Deciding a cause of the last clash first finds out at once whether the backjump settled it.
        A package blamed again and again while unpinned (a dependency whose every version clashes
        with a pin taken earlier) goes first too: otherwise each backjump only steps back over the
        latest pin that shares a dependency with it, and the same clash comes back after re-pinning
        everything in between. Both as pip does, so the first descent stays pip's.
        """
        self._pins = resolutions
        identifiers = list(identifiers)
        if PYTHON in identifiers:
            return [PYTHON]
        blamed = self._blame(backtrack_causes, resolutions)
        for group in (blamed, self._promoted):
            narrowed = [identifier for identifier in identifiers if identifier in group]
            if narrowed:
                return narrowed
        return identifiers

    def _blame(
        self, causes: Sequence[RequirementInformation[AnyReq, AnyCandidate]], resolutions: Mapping[str, AnyCandidate]
    ) -> set[str]:
        """The identifiers the causes name, counting the unpinned ones towards promotion."""
        named: set[str] = set()
        for info in causes:
            for item in (info.requirement, info.parent):
                if item is None:
                    continue
                named.add(item.identifier)
                if item.identifier not in resolutions:
                    self._blamed[item.identifier] += 1
                    if self._blamed[item.identifier] >= CONFLICT_PROMOTION:
                        self._promoted.add(item.identifier)
        return named

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, AnyCandidate],
        candidates: Mapping[str, Iterator[AnyCandidate]],
        information: Mapping[str, Iterator[RequirementInformation[AnyReq, AnyCandidate]]],
        backtrack_causes: Sequence[RequirementInformation[AnyReq, AnyCandidate]],
    ) -> Any:
        """Python, the often blamed, pinned, upper-bounded, a dependency whose first candidate clashes
        with a pin, then the user's lines in their order, then any specifier.

        Deciding the most constrained packages first finds conflicts early and keeps the first
        descent close to what pip-reqs (newest everything) would pick. A dependency whose newest
        version clashes with a pin has its choice forced (fail first): settled right after the
        line that brought it, a clash no version of it escapes undoes only the pins before it,
        not all those taken after (pip would take the user's remaining lines first, and backjump
        over them one by one). The user's own lines keep their order, and so pip's outcome.
        """
        specifiers = [spec for info in information[identifier] for spec in info.requirement.specifier]
        pinned = any(s.operator in ("==", "===") and not s.version.endswith("*") for s in specifiers)
        upper_bounded = pinned or any(
            s.operator in ("<", "<=", "~=") or (s.operator == "==" and s.version.endswith("*")) for s in specifiers
        )
        requested = self.user_requested.get(identifier, math.inf)
        forced = requested == math.inf and self._first_clashes(identifier, candidates, resolutions)
        return (
            identifier != PYTHON,
            self.preferences.get(identifier, math.inf),
            identifier not in self._promoted,
            not pinned,
            not upper_bounded,
            not forced,
            requested,
            not specifiers,
            identifier,
        )

    def _first_clashes(
        self, identifier: str, candidates: Mapping[str, Iterator[AnyCandidate]], pins: Mapping[str, AnyCandidate]
    ) -> bool:
        """Whether the candidate resolvelib would try first for `identifier` depends on something
        a current pin excludes. Reads what pinning it reads anyway (the prefetch has most often
        fetched it already), and nothing when the package already has a pin.
        """
        if identifier == PYTHON or identifier in pins or identifier not in candidates:
            return False
        first = next(iter(candidates[identifier]), None)
        if not isinstance(first, Candidate):
            return False
        try:
            deps, _ = self._dependencies_of(first)
        except MetadataUnavailable:
            return False
        for dep in deps:
            if isinstance(dep, PythonReq):
                return True
            pin = pins.get(dep.identifier)
            if pin is not None and not self.is_satisfied_by(dep, pin):
                return True
        return False


def user_order(requirements: Iterable[Req]) -> dict[str, int]:
    order: dict[str, int] = {}
    for position, req in enumerate(requirements):
        order.setdefault(req.identifier, position)
    return order
