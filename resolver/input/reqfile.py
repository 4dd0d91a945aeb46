"""Requirements files (pip's syntax) -> requirements that remember their file and line.

The parser never touches the disk, the network or the environment: the only files are those the
user gave, and a line that would need anything else is an error that says what to upload or write
instead. Every bad line of every file is collected, so one `InputError` lists them all.

Policy for pip's options (the accepted set is `resolver.input.reqsyntax.OPTIONS`):

- `-i/--index-url`, `--extra-index-url`, `-f/--find-links`, `--no-index` become `index_options`;
  whether an index is used is the settings' decision, not the file's. Their values are kept as
  written, `${VAR}` included: the index layer refuses what it cannot use, and says which URL.
- `--pre` sets `pre`. `--hash` is kept per requirement (never checked: nothing is downloaded).
- `--only-binary` and `--no-binary` add to `formats` in the order read, after those the caller
  starts from (the command line's, the request's), as pip's finder does; a bad value is an error
  of its line. `format_options` keeps each use with its line.
- `--trusted-host`, `--prefer-binary`, `--require-hashes`, `--use-feature` and
  `-C/--config-settings` are accepted, since real files carry them, and listed in
  `ignored_options` with the reason, so a report can say they were not honoured.
- `--no-deps` is refused (pip refuses it in a file too): silently resolving dependencies the
  user asked to skip would explain a conflict they never meet.
- `${VAR}` is never expanded (the server's environment is not the user's). Inside a URL it is kept,
  as URLs are never fetched; in a name, version or file name it is an error.
- URL requirements count for the version they declare. `name==1.2 @ url` is accepted although it
  is not PEP 508, since it says that as plainly as `#egg=name==1.2`. `-e` takes VCS URLs only, as in
  pip; local paths and `file:` URLs are errors, since the server has no copy of them.
- `-r` inside a `-c` file adds requirements, `-c` inside a `-r` file constraints, as in pip. A file
  is parsed once per role, so cycles end.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from resolver.errors import InputError, LineError
from resolver.input.formats import DEFAULT as DEFAULT_FORMATS
from resolver.input.formats import OPTIONS as FORMAT_OPTIONS
from resolver.input.formats import FormatControl, FormatError
from resolver.input.reqsyntax import (
    ENV_VAR,
    MAX_LINE,
    URL,
    LineProblem,
    LogicalLine,
    OptionUse,
    editable_of,
    env_message,
    logical_lines,
    options_start,
    read_options,
    requirement_of,
    shift,
    tokenize,
)


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
    `==version` the line declares (`#egg=name==1.2`, `name==1.2 @ url`, or a wheel or sdist file
    name at the end of the URL).
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


@dataclass(frozen=True)
class IgnoredOption:
    """A pip option that was accepted but does not change the resolution, and why."""

    origin: Origin
    option: str  # the long form, e.g. "--trusted-host"
    value: str | None
    reason: str


@dataclass(frozen=True)
class FormatOption:
    """A use of `--only-binary` or `--no-binary` in the input, as written."""

    origin: Origin
    option: str
    value: str


@dataclass
class ParsedInput:
    """Everything the input says, each item with its origin, in the order pip would read it."""

    requirements: list[InputRequirement] = field(default_factory=list)
    constraints: list[InputRequirement] = field(default_factory=list)
    index_options: list[IndexOption] = field(default_factory=list)
    pre: bool = False  # a `--pre` line
    files: dict[str, str] = field(default_factory=dict)  # every file read, by the name given
    ignored_options: list[IgnoredOption] = field(default_factory=list)
    formats: FormatControl = DEFAULT_FORMATS  # the effective --only-binary/--no-binary
    format_options: list[FormatOption] = field(default_factory=list)


def parse(
    files: Mapping[str, str], roots: list[str] | None = None, formats: FormatControl = DEFAULT_FORMATS
) -> ParsedInput:
    """Parse `roots` (default: the first file) and the `-r`/`-c` files they name among `files`.

    `formats` is the caller's `--only-binary`/`--no-binary`, which the files' lines add to.
    Raises `InputError` with every bad line at once, and nothing else whatever the text.
    """
    parser = _Parser(files)
    parser.result.formats = formats
    for root in roots if roots is not None else list(files)[:1]:
        parser.walk(root)
    if parser.errors:
        rank = {name: number for number, name in enumerate(parser.result.files)}
        raise InputError(sorted(parser.errors, key=lambda error: (rank.get(error.file, -1), error.line)))
    return parser.result


_INDEX_OPTIONS = {"--index-url", "--extra-index-url", "--find-links", "--no-index"}
_HASH = re.compile(r"(sha256|sha384|sha512):[0-9a-fA-F]+")


def _norm(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/"))


class _Parser:
    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)
        self.by_path = {_norm(name): name for name in self.files}
        self.result = ParsedInput()
        self.errors: list[LineError] = []
        self.seen: set[tuple[str, bool]] = set()

    def walk(self, root: str) -> None:
        """Parse a file and, in place of each `-r`/`-c` line, the file it names (as pip orders them).

        A stack instead of recursion, so a long chain of includes cannot exhaust the Python stack.
        """
        if root not in self.files:
            given = ", ".join(self.files) or "none"
            self.errors.append(
                LineError(f"no file named {root!r} was given (given: {given})", file=root, line=1, text="")
            )
            return
        if (root, False) in self.seen:
            return
        stack = [self._open(root, False)]
        while stack:
            file, constraint, lines = stack[-1]
            line = next(lines, None)
            if line is None:
                stack.pop()
                continue
            try:
                for include, as_constraint in self._line(file, constraint, line):
                    if (include, as_constraint) not in self.seen:
                        stack.append(self._open(include, as_constraint))
            except LineProblem as problem:
                shown = line.text if len(line.text) <= MAX_LINE else line.text[:100] + " …"
                start = max(0, min(problem.span[0], len(shown)))  # packaging may point just past the end
                span = (start, max(start, min(problem.span[1], len(shown))))
                self.errors.append(
                    LineError(
                        problem.message,
                        file=file,
                        line=line.number,
                        text=shown,
                        span=span,
                        code=problem.code,
                    )
                )

    def _open(self, file: str, constraint: bool) -> tuple[str, bool, Iterator[LogicalLine]]:
        self.seen.add((file, constraint))
        text = self.result.files.setdefault(file, self.files[file])
        if "\x00" in text:  # one error for the file: every line of a binary file would be bad
            at = text.index("\x00")
            start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
            shown = re.split(r"[\r\n]", text[start : start + 100])[0].replace("\x00", "\u2400")
            self.errors.append(
                LineError(
                    "this file contains NUL bytes: it is binary, not a requirements file",
                    file=file,
                    line=len(re.findall(r"\r\n|\r|\n", text[:start])) + 1,
                    text=shown,
                    span=(at - start, at - start + 1),
                    code="binary",
                )
            )
            return file, constraint, iter(())
        return file, constraint, logical_lines(text)

    def _line(self, file: str, constraint: bool, line: LogicalLine) -> list[tuple[str, bool]]:
        """Handle one logical line; return the files it includes."""
        text, origin = line.text, Origin(file, line.number)
        if len(text) > MAX_LINE:
            raise LineProblem(f"line of {len(text):,} characters; the limit is {MAX_LINE:,}", (0, 100), "too-long")
        if text.startswith("-"):
            return self._option_line(origin, text, constraint)
        start = options_start(text)
        hashes: list[str] = []
        for use in read_options(tokenize(text, start)):
            if use.spec.kind != "requirement":
                raise LineProblem(f"{use.written} must be on a line of its own, not after a requirement", use.span)
            if use.spec.long == "--hash":
                if not _HASH.fullmatch(use.value or ""):
                    raise LineProblem(
                        "--hash must be sha256:, sha384: or sha512: and a hex digest, as pip allows",
                        use.value_span,
                        "bad-hash",
                    )
                hashes.append(use.value or "")
            else:
                self._ignore(origin, use)
        requirement, url = requirement_of(text[:start].rstrip())
        self._add(
            InputRequirement(
                origin, text, requirement, canonicalize_name(requirement.name), url=url, hashes=tuple(hashes)
            ),
            constraint,
        )
        return []

    def _option_line(self, origin: Origin, text: str, constraint: bool) -> list[tuple[str, bool]]:
        includes = []
        for use in read_options(tokenize(text)):
            long, value = use.spec.long, use.value
            if use.spec.kind == "requirement":
                raise LineProblem(f"{use.written} goes after the requirement it applies to", use.span)
            if long in ("--requirement", "--constraint"):
                includes.append((self._find(origin.file, use), long == "--constraint"))
            elif long == "--editable":
                requirement, url = editable_of(value or "", use.value_span)
                name = canonicalize_name(requirement.name)
                self._add(InputRequirement(origin, text, requirement, name, editable=True, url=url), constraint)
            elif long in _INDEX_OPTIONS:
                self.result.index_options.append(IndexOption(origin, long, value))
            elif long == "--pre":
                self.result.pre = True
            elif long in FORMAT_OPTIONS:
                try:
                    self.result.formats = self.result.formats.add(long, value or "")
                except FormatError as error:
                    raise LineProblem(error.message, shift(error.span, use.value_span[0]), "bad-format") from None
                self.result.format_options.append(FormatOption(origin, long, value or ""))
            else:
                self._ignore(origin, use)
        return includes

    def _ignore(self, origin: Origin, use: OptionUse) -> None:
        reason = use.spec.ignored or ""
        self.result.ignored_options.append(IgnoredOption(origin, use.spec.long, use.value, reason))

    def _add(self, item: InputRequirement, constraint: bool) -> None:
        if not constraint:
            self.result.requirements.append(item)
            return
        text = item.text
        if item.editable:
            raise LineProblem("an editable requirement cannot be a constraint (pip refuses it too)", (0, len(text)))
        if item.requirement.extras:
            start = max(text.find("["), 0)
            raise LineProblem(
                "a constraint cannot have extras (pip refuses them): constrain the plain name, "
                "e.g. `name<2`, and ask for the extra in a requirement",
                (start, text.find("]", start) + 1 or len(text)),
                "bad-constraint",
            )
        # A bare name constrains nothing; pip accepts it, so it is kept as the no-op it is.
        self.result.constraints.append(replace(item, is_constraint=True))

    def _find(self, including: str, use: OptionUse) -> str:
        """The given file a `-r`/`-c` names: beside the including file, by exact name, by basename."""
        target = use.value or ""
        where = use.value_span
        if URL.match(target):
            raise LineProblem(f"{use.written} {target}: files are never fetched; upload it instead", where)
        if found := ENV_VAR.search(target):
            raise LineProblem(env_message(found.group()), shift(found.span(), where[0]), "env-var")
        wanted = _norm(target)
        for path in (_norm(posixpath.join(posixpath.dirname(_norm(including)), wanted)), wanted):
            if path in self.by_path:
                return self.by_path[path]
        same = [name for path, name in self.by_path.items() if posixpath.basename(path) == posixpath.basename(wanted)]
        if len(same) == 1:
            return same[0]
        if same:
            raise LineProblem(
                f"{use.written} {target}: ambiguous, several files are named so ({', '.join(same)}); "
                "give the path relative to this file",
                where,
                "missing-file",
            )
        raise LineProblem(
            f"{use.written} {target}: no file named {target!r} was given; upload it too "
            f"(given: {', '.join(self.files)})",
            where,
            "missing-file",
        )
