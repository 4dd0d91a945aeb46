"""Fetching ahead of resolvelib: what it will most likely read, started in the index's pool.

Most of a cold resolution is waiting for the index, one request at a time, as pip does. So as soon
as a requirement is known, the provider starts what resolving it will most likely read: the
project page, the metadata of the newest version the requirement admits (the one resolvelib
will try first), then the same for that version's dependencies, and so on down the tree. That is
the set of requests pip makes when nothing backtracks, made concurrently; what the resolver later
asks for is then already in the index client's memo. A newest version whose dependencies clash
with the pins taken so far is one resolvelib will turn down: its dependencies are not fetched
(pip never reads them), the next versions' metadata is, since resolvelib reads those next.

When resolvelib rejects the versions of a package one after another, each next version's
metadata would be one more round trip waited for in sequence. So the metadata of the next few
versions is fetched at once: two within one round, and once backtracking has excluded versions of
the package, as many as it has excluded (as uv batches its prefetches once a package is
backtracked), so a long walk down an old pin's versions waits for a batch, not for each version,
and a walk that stops early wastes at most as many requests as it had already made. (Growing
within a round too wasted more than it saved: those walks are short and end at a version that fits.)

Everything fetched ahead serves one resolution: once it has its answer (`stop_prefetching`),
nothing more is started for it, so a finished resolution neither keeps the pool busy nor fetches
what nobody will read. A part of `Provider`, kept apart so each file holds one concern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from resolver.errors import InvalidMetadata, MetadataUnavailable
from resolver.index.client import IndexClient
from resolver.index.dists import DistFile
from resolver.resolution.finder import VersionFiles
from resolver.resolution.requirements import AnyCandidate, AnyReq, Candidate, PythonReq, Req

# How far below what the resolver has reached the prefetch reads ahead (1: the dependencies of the
# candidates it has taken; 2: theirs too, ...). Deeper hides more latency but reads more that a
# resolution ending early at a conflict never needs (pip would not fetch it either).
PREFETCH_DEPTH = 50

# While resolvelib walks down a package's versions, how many versions past the one it reads get
# their metadata fetched: at least the first of these, at most the second, else as many as
# backtracking has excluded (so a walk that stops early wastes at most as many requests as it made).
PREFETCH_CANDIDATES = (2, 16)


def candidates_ahead(excluded: int) -> int:
    """How many versions to fetch ahead of the one read next, once backtracking excluded `excluded`."""
    least, most = PREFETCH_CANDIDATES
    return min(max(least, excluded), most)


class PrefetchPart:
    """The provider's fetching ahead (`prefetch`, `fetch_candidates`), as a part of `Provider`."""

    index: IndexClient
    urls: dict[str, tuple[Version, str]]
    constraints: dict[str, SpecifierSet]
    versions: dict[str, dict[Version, VersionFiles]]
    unavailable: dict[tuple[str, Version], MetadataUnavailable]
    invalid: dict[tuple[str, Version], InvalidMetadata]
    _criteria: dict[str, SpecifierSet]
    _pins: Mapping[str, AnyCandidate]
    _prefetched: set[str]
    _fetched_ahead: set[str]  # file URLs
    _stopped: bool

    def _matching(self, name: str, specifier: SpecifierSet) -> list[tuple[Version, tuple[DistFile, ...]]]:
        raise NotImplementedError

    def _dependencies_of(self, candidate: Candidate) -> tuple[list[AnyReq], list[tuple[str, str, str]]]:
        raise NotImplementedError

    def is_satisfied_by(self, requirement: AnyReq, candidate: AnyCandidate) -> bool:
        raise NotImplementedError

    def stop_prefetching(self) -> None:
        """The resolution has its answer: start nothing more for it, and drop what has not started.

        What is already being fetched finishes (into the client's memo, for whoever asks next).
        """
        self._stopped = True

    def fetch_candidates(self, candidates: Sequence[Candidate]) -> None:
        """Fetch these candidates' metadata concurrently, each once, in this order."""
        if self._stopped:
            return
        for candidate in candidates:
            file = candidate.file
            if file is not None and candidate.name not in self.urls and file.url not in self._fetched_ahead:
                self._fetched_ahead.add(file.url)
                self.index.submit(self._metadata_ahead, file)

    def _metadata_ahead(self, file: DistFile) -> None:
        if not self._stopped:
            self.index.metadata(file)

    def prefetch(self, requirements: Iterable[AnyReq], depth: int = PREFETCH_DEPTH) -> None:
        """Start reading, in the index's pool, what resolving these requirements will most likely need.

        Once per identifier: its page, the metadata of the newest version its specifier (and the
        constraints) admit, and recursively the same for that version's dependencies.
        """
        requirements = list(requirements)
        for req in requirements:
            # The input's own lines are criteria from the first round: known before resolvelib
            # shows them to find_matches, they let the clash test work from the first prefetch.
            if isinstance(req, Req) and req.origin is not None:
                known = self._criteria.get(req.identifier, self.constraints.get(req.name, SpecifierSet()))
                self._criteria[req.identifier] = known & req.specifier
        for req in requirements:
            if req.name in self.urls or self._stopped:
                continue
            if depth > 0 and isinstance(req, Req) and req.identifier not in self._prefetched:
                self._prefetched.add(req.identifier)
                self.index.submit(self._prefetch_one, req, depth)

    def _prefetch_one(self, req: Req, depth: int) -> None:
        """The page and the newest readable candidate's metadata, then its dependencies' (unless
        it clashes with the pins: then the next few versions, which resolvelib reads next)."""
        if self._stopped:
            return
        specifier = req.specifier & self.constraints.get(req.name, SpecifierSet())
        clashing = 0
        for version, files in self._matching(req.name, specifier):
            if self._stopped:
                return
            if (req.name, version) in self.unavailable or (req.name, version) in self.invalid:
                continue
            candidate = Candidate(req.name, version, req.extras, files)
            try:
                deps, _ = self._dependencies_of(candidate)
            except MetadataUnavailable:
                continue  # resolvelib will set it aside and try the next one; so do we
            if not self._clashes_with_pins(deps):
                self.prefetch(deps, depth - 1)
                return
            clashing += 1
            if clashing > PREFETCH_CANDIDATES[0]:
                return

    def _clashes_with_pins(self, deps: list[AnyReq]) -> bool:
        """Whether resolvelib will most likely refuse this candidate at once: a dependency excludes a
        current pin, the target's Python, or every version the requirements already on that
        package allow. Its dependencies are then not worth fetching ahead: pip stops at that
        first clash and never reads them. (A guess from what resolvelib last showed us: a wrong
        one costs a prefetch, never a result.)

        A package with requirements already on it is one the resolver reads anyway: when its page
        is not read yet (a prefetch running ahead of it), the test waits for it rather than guess.
        """
        for dep in deps:
            if isinstance(dep, PythonReq):
                return True
            pin = self._pins.get(dep.identifier)
            if pin is not None and not self.is_satisfied_by(dep, pin):
                return True
            known = self._criteria.get(dep.identifier)
            if known is not None and not self._matching(dep.name, known & dep.specifier):
                return True
        return False
