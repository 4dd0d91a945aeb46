"""Walk a dependency closure on an index and keep what resolution needs, to bundle it offline.

`collect(client, seeds, scope=...)` starts from seed requirements, reads each project's page and
the metadata of the versions in scope, follows every `Requires-Dist` (all extras, every marker
that can hold on one of the scope's targets) and returns a `Snapshot`: for each project the
files kept and one small core-metadata file per kept file. `resolver.snapshot.bundle` writes it as a
static PEP 503/691 tree. Package files themselves are never kept.

Bounds, so the bundle stays small (each is a `Scope` field):
- Projects: at most `max_projects`, taken cheapest first. Dependencies that need no extra come
  before those behind an extra nobody on the way asked for, then fewer hops before more.
  Projects beyond the cap are listed in `Snapshot.left_out`: resolving them offline says "not
  found".
- Versions: the newest `max_versions` of each project (`max_optional_versions` for a project
  reached only through such extras: those rarely decide a conflict and many are big binary
  projects), every version a seed's specifier admits (`django>=1.11,<6` keeps all of them), and
  for every specifier some kept metadata puts on a project, its newest `per_specifier` matching
  versions (so `django-taggit<1.0` from an old release finds what pip would take), at most
  `max_pulled` such versions per project. Versions out of scope are left off the page
  altogether, never listed without metadata.
- Files: those some target (Python in `pythons` on a platform in `platforms`) could install:
  wheels with a compatible tag and Requires-Python, sdists with a compatible Requires-Python.

Metadata is read once per distinct metadata file: wheels of one version whose page entries give
the same core-metadata hash share one read (a page without such hashes: the version's wheels are
taken to share their first wheel's metadata). The files keep only the fields resolution reads
and say Metadata-Version 2.1, and an sdist beside wheels shares its wheels' file: the engine sets
such an sdist aside as it does most real sdists (whose dependencies only their build knows),
while pip reads the dependencies a build would give. An sdist-only version is read (downloaded,
up to `max_sdist_bytes`): static metadata is kept as 2.2; otherwise it gets a stub that the
engine sets aside the same way. A wheel whose metadata has an invalid Requires-Dist keeps that
line, so it is set aside for the same reason as on the index; other unreadable wheels are dropped.
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from resolver.environment import EXAMPLE_PLATFORMS, Target
from resolver.errors import IndexAccessError, LimitReached, MetadataUnavailable
from resolver.index.client import IndexClient
from resolver.index.dists import DistFile, Metadata, Project
from resolver.input import parsing
from resolver.snapshot.closure import close

logger = logging.getLogger(__name__)

DEFAULT_PYTHONS = tuple(f"3.{minor}" for minor in range(8, 15))
BATCH = 48  # projects whose pages are fetched together
_EXTRA = re.compile(r"""\bextra\s*==\s*['"]([^'"]+)['"]""")
_DECLARED = re.compile(r"PKG-INFO is Metadata-Version ([^\s:;]+)[:;]")
_INVALID = re.compile(r"""invalid Requires-Dist ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") \(""")


@dataclass(frozen=True)
class Scope:
    """What a snapshot covers; the module docstring says how each bound is applied."""

    pythons: tuple[str, ...] = DEFAULT_PYTHONS
    platforms: tuple[str, ...] = tuple(EXAMPLE_PLATFORMS)
    max_projects: int = 800
    max_versions: int = 60
    max_optional_versions: int = 10
    per_specifier: int = 3
    max_pulled: int = 30
    max_sdist_bytes: int = 10 * 1024 * 1024

    @cached_property
    def targets(self) -> list[Target]:
        return [Target(python, platform) for python in self.pythons for platform in self.platforms]

    @cached_property
    def tags(self) -> frozenset[Tag]:
        return frozenset(tag for target in self.targets for tag in target.tags)

    @cached_property
    def environments(self) -> list[dict[str, str]]:
        unique = {tuple(sorted(target.markers.items())) for target in self.targets}
        return [dict(items) for items in sorted(unique)]

    def installable(self, file: DistFile) -> bool:
        """Whether some target could install this file (its tags and its Requires-Python)."""
        if file.kind == "wheel" and not (file.tags & self.tags):
            return False
        return any(Target(python).accepts_python(file.requires_python) for python in self.pythons)


@dataclass
class SnapshotProject:
    """One project as the bundle serves it: kept files in page order, each with its metadata."""

    name: NormalizedName
    files: list[DistFile] = field(default_factory=list)
    metadata: dict[str, bytes] = field(default_factory=dict)  # filename -> core-metadata file
    versions_on_index: int = 0
    optional: bool = False  # reached only through extras nobody on the way asked for

    def versions(self) -> list[Version]:
        return sorted({file.version for file in self.files}, reverse=True)


