"""What an index says about a project: its distribution files and their metadata.

Plain data, no I/O: `resolver.index.client` fills these from simple pages and metadata files, and the
provider reads them. Names are canonical (PEP 503) everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

DistKind = Literal["wheel", "sdist"]
# Where dependencies were read: a metadata file (PEP 658), a wheel's METADATA, or what an sdist
# declares statically, by order of trust (resolver.index.sdist).
MetadataSource = Literal["pep658", "wheel", "sdist", "sdist-pkg-info", "egg-info", "pyproject", "setup.cfg", "setup.py"]
SDIST_SOURCES = ("sdist-pkg-info", "egg-info", "pyproject", "setup.cfg", "setup.py")
SDIST_SUFFIXES = (".tar.gz", ".zip")


@dataclass(frozen=True)
class DistFile:
    """One file of a project page (PEP 503/691), with what its filename says.

    `yanked` is None when the file is not yanked, else the reason (possibly empty).
    `metadata_hashes` is None when the index offers no PEP 658 metadata file, else its hashes
    (possibly empty). `url` may carry index credentials: show `resolver.index.urls.redact(url)` only.
    """

    filename: str
    url: str
    name: NormalizedName
    version: Version
    kind: DistKind
    tags: frozenset[Tag] = frozenset()
    hashes: Mapping[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: str | None = None
    metadata_hashes: Mapping[str, str] | None = None
    upload_time: str | None = None
    size: int | None = None

    @property
    def is_yanked(self) -> bool:
        return self.yanked is not None

    @property
    def sha256(self) -> str | None:
        return self.hashes.get("sha256")

    def __hash__(self) -> int:
        return hash((self.url, self.filename))


@dataclass(frozen=True)
class Project:
    """A project page: the files of every version, in the order the index listed them."""

    name: NormalizedName
    index_url: str
    files: tuple[DistFile, ...]
    skipped: tuple[str, ...] = ()  # filenames that could not be parsed; reported, never guessed

    def versions(self) -> list[Version]:
        return sorted({f.version for f in self.files}, reverse=True)


@dataclass(frozen=True)
class Metadata:
    """The core metadata that resolution needs, and where it was read from.

    `source` is a `MetadataSource`: "sdist" is what caches written before the other sdist
    sources existed say for "sdist-pkg-info".
    """

    name: NormalizedName
    version: Version
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    provides_extras: tuple[str, ...] = ()
    source: MetadataSource = "pep658"


def parse_filename(filename: str, project: str) -> tuple[NormalizedName, Version, DistKind, frozenset[Tag]]:
    """Parse a wheel or sdist filename; raise ValueError for anything else.

    Files of other kinds (eggs, .exe installers, .tar.bz2) are not candidates, as for pip.
    """
    if filename.endswith(".whl"):
        try:
            name, version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as error:
            raise ValueError(str(error)) from error
        return name, version, "wheel", frozenset(tags)
    if filename.endswith(SDIST_SUFFIXES):
        try:
            name, version = parse_sdist_filename(filename)
        except InvalidSdistFilename as error:
            raise ValueError(str(error)) from error
        if name != canonicalize_name(project):
            # "foo-bar-1.0.tar.gz" is ambiguous; trust the page's project name when it matches.
            stem = filename[: -len(".tar.gz")] if filename.endswith(".tar.gz") else filename[:-4]
            prefix = canonicalize_name(project)
            if canonicalize_name(stem[: len(prefix)]) == prefix and stem[len(prefix)] == "-":
                return prefix, Version(stem[len(prefix) + 1 :]), "sdist", frozenset()
        return name, version, "sdist", frozenset()
    raise ValueError(f"not a wheel or sdist: {filename}")
