"""The resolvelib provider: pip's resolution semantics over our index client and target.

A thin adapter: it asks the index (which does all I/O) and the finder, and keeps what the
explanation will need (every version of every project it classified). What it fetches ahead of
resolvelib, and when it stops, is `resolver.resolution.prefetch`.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider

from resolver.environment import Target
from resolver.errors import InvalidMetadata, MetadataUnavailable
from resolver.index.client import IndexClient
from resolver.index.dists import DistFile, DistKind, Project
from resolver.input import parsing
from resolver.input.formats import DEFAULT as DEFAULT_FORMATS
from resolver.input.formats import FormatControl
from resolver.resolution.finder import VersionFiles, matching_versions
from resolver.resolution.order import OrderPart
from resolver.resolution.prefetch import PrefetchPart, candidates_ahead
from resolver.resolution.requirements import (
    PYTHON,
    AnyCandidate,
    AnyReq,
    Candidate,
    PythonCandidate,
    PythonReq,
    Req,
)
from resolver.resolution.views import ClassifiedView


def marker_applies(marker: Marker | None, environment: Mapping[str, str], extras: Iterable[str]) -> bool:
    """Whether a dependency's marker holds on the target for any of the extras asked for."""
    if marker is None:
        return True
    return any(marker.evaluate({**environment, "extra": extra}) for extra in list(extras) or [""])


