"""Requirements files (pip's syntax) -> requirements that remember their file and line.

STUB: the interface below is the contract; the parser is being written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import NormalizedName


@dataclass(frozen=True)
class Origin:
    """Where a requirement came from: a file given by the user and a 1-based line number.

    For a logical line joined from `\\` continuations, `line` is its first physical line.
    """

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class InputRequirement:
    """One requirement (or `-c` constraint) line of the input.

    `requirement` is the PEP 508 requirement with the name, extras, specifier and marker the line
    declares. For `-e`/VCS/URL lines the `url` is kept but never fetched, and the specifier is the
    `==version` the line declares (`#egg=name==1.2` or `name==1.2 @ url`).
    """

    origin: Origin
    text: str  # the logical line as written (continuations joined, comments stripped)
    requirement: Requirement
    name: NormalizedName
    is_constraint: bool = False
    editable: bool = False
    url: str | None = None
    hashes: tuple[str, ...] = ()  # "sha256:..." as given by --hash


@dataclass(frozen=True)
class IndexOption:
    """An index option found in the input (`-i`, `--extra-index-url`, `-f`, `--no-index`)."""

    origin: Origin
    option: str  # the long form: "--index-url", "--extra-index-url", "--find-links", "--no-index"
    value: str | None


@dataclass
class ParsedInput:
    requirements: list[InputRequirement] = field(default_factory=list)
    constraints: list[InputRequirement] = field(default_factory=list)
    index_options: list[IndexOption] = field(default_factory=list)
    pre: bool = False  # a `--pre` line
    files: dict[str, str] = field(default_factory=dict)  # every file read, by the name given


def parse(files: Mapping[str, str], roots: list[str] | None = None) -> ParsedInput:
    """Parse `roots` (default: the first file) and the `-r`/`-c` files they name among `files`.

    Raises `InputError` with every bad line at once.
    """
    raise NotImplementedError