@dataclass
class Snapshot:
    seeds: list[str]
    scope: Scope
    projects: dict[str, SnapshotProject] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # required, but no index has them
    left_out: list[str] = field(default_factory=list)  # beyond max_projects
    problems: list[str] = field(default_factory=list)  # files dropped, and why
    absent: list[str] = field(default_factory=list)  # of `missing`: the index answered "no such project"
    needs: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (project, version) -> plain deps
    dropped: dict[str, list[str]] = field(default_factory=dict)  # installable versions not kept
    unfollowed: dict[str, set[str]] = field(default_factory=dict)  # not held -> kept projects that ask for it
    taken: str = ""  # the day the index was read, YYYY-MM-DD (UTC)

    def counts(self) -> dict[str, int]:
        return {
            "projects": len(self.projects),
            "versions": sum(len(p.versions()) for p in self.projects.values()),
            "files": sum(len(p.files) for p in self.projects.values()),
            "metadata_files": sum(len(p.metadata) for p in self.projects.values()),
            "distinct_metadata": len({data for p in self.projects.values() for data in p.metadata.values()}),
            "optional_projects": sum(p.optional for p in self.projects.values()),
        }


def metadata_file(metadata: Metadata, *, declared: str | None = "2.1", dynamic: bool = False) -> bytes:
    """A core-metadata file with only what resolution reads (no description: that is the bulk).

    For an sdist the engine takes a `declared` Metadata-Version below 2.2 (or none), or a
    `dynamic` Requires-Dist, as "dependencies known only to its build" (PEP 643); for a wheel
    neither makes a difference.
    """
    lines = [f"Metadata-Version: {declared}"] if declared else []
    lines += [f"Name: {metadata.name}", f"Version: {metadata.version}"]
    if dynamic:
        lines.append("Dynamic: Requires-Dist")
    if metadata.requires_python:
        lines.append(f"Requires-Python: {metadata.requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in metadata.provides_extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in metadata.requires_dist]
    return ("\n".join(lines) + "\n").encode()


def _unavailable(metadata: Metadata, error: MetadataUnavailable | None) -> bytes | None:
    """A metadata file the engine rejects with the words it used for the file on the index.

    Covers an invalid Requires-Dist line (kept as it is), an sdist's dynamic Requires-Dist and
    its Metadata-Version; None for any other reason.
    """
    reason = error.message if error is not None else ""
    if invalid := _INVALID.search(reason):
        return metadata_file(replace(metadata, requires_dist=(str(parsing.literal(invalid[1])),)), declared="2.2")
    if "declares Requires-Dist as dynamic" in reason:
        return metadata_file(metadata, declared="2.2", dynamic=True)
    if declared := _DECLARED.search(reason):
        return metadata_file(metadata, declared=None if declared[1] == "(none)" else declared[1])
    return None


@dataclass
class _State:
    """A project being walked: its installable files by version and what is in scope."""

    project: Project
    by_version: dict[Version, list[DistFile]]
    optional: bool
    selected: set[Version] = field(default_factory=set)
    pulled: int = 0
    specifiers: set[str] = field(default_factory=set)
    lines: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lines followed -> the project they need


class _Walk:
    def __init__(self, client: IndexClient, seeds: list[str], scope: Scope, progress: Callable[[str], None]):
        self.client, self.scope, self.progress = client, scope, progress
        self.snapshot = Snapshot(seeds=list(seeds), scope=scope, taken=f"{datetime.now(UTC):%Y-%m-%d}")
        self.heap: list[tuple[int, int, str]] = []
        self.cost: dict[str, tuple[int, int]] = {}
        self.base_extras: dict[str, set[str]] = {}  # extras asked for on a no-extra path
        self.seed_specs: dict[str, list[SpecifierSet]] = {}
        self.wanted: dict[str, set[str]] = {}  # specifiers asked of projects not walked yet
        self.states: dict[str, _State] = {}
        self.pending: list[tuple[str, Version]] = []
        self.marker_memo: dict[tuple[str, tuple[str, ...]], tuple[bool, frozenset[str]]] = {}

    # -- the queue of projects -------------------------------------------------------------------

    def push(self, name: str, cost: tuple[int, int], extras: Iterable[str], specifier: str) -> None:
        if cost[0] == 0:
            self.base_extras.setdefault(name, set()).update(extras)
        if name in self.states:
            state = self.states[name]
            if state.optional and cost[0] == 0:  # reached without extras after all
                state.optional = False
                self.select(name, sorted(state.by_version, reverse=True)[: self.scope.max_versions])
            self.pull(name, specifier)
            return
        if specifier:
            self.wanted.setdefault(name, set()).add(specifier)
        if name not in self.cost or cost < self.cost[name]:
            self.cost[name] = cost
            heapq.heappush(self.heap, (*cost, name))

    def next_batch(self) -> list[str]:
        batch: list[str] = []
        room = self.scope.max_projects - len(self.states) - len(batch)
        while self.heap and len(batch) < min(BATCH, room):
            hops, depth, name = heapq.heappop(self.heap)
            if name in self.states or name in batch or self.cost.get(name) != (hops, depth):
                continue
            if name in self.snapshot.missing:
                continue
            batch.append(name)
        return batch

    # -- projects and versions ---------------------------------------------------------------------

    def admit(self, name: str) -> None:
        try:
            project = self.client.project(name)
        except (IndexAccessError, LimitReached) as error:
            self.snapshot.problems.append(f"{name}: page not read ({error})")
            self.snapshot.missing.append(name)
            return
        if project is None:
            self.snapshot.missing.append(name)
            self.snapshot.absent.append(name)
            return
        by_version: dict[Version, list[DistFile]] = {}
        for file in project.files:
            if self.scope.installable(file):
                by_version.setdefault(file.version, []).append(file)
        optional = self.cost[name][0] > 0
        self.states[name] = _State(project, by_version, optional)
        newest = sorted(by_version, reverse=True)
        chosen = set(newest[: self.scope.max_optional_versions if optional else self.scope.max_versions])
        for specifier in self.seed_specs.get(name, []):
            chosen.update(specifier.filter(newest, prereleases=True))
        self.select(name, chosen)
        for wanted in sorted(self.wanted.pop(name, set())):
            self.pull(name, wanted)

    def select(self, name: str, versions: Iterable[Version]) -> None:
        state = self.states[name]
        for version in sorted(set(versions) - state.selected, reverse=True):
            state.selected.add(version)
            self.pending.append((name, version))

    def pull(self, name: str, specifier: str) -> None:
        """Bring in the newest versions meeting a specifier that kept metadata puts on `name`."""
        state = self.states[name]
        if specifier in state.specifiers or state.pulled >= self.scope.max_pulled:
            return
        state.specifiers.add(specifier)
        try:
            matching = list(SpecifierSet(specifier).filter(sorted(state.by_version, reverse=True)))
        except InvalidSpecifier:
            return
        new = [v for v in matching[: self.scope.per_specifier] if v not in state.selected]
        new = new[: self.scope.max_pulled - state.pulled]
        state.pulled += len(new)
        self.select(name, new)

    # -- metadata --------------------------------------------------------------------------------

    def groups(self, files: list[DistFile]) -> list[list[DistFile]]:
        """Wheels that share one metadata file (same core-metadata hash on the page)."""
        found: dict[tuple[tuple[str, str], ...], list[DistFile]] = {}
        for file in files:
            if file.kind == "wheel":
                found.setdefault(tuple(sorted((file.metadata_hashes or {}).items())), []).append(file)
        return list(found.values())

    def representatives(self, name: str, version: Version) -> list[DistFile]:
        files = self.states[name].by_version[version]
        groups = self.groups(files)
        if groups:
            return [group[0] for group in groups]
        sdists = sorted((f for f in files if f.kind == "sdist"), key=lambda f: not f.filename.endswith(".tar.gz"))
        small = [f for f in sdists if f.size is None or f.size <= self.scope.max_sdist_bytes]
        return small[:1]

    def read(self, file: DistFile) -> Metadata | MetadataUnavailable | str:
        """The file's metadata, why it cannot be known without a build, or why reading failed."""
        try:
            return self.client.metadata(file)
        except MetadataUnavailable as error:
            return error
        except (IndexAccessError, LimitReached) as error:
            return str(error)

    def keep(self, name: str, version: Version) -> list[Metadata]:
        """Store the version's files with their metadata; return the metadata to follow."""
        files = self.states[name].by_version[version]
        out = self.snapshot.projects.setdefault(name, SnapshotProject(NormalizedName(name)))
        followed: list[Metadata] = []
        groups = self.groups(files)
        for group in groups:
            result: Metadata | MetadataUnavailable | str | None = self.read(group[0])
            if isinstance(result, Metadata):
                data = metadata_file(result)
                out.metadata.update((file.filename, data) for file in group)
                followed.append(result)
            elif isinstance(result, MetadataUnavailable) and (
                stub := _unavailable(Metadata(NormalizedName(name), version), result)
            ):
                out.metadata.update((file.filename, stub) for file in group)
            else:
                self.snapshot.problems.append(f"{name} {version}: {len(group)} wheel(s) dropped: {result}")
        sdists = [f for f in files if f.kind == "sdist"]
        sdist_data: bytes | None = None
        if followed:
            sdist_data = metadata_file(followed[0])
        elif sdists and not groups:
            representative = self.representatives(name, version)
            result = self.read(representative[0]) if representative else None
            if isinstance(result, str):
                self.snapshot.problems.append(f"{name} {version}: sdist dropped: {result}")
            elif isinstance(result, Metadata):
                sdist_data = metadata_file(result, declared="2.2")
                followed.append(result)
            else:  # not static, or too large to read: the engine sets it aside, as on the index
                stub = _unavailable(Metadata(NormalizedName(name), version), result)
                sdist_data = stub or metadata_file(Metadata(NormalizedName(name), version))
        if sdist_data is not None:
            out.metadata.update((file.filename, sdist_data) for file in sdists)
        return followed

    def follow(self, parent: str, metadata: Metadata) -> None:
        state = self.states[parent]
        hops, depth = self.cost.get(parent, (0, 0))
        needs = self.snapshot.needs.setdefault((parent, str(metadata.version)), set())
        for line in metadata.requires_dist:
            if line in state.lines:
                needs.update(state.lines[line])
                continue
            state.lines[line] = ()
            try:
                requirement = parsing.requirement(line)
            except (InvalidRequirement, InvalidMarker):
                continue
            applies, gates = self.marker(requirement.marker, metadata.provides_extras)
            name = canonicalize_name(requirement.name)
            if not applies or name == parent:
                continue
            if not gates:  # needed whatever extras are asked for: the closure must hold it
                state.lines[line] = (name,)
                needs.add(name)
            self.snapshot.unfollowed.setdefault(name, set()).add(parent)
            behind = bool(gates) and not (gates & self.base_extras.get(parent, set()))
            extras = {canonicalize_name(e) for e in requirement.extras}
            self.push(name, (hops + behind, depth + 1), extras, str(requirement.specifier))

    def marker(self, marker: Marker | None, provides: tuple[str, ...]) -> tuple[bool, frozenset[str]]:
        """Whether the marker holds on some target (with some extra); the extras it needs, if any."""
        if marker is None:
            return True, frozenset()
        text = str(marker)
        extras = tuple(sorted({canonicalize_name(e) for e in (*provides, *_EXTRA.findall(text))}))
        key = (text, extras)
        if key not in self.marker_memo:
            plain = any(marker.evaluate({**env, "extra": ""}) for env in self.scope.environments)
            gates = frozenset(
                extra
                for extra in extras
                if any(marker.evaluate({**env, "extra": extra}) for env in self.scope.environments)
            )
            self.marker_memo[key] = (plain or bool(gates), frozenset() if plain else gates)
        return self.marker_memo[key]

    # -- the walk --------------------------------------------------------------------------------

    def run(self) -> Snapshot:
        for seed in self.snapshot.seeds:
            requirement = parsing.requirement(seed)
            name: str = canonicalize_name(requirement.name)
            if requirement.specifier:
                self.seed_specs.setdefault(name, []).append(requirement.specifier)
            self.push(name, (0, 0), {canonicalize_name(e) for e in requirement.extras}, "")
        while True:
            batch = self.next_batch()
            if batch:
                self.client.prefetch_projects(batch)
                for name in batch:
                    self.admit(name)
            if not self.pending:
                if not batch:
                    break
                continue
            pending, self.pending = self.pending, []
            self.client.prefetch_metadata(f for name, v in pending for f in self.representatives(name, v))
            for name, version in pending:
                for metadata in self.keep(name, version):
                    self.follow(name, metadata)
            self.progress(
                f"{len(self.states)} projects, {sum(len(s.selected) for s in self.states.values())} versions, "
                f"{self.client.stats.requests} requests"
            )
        self.finish()
        return self.snapshot

    def finish(self) -> None:
        """Put files in page order and record what the caps left out."""
        for name, state in self.states.items():
            out = self.snapshot.projects.setdefault(name, SnapshotProject(NormalizedName(name)))
            out.versions_on_index = len(state.project.versions())
            out.optional = state.optional
            out.files = [file for file in state.project.files if file.filename in out.metadata]
            kept = set(out.versions())
            self.snapshot.dropped[name] = [str(v) for v in sorted(state.by_version, reverse=True) if v not in kept]
        left = {name for _, _, name in self.heap} - set(self.states) - set(self.snapshot.missing)
        self.snapshot.left_out = sorted(left)
        self.snapshot.missing.sort()
        close(self.snapshot)


def collect(
    client: IndexClient,
    seeds: list[str],
    scope: Scope | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Snapshot:
    """Walk the closure of `seeds` (PEP 508 requirement strings) on `client`'s index.

    Raises InvalidRequirement for a bad seed. Index failures on single pages or files do not
    stop the walk: they are listed in `Snapshot.problems` (and the project in `missing`).
    `progress` is called with a one-line summary after each round of metadata reads.
    """
    for seed in seeds:
        parsing.requirement(seed)
    return _Walk(client, seeds, scope or Scope(), progress or (lambda _message: None)).run()
