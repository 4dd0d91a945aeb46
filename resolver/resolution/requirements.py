"""The requirement and candidate objects the resolvelib provider works with.

Identifiers follow pip: `name` for a plain requirement, `name[extra1,extra2]` for one with extras
(whose candidate depends on `name==version` plus the extras' dependencies), and `<python>` for a
Requires-Python that only the target's Python can meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from resolver.index.dists import DistFile
from resolver.input.reqfile import Origin

PYTHON = "<python>"


def make_identifier(name: str, extras: frozenset[str]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


@dataclass(frozen=True)
class Req:
    """A requirement on a package, from an input line (`origin`) or a parent's metadata."""

    name: NormalizedName
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    extras: frozenset[str] = frozenset()
    marker: str | None = None
    origin: Origin | None = None
    text: str = ""

    @property
    def identifier(self) -> str:
        return make_identifier(self.name, self.extras)

    def format_for_error(self) -> str:
        return f"{self.identifier}{self.specifier}" if self.specifier else self.identifier


@dataclass(frozen=True)
class PythonReq:
    """A parent's Requires-Python that the target must meet (from metadata, not the index page)."""

    specifier: SpecifierSet
    name: str = PYTHON
    extras: frozenset[str] = frozenset()
    origin: Origin | None = None
    marker: str | None = None

    @property
    def identifier(self) -> str:
        return PYTHON

    @property
    def text(self) -> str:
        return f"Python{self.specifier}"

    def format_for_error(self) -> str:
        return self.text


@dataclass(frozen=True)
class Candidate:
    """One version of a package (with the extras asked for), and its files usable on the target.

    `files` are ordered best first: wheels by the target's tag preference, then sdists.
    """

    name: NormalizedName
    version: Version
    extras: frozenset[str] = frozenset()
    files: tuple[DistFile, ...] = field(default=(), compare=False, hash=False)

    @property
    def identifier(self) -> str:
        return make_identifier(self.name, self.extras)

    @property
    def file(self) -> DistFile | None:
        return self.files[0] if self.files else None

    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    def format_for_error(self) -> str:
        return self.pin()


@dataclass(frozen=True)
class PythonCandidate:
    version: Version
    name: str = PYTHON
    extras: frozenset[str] = frozenset()

    @property
    def identifier(self) -> str:
        return PYTHON

    def pin(self) -> str:
        return f"Python {self.version}"

    def format_for_error(self) -> str:
        return self.pin()


AnyReq = Req | PythonReq
AnyCandidate = Candidate | PythonCandidate
