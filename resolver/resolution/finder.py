"""Which versions of a project a target can install, and why the others cannot.

Kept apart from the provider so that the explanation can ask the same questions afterwards
("versions exist, but none has a wheel for Python 3.6") with the same answers. `--only-binary` and
`--no-binary` (`formats`) are asked first, as pip's link evaluator does: a file they leave out is
left out whatever its tags, and its reason names the option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.version import Version

from resolver.environment import Target
from resolver.index.dists import DistFile, DistKind, Project
from resolver.index.pages import Page, sieve_project
from resolver.input.formats import DEFAULT as DEFAULT_FORMATS
from resolver.input.formats import FormatControl


@dataclass
class VersionFiles:
    """The files of one version: those the target can use (best first), and why others are out."""

    version: Version
    usable: list[DistFile] = field(default_factory=list)
    yanked: list[DistFile] = field(default_factory=list)  # usable but yanked: only for `==` pins
    rejected: Mapping[str, str] = field(default_factory=dict)  # filename -> reason

    @property
    def available(self) -> bool:
        return bool(self.usable)


class LaterReasons(Mapping[str, str]):
    """Why files were left out, worked out on first use by `load`.

    A classified view read back from the cache (`resolver.resolution.views`) keeps no reasons:
    they are most of a page and only an explanation of a failure reads them.
    """

    def __init__(self, load: Callable[[], Mapping[str, str]]) -> None:
        self._load: Callable[[], Mapping[str, str]] | None = load
        self._reasons: Mapping[str, str] = {}

    def _loaded(self) -> Mapping[str, str]:
        if self._load is not None:
            self._reasons, self._load = self._load(), None
        return self._reasons

    def __getitem__(self, filename: str) -> str:
        return self._loaded()[filename]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def _file_rank(file: DistFile, target: Target) -> tuple[int, int]:
    if file.kind == "wheel":
        return (0, min(target.tag_priority[tag] for tag in file.tags if tag in target.tag_priority))
    return (1, 0)


def classify(project: Project, target: Target, formats: FormatControl = DEFAULT_FORMATS) -> dict[Version, VersionFiles]:
    """Sort every file of a project into usable, yanked and rejected (with the reason).

    Whether a tag set fits the target is decided once per distinct set: a page repeats a few
    dozen sets over thousands of wheels.
    """
    found: dict[Version, VersionFiles] = {}
    reasons: dict[Version, dict[str, str]] = {}
    priority = target.tag_priority
    fits: dict[frozenset[Tag], bool] = {}
    for file in project.files:
        entry = found.get(file.version)
        if entry is None:
            entry = found[file.version] = VersionFiles(file.version, rejected=reasons.setdefault(file.version, {}))
        rejected = reasons[file.version]
        if file.kind == "wheel":
            fit = fits.get(file.tags)
            if fit is None:
                fit = fits[file.tags] = any(tag in priority for tag in file.tags)
        if excluded := formats.excludes(project.name, file.kind):
            rejected[file.filename] = excluded
        elif file.kind == "wheel" and not fit:
            rejected[file.filename] = "no wheel for the target's Python and platform"
        elif not target.accepts_python(file.requires_python):
            rejected[file.filename] = f"requires Python {file.requires_python}"
        elif file.is_yanked:
            entry.yanked.append(file)
        else:
            entry.usable.append(file)
    for entry in found.values():
        entry.usable.sort(key=lambda f: _file_rank(f, target))
        entry.yanked.sort(key=lambda f: _file_rank(f, target))
    return found


def classify_page(
    page: Page, name: str, index_url: str, target: Target, formats: FormatControl = DEFAULT_FORMATS
) -> tuple[Project, dict[Version, VersionFiles]]:
    """`classify(to_project(page, ...), target, formats)`, without building the files the target cannot use.

    The project returned holds only the usable and yanked files; the others are known by filename
    and reason, as `classify` records them, in the same order. A large page lists tens of
    thousands of wheels for a few the target can install: this is what keeps memory down.
    """
    found: dict[Version, VersionFiles] = {}
    reasons: dict[Version, dict[str, str]] = {}
    priority = target.tag_priority
    fits: dict[frozenset[Tag], bool] = {}

    def sieve(
        filename: str, version: Version, kind: DistKind, tags: frozenset[Tag], requires_python: str | None
    ) -> str | None:
        rejected = reasons.get(version)
        if rejected is None:
            rejected = reasons[version] = {}
            found[version] = VersionFiles(version, rejected=rejected)
        if excluded := formats.excludes(name, kind):
            rejected[filename] = excluded
            return excluded
        if kind == "wheel":
            fit = fits.get(tags)
            if fit is None:
                fit = fits[tags] = any(tag in priority for tag in tags)
            if not fit:
                rejected[filename] = reason = "no wheel for the target's Python and platform"
                return reason
        if not target.accepts_python(requires_python):
            rejected[filename] = reason = f"requires Python {requires_python}"
            return reason
        return None

    project, _left_out = sieve_project(page, name, index_url, sieve)
    for file in project.files:
        entry = found[file.version]
        (entry.yanked if file.is_yanked else entry.usable).append(file)
    for entry in found.values():
        entry.usable.sort(key=lambda f: _file_rank(f, target))
        entry.yanked.sort(key=lambda f: _file_rank(f, target))
    return project, found


def is_pinned(specifier: SpecifierSet) -> bool:
    """`==1.2` or `===1.2`: the only specifiers under which pip takes a yanked release (PEP 592)."""
    return any(s.operator in ("==", "===") and not s.version.endswith(".*") for s in specifier)


def matching_versions(
    versions: Iterable[VersionFiles], specifier: SpecifierSet, *, pre: bool
) -> list[tuple[Version, list[DistFile]]]:
    """Versions that meet `specifier`, newest first, with the files to use for each.

    Pre-releases follow pip: taken when `pre` is set or the specifier names one, else only when
    no final release matches. Yanked files count only when the specifier pins a version.
    """
    allow_yanked = is_pinned(specifier)
    usable = {v.version: (v.usable or (v.yanked if allow_yanked else [])) for v in versions}
    usable = {version: files for version, files in usable.items() if files}
    chosen = specifier.filter(usable, prereleases=True if pre else None)
    return [(version, usable[version]) for version in sorted(chosen, reverse=True)]