class Provider(OrderPart, PrefetchPart, AbstractProvider[AnyReq, AnyCandidate, str]):
    """resolvelib provider with pip's semantics, for a target that is not the running interpreter.

    `constraint_lines` are the `-c` lines by package name: they narrow the candidates without
    adding the package, as pip's constraints do.

    A version whose dependencies cannot be read without a build is set aside, as pip sets aside
    one it cannot build; with `optimistic` (True, or the names of the packages it applies to) it is
    tried as if it had no dependencies instead.
    More dependencies can only add constraints, so a failure even then is certain. `unavailable`
    records those versions either way, and `assumed` tells which of a result's pins rest on it.
    A version whose metadata is invalid is in `invalid` instead: never taken, never assumed, as pip
    (24.1 on) ignores it, all its files with it.
    """

    def __init__(
        self,
        index: IndexClient,
        target: Target,
        *,
        pre: bool = False,
        constraint_lines: Mapping[str, list[Req]] | None = None,
        user_requested: Mapping[str, int] | None = None,
        optimistic: bool | frozenset[str] = False,
        urls: Mapping[str, tuple[Version, str]] | None = None,
        formats: FormatControl = DEFAULT_FORMATS,
        preferences: Mapping[str, int] | None = None,
    ) -> None:
        self.index = index
        self.formats = formats  # --only-binary/--no-binary: part of the classified view's key
        # Packages the user gave as a URL line: that archive at the version the line declares, never
        # looked up on the index nor fetched; its dependencies are unknown, taken as none.
        self.urls = dict(urls or {})
        self.optimistic = optimistic
        self.target = target
        self.pre = pre
        self.constraint_lines = dict(constraint_lines or {})
        self.constraints: dict[str, SpecifierSet] = {}
        for name, lines in self.constraint_lines.items():
            for line in lines:
                self.constraints[name] = self.constraints.get(name, SpecifierSet()) & line.specifier
        self.user_requested = dict(user_requested or {})
        self.python = PythonCandidate(target.python_full_version)
        # The view's callback holds the index and a view of its own, never this provider: a view
        # that called back into the provider would tie both into a cycle, left for the cycle
        # collector with all a resolution read instead of freed when the resolution is dropped.
        sorter = ClassifiedView(target, formats, _no_reasons)
        self._view = ClassifiedView(target, formats, functools.partial(_classified_with_reasons, index, sorter))
        self.projects: dict[str, Project | None] = {}
        self.versions: dict[str, dict[Version, VersionFiles]] = {}
        self.skipped_dependencies: list[tuple[str, str, str]] = []  # (parent pin, text, reason)
        self.unavailable: dict[tuple[str, Version], MetadataUnavailable] = {}
        self.invalid: dict[tuple[str, Version], InvalidMetadata] = {}
        self._matches: dict[tuple[str, SpecifierSet], list[tuple[Version, tuple[DistFile, ...]]]] = {}
        self._built: dict[tuple[str, int], tuple[SpecifierSet, list[Candidate]]] = {}
        self._pool: dict[tuple[str, Version], Candidate] = {}
        self._remade: set[str] = set()
        self._joint: dict[tuple[str, tuple[int, ...]], tuple[tuple[SpecifierSet, ...], SpecifierSet]] = {}
        # Dependencies by (identifier, version), with the lines skipped as invalid; those are
        # reported only once resolvelib itself asks (a prefetch reads versions it may never try).
        self._dependencies: dict[tuple[str, Version], tuple[list[AnyReq], list[tuple[str, str, str]]]] = {}
        self._reported: set[tuple[str, Version]] = set()
        self._parsed: dict[tuple[str, frozenset[str], str], Req | str | None] = {}
        self._prefetched: set[str] = set()
        self._fetched_ahead: set[str] = set()
        self._stopped = False
        self._satisfied: dict[tuple[int, Version], tuple[SpecifierSet, bool]] = {}
        self._pins: Mapping[str, AnyCandidate] = {}  # resolvelib's current pins, as last shown to us
        self._criteria: dict[str, SpecifierSet] = {}  # the last joint specifier asked for, by identifier
        self._blamed: Counter[str] = Counter()  # unpinned identifiers, by times named in backtrack causes
        self._promoted: set[str] = set()
        self.preferences = dict(preferences or {})  # resolver.resolution.order: known clashes first

    # -- what the index knows, classified once per project ------------------------------------

    def project(self, name: str) -> Project | None:
        """The project with only the files the target can use (the others are in `versions`)."""
        if name not in self.projects:
            view = self.index.project_view(name, self._view, self._view.key)
            project, versions = view if view is not None else (None, {})
            self.versions.setdefault(name, versions)  # prefetch threads may get here too: same values
            self.projects.setdefault(name, project)
        return self.projects[name]

    def version_files(self, name: str) -> dict[Version, VersionFiles]:
        if name in self.urls:
            version, url = self.urls[name]
            filename = url.split("#")[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            kind: DistKind = "wheel" if filename.endswith(".whl") else "sdist"
            file = DistFile(filename, url, NormalizedName(name), version, kind)  # the URL line's name, canonical
            return {version: VersionFiles(version, usable=[file])}
        self.project(name)
        return self.versions[name]

    # -- resolvelib's interface ---------------------------------------------------------------

    def identify(self, requirement_or_candidate: AnyReq | AnyCandidate) -> str:
        return requirement_or_candidate.identifier

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[AnyReq]],
        incompatibilities: Mapping[str, Iterator[AnyCandidate]],
    ) -> list[AnyCandidate] | Callable[[], Iterator[AnyCandidate]]:
        reqs = list(requirements[identifier])
        if identifier == PYTHON:
            ok = all(self.is_satisfied_by(req, self.python) for req in reqs)
            return [self.python] if ok else []
        first = reqs[0]
        name, extras = first.name, first.extras
        specifier = self.specifier_for(name, reqs)
        self._criteria[identifier] = specifier
        excluded = list(incompatibilities[identifier])
        found = self._candidates(identifier, name, extras, specifier)
        if excluded:
            found = self._without(identifier, found, excluded)
        if self.invalid or self.unavailable:
            found = [c for c in found if self.can_take(name, c.version)]
        # Backtracking asks for this package again with its tried versions excluded, and will most
        # likely go on down the list: fetch ahead then, only the first otherwise.
        self.fetch_candidates(found[: 1 + (candidates_ahead(len(excluded)) if excluded else 0)])
        return lambda: self._readable(found, len(excluded))

    def _readable(self, candidates: list[Candidate], excluded: int = 0) -> Iterator[Candidate]:
        """The candidates whose metadata can be read, fetching ahead once past the first.

        A candidate whose dependencies cannot be read without running its build is remembered for
        the report and set aside, as pip discards a candidate whose metadata it cannot prepare
        (unless `optimistic`: then it is offered, with no dependencies). One whose metadata is
        invalid is left out whatever `optimistic` says: pip ignores that version.
        Unless resolvelib has turned versions of this package down already, only the first
        candidate is fetched until it asks for a second: most packages never need one, and pip
        would not fetch it either.
        """
        for position, candidate in enumerate(candidates):
            if candidate.name in self.urls:
                yield candidate
                continue
            if position:
                self.fetch_candidates(candidates[position + 1 : position + 1 + candidates_ahead(excluded)])
            try:
                self.index.metadata(_file_of(candidate))
            except InvalidMetadata as error:
                self.invalid[(candidate.name, candidate.version)] = error.with_traceback(
                    None
                )  # frames would hold this provider in a cycle
                continue
            except MetadataUnavailable as error:
                self.unavailable[(candidate.name, candidate.version)] = error.with_traceback(None)
                if not self.assumes(candidate.name):
                    continue
            yield candidate

    def _candidates(
        self, identifier: str, name: str, extras: frozenset[str], specifier: SpecifierSet
    ) -> list[Candidate]:
        """The candidates `specifier` admits, newest first, built once per identifier and specifier
        object: backtracking asks for the same list again and again, less the versions it excluded."""
        key = (identifier, id(specifier))  # `specifier_for` returns the same object for the same requirements
        known = self._built.get(key)
        if known is not None and known[0] is specifier:
            return known[1]
        found = [
            self._candidate(identifier, name, extras, version, files)
            for version, files in self._matching(name, specifier)
        ]
        self._built[key] = (specifier, found)  # holding it keeps its id from being reused
        return found

    def _candidate(
        self, identifier: str, name: str, extras: frozenset[str], version: Version, files: tuple[DistFile, ...]
    ) -> Candidate:
        """One object per version and files, whatever the specifier that found it: the ones
        resolvelib turns down come back to `find_matches`, which recognises them by identity."""
        known = self._pool.get((identifier, version))
        if known is not None and len(known.files) == len(files) and all(map(operator.is_, known.files, files)):
            return known
        if known is not None:
            self._remade.add(identifier)  # (a pin admitting yanked files, a URL line)
        made = Candidate(NormalizedName(name), version, extras, files)  # a requirement's name is canonical
        self._pool[(identifier, version)] = made
        return made

    def _without(self, identifier: str, candidates: list[Candidate], excluded: list[AnyCandidate]) -> list[Candidate]:
        """`candidates` less the versions of `excluded`, which are candidates this provider made.

        By identity (comparing versions was most of a backtracking `find_matches`), unless two
        objects were made for one version of this identifier: then by version too.
        """
        ids = {id(candidate) for candidate in excluded}
        kept = [candidate for candidate in candidates if id(candidate) not in ids]
        if identifier in self._remade:
            versions = {candidate.version for candidate in excluded}
            kept = [candidate for candidate in kept if candidate.version not in versions]
        return kept

    def _matching(self, name: str, specifier: SpecifierSet) -> list[tuple[Version, tuple[DistFile, ...]]]:
        """matching_versions, memoised: resolvelib asks again every time a requirement is added."""
        key = (name, specifier)
        if key not in self._matches:
            found = matching_versions(self.version_files(name).values(), specifier, pre=self.pre)
            self._matches[key] = [(version, tuple(files)) for version, files in found]
        return self._matches[key]

    def specifier_for(self, name: str, reqs: Iterable[AnyReq]) -> SpecifierSet:
        """The requirements' specifiers joined with the constraints on `name`.

        Memoised by the requirements' own specifier objects, and the same object returned for
        them: resolvelib asks again with the same requirements on every round, and joining
        (which hashes every part, each time working out its canonical form) was most of the
        time of a backtracking resolution. Holding the parts keeps their ids from being reused.
        """
        parts = tuple(req.specifier for req in reqs)
        key = (name, tuple(map(id, parts)))
        known = self._joint.get(key)
        if known is not None and all(a is b for a, b in zip(known[0], parts, strict=True)):
            return known[1]
        specifier = SpecifierSet()
        for part in parts:
            specifier &= part
        specifier &= self.constraints.get(name, SpecifierSet())
        self._joint[key] = (parts, specifier)
        return specifier

    def is_satisfied_by(self, requirement: AnyReq, candidate: AnyCandidate) -> bool:
        """Memoised per (specifier object, version): resolvelib asks again for every pin it checks,
        tens of thousands of times on a large input, about the same few hundred pairs.
        """
        specifier = requirement.specifier
        key = (id(specifier), candidate.version)
        known = self._satisfied.get(key)
        if known is not None and known[0] is specifier:
            return known[1]
        result = specifier.contains(candidate.version, prereleases=True)
        self._satisfied[key] = (specifier, result)  # holding it keeps its id from being reused
        return result

    def get_dependencies(self, candidate: AnyCandidate) -> list[AnyReq]:
        if isinstance(candidate, PythonCandidate):
            return []
        key = (candidate.identifier, candidate.version)
        if candidate.name in self.urls:
            return [Req(candidate.name, SpecifierSet(f"=={candidate.version}"))] if candidate.extras else []
        try:
            deps, skipped = self._dependencies_of(candidate)
        except MetadataUnavailable as error:
            if isinstance(error, InvalidMetadata) or not self.assumes(candidate.name):
                raise  # an invalid one is never offered (_readable), so not met here
            self.unavailable[(candidate.name, candidate.version)] = error.with_traceback(None)
            return [Req(candidate.name, SpecifierSet(f"=={candidate.version}"))] if candidate.extras else []
        if key not in self._reported:
            self._reported.add(key)
            self.skipped_dependencies.extend(skipped)
        if not self._clashes_with_pins(deps):
            self.prefetch(deps)
        return deps

    def assumes(self, name: str) -> bool:
        """Whether this package's versions of unknown metadata are tried as if they had no dependencies."""
        return self.optimistic is True or (isinstance(self.optimistic, frozenset) and name in self.optimistic)

    def can_take(self, name: str, version: Version) -> bool:
        """Whether the resolver may take this version: not one set aside for unknown or invalid metadata."""
        if (name, version) in self.invalid:
            return False
        return self.assumes(name) or (name, version) not in self.unavailable

    def assumed(self, pins: Iterable[AnyCandidate]) -> list[Candidate]:
        """The pins whose dependencies were unknown: the result holds only if they have none."""
        return [c for c in pins if isinstance(c, Candidate) and (c.name, c.version) in self.unavailable]

    def _dependencies_of(self, candidate: Candidate) -> tuple[list[AnyReq], list[tuple[str, str, str]]]:
        key = (candidate.identifier, candidate.version)
        if key not in self._dependencies:
            self._dependencies[key] = self._read_dependencies(candidate)
        return self._dependencies[key]

    def _read_dependencies(self, candidate: Candidate) -> tuple[list[AnyReq], list[tuple[str, str, str]]]:
        metadata = self.index.metadata(_file_of(candidate))
        deps: list[AnyReq] = []
        skipped: list[tuple[str, str, str]] = []
        if candidate.extras:
            # The extras' candidate depends on the base package of the same version (pip's model).
            deps.append(Req(candidate.name, SpecifierSet(f"=={candidate.version}")))
        elif metadata.requires_python and not self.target.accepts_python(metadata.requires_python):
            deps.append(PythonReq(SpecifierSet(metadata.requires_python)))
        for text in metadata.requires_dist:
            req = self._dependency(candidate, text)
            if isinstance(req, str):
                skipped.append((candidate.pin(), text, req))
            elif req is not None:
                deps.append(req)
        return deps, skipped

    def _dependency(self, parent: Candidate, text: str) -> Req | str | None:
        """The requirement a Requires-Dist line makes for `parent` on the target; None when its
        marker excludes it; the reason when it is invalid. Memoised by line: many versions of a
        package, and many packages, repeat the same lines.
        """
        key = (parent.name, parent.extras, text)
        if key not in self._parsed:
            self._parsed[key] = self._parse_dependency(parent, text)
        return self._parsed[key]

    def _parse_dependency(self, parent: Candidate, text: str) -> Req | str | None:
        try:
            requirement = parsing.requirement(text)
        except (InvalidRequirement, InvalidMarker) as error:
            return f"invalid requirement: {error}"
        if not marker_applies(requirement.marker, self.target.markers, parent.extras):
            return None
        if parent.extras and requirement.marker is None:
            return None  # the base candidate already brings the unconditional dependencies
        name = canonicalize_name(requirement.name)
        if name == parent.name and not requirement.extras:
            return None  # a package naming itself (pip ignores this)
        return Req(
            name=name,
            specifier=requirement.specifier,
            extras=frozenset(canonicalize_name(e) for e in requirement.extras),
            marker=str(requirement.marker) if requirement.marker else None,
            text=text,
        )


def _classified_with_reasons(
    index: IndexClient, view: ClassifiedView, name: str
) -> tuple[Project, dict[Version, VersionFiles]] | None:
    """The page classified again, with its reasons, for a view read back from the cache without them."""
    found: tuple[Project, dict[Version, VersionFiles]] | None = index.project_view(
        name, view.sort, view.key + ":with-reasons"
    )
    return found


def _no_reasons(name: str) -> None:
    """For a view used only to sort pages (with their reasons): it is never asked for them."""
    return None


def _file_of(candidate: Candidate) -> DistFile:
    """The file of a candidate the provider found: only placeholders set aside have none."""
    assert candidate.file is not None
    return candidate.file
