"""pip's `--only-binary` and `--no-binary`: which kinds of file (wheel, sdist) a project may use.

The semantics are pip's FormatControl, so a file, a command line or an API request means what it
means to pip: each use of an option adds to what came before (the command line first, then the
files' lines in order); `:all:` replaces the option's set and clears the other one; `:none:`
empties the option's set; a name moves from the other option's set to this one's. For a project,
its own name decides first (`--only-binary`, then `--no-binary`), then `:all:` in the same order.

The reason a file is left out names the option that did it, so "no compatible distribution"
says "--only-binary :all:" rather than leaving users to guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from packaging.utils import canonicalize_name

ALL, NONE = ":all:", ":none:"
OPTIONS = ("--only-binary", "--no-binary")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


class FormatError(ValueError):
    """A bad value for one of the options; `span` is where in the value it is."""

    def __init__(self, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


class FormatSets(TypedDict):
    """The sets in force, as report v1's `input` lists them."""

    only_binary: list[str]
    no_binary: list[str]


@dataclass(frozen=True)
class FormatControl:
    only_binary: frozenset[str] = frozenset()
    no_binary: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.only_binary or self.no_binary)

    def add(self, option: str, value: str) -> FormatControl:
        """This control with one more use of `option` (`--only-binary` or `--no-binary`).

        Raises FormatError for a value pip would refuse or misread: one starting with `-` (the
        option's value was forgotten), or an item that is neither `:all:`, `:none:` nor a name.
        """
        if option not in OPTIONS:
            raise ValueError(option)
        if value.startswith("-"):
            raise FormatError(f"{option} needs a value: :all:, :none: or package names", (0, len(value)))
        position = 0
        for item in value.split(","):
            span = (position, position + len(item))
            position += len(item) + 1
            if item.strip() and item.strip() not in (ALL, NONE) and not _NAME.fullmatch(item.strip()):
                raise FormatError(
                    f"{option} takes :all:, :none: or package names separated by commas, not {item!r}", span
                )
        mine, other = (set(self.only_binary), set(self.no_binary))
        if option == "--no-binary":
            mine, other = other, mine
        items = [part.strip() for part in value.split(",")]
        while ALL in items:  # `:all:` wins over what precedes it, and what follows unless `:none:` does
            mine, other = {ALL}, set()
            items = items[items.index(ALL) + 1 :]
            if NONE not in items:
                items = []
        for item in items:
            if item == NONE:
                mine = set()
            elif item:
                other.discard(canonicalize_name(item))
                mine.add(canonicalize_name(item))
        if option == "--no-binary":
            mine, other = other, mine
        return FormatControl(frozenset(mine), frozenset(other))

    def excludes(self, name: str, kind: str) -> str | None:
        """Why a file of `kind` ("wheel" or "sdist") of project `name` may not be used, or None."""
        if not self:  # the default, asked once per file of every page: no work
            return None
        name = canonicalize_name(name)
        if name in self.only_binary:
            rule = ("sdist", f"--only-binary {name}")
        elif name in self.no_binary:
            rule = ("wheel", f"--no-binary {name}")
        elif ALL in self.only_binary:
            rule = ("sdist", f"--only-binary {ALL}")
        elif ALL in self.no_binary:
            rule = ("wheel", f"--no-binary {ALL}")
        else:
            return None
        if kind != rule[0]:
            return None
        allowed = "wheels" if kind == "sdist" else "sdists"
        return f"{kind} excluded by {rule[1]} (only {allowed} allowed)"

    def to_dict(self) -> FormatSets:
        return {"only_binary": sorted(self.only_binary), "no_binary": sorted(self.no_binary)}

    def key(self) -> str:
        """What tells this control apart in a cache key; "" for the default, so old keys stay valid."""
        if not self:
            return ""
        return f"only={','.join(sorted(self.only_binary))};no={','.join(sorted(self.no_binary))}"


DEFAULT = FormatControl()  # pip's default: wheels and sdists alike


def format_control(only_binary: list[str] | None = None, no_binary: list[str] | None = None) -> FormatControl:
    """A control from lists of option values, as a command line or a request gives them (each value
    may itself be comma-separated). `--only-binary` uses are applied first: within one request the
    two lists have no order, and pip's command line reads them in the order written."""
    control = FormatControl()
    for value in only_binary or []:
        control = control.add("--only-binary", value)
    for value in no_binary or []:
        control = control.add("--no-binary", value)
    return control
