"""What a submission may hold, checked the same way for the HTML form and the JSON API.

Both front doors take a set of named requirements files; both must refuse the same inputs with
the same words. The form shows the problems as text; the API names the field and line of each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from resolver.errors import InputError, LineError
from resolver.input.reqfile import parse
from resolver.input.reqsyntax import count_lines

_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission: `field` is its place in the API's terms."""

    message: str
    field: str | None = None
    line: int | None = None
    code: str = "invalid"
    rendered: str = ""  # the line with a caret under the span, for a page

    def __str__(self) -> str:
        return self.rendered or self.message

    @classmethod
    def from_line_error(cls, error: LineError) -> Problem:
        return cls(
            error.message, field=f"files.{error.file}", line=error.line, code=error.code, rendered=error.render()
        )


class SubmissionError(Exception):
    """Every problem of a submission at once; `too_large` when it broke a size limit."""

    def __init__(self, problems: list[Problem], *, too_large: bool = False) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems
        self.too_large = too_large


def file_field(name: str) -> str:
    return f"files.{name}"


def find_roots(files: Mapping[str, str]) -> list[str]:
    """The files no other file includes with -r/-c: those are what the user asked to resolve."""
    included: set[str] = set()
    for name in files:
        try:
            included |= set(parse(files, [name]).files) - {name}
        except InputError:
            continue  # reported by the full parse
    return [name for name in files if name not in included] or list(files)[:1]


def check_limits(files: Mapping[str, str]) -> None:
    """Refuse more files, bigger files or longer files than the settings allow."""
    if len(files) > settings.UPLOAD_MAX_FILES:
        message = f"{len(files)} files; at most {settings.UPLOAD_MAX_FILES} are accepted."
        raise SubmissionError([Problem(message, field="files", code="too-many-files")], too_large=True)
    problems = []
    for name, content in files.items():
        size = len(content.encode("utf-8", "surrogatepass"))
        lines = count_lines(content)
        if size > settings.UPLOAD_MAX_FILE_BYTES:
            message = f"{name}: {size} bytes; at most {settings.UPLOAD_MAX_FILE_BYTES} are accepted."
            problems.append(Problem(message, field=file_field(name), code="file-too-large"))
        elif lines > settings.UPLOAD_MAX_LINES:
            message = f"{name}: {lines} lines; at most {settings.UPLOAD_MAX_LINES} are accepted."
            problems.append(Problem(message, field=file_field(name), code="too-many-lines"))
    if problems:
        raise SubmissionError(problems, too_large=True)


def _unstorable(text: str) -> int | None:
    """Where `text` holds a character no database stores as text: NUL (PostgreSQL refuses it) or a
    lone surrogate (not UTF-8 at all; it can only come from a JSON `\\ud800` escape)."""
    for position, char in enumerate(text):
        if char == "\x00" or "\ud800" <= char <= "\udfff":
            return position
    return None


def check_text(files: Mapping[str, str]) -> None:
    """Refuse file names and contents that cannot be stored, naming the file and the line."""
    problems = []
    for name, content in files.items():
        if _unstorable(name) is not None:
            problems.append(
                Problem("A file name may not hold NUL or a lone surrogate.", field="files", code="bad-character")
            )
            continue
        at = _unstorable(content)
        if at is not None:
            line = len(_BREAK.findall(content, 0, at)) + 1
            what = "NUL" if content[at] == "\x00" else f"a lone surrogate (U+{ord(content[at]):04X})"
            message = f"{_printable(name)}: line {line} holds {what}; a requirements file is UTF-8 text."
            problems.append(Problem(message, field=file_field(_printable(name)), line=line, code="bad-character"))
    if problems:
        raise SubmissionError(problems)


def _printable(name: str) -> str:
    return name.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "\ufffd")


def check_files(files: Mapping[str, str], roots: list[str] | None = None) -> list[str]:
    """The roots to resolve, once the files are within the limits and every line parses.

    Raises SubmissionError naming each bad line (all of them, so one round of fixes is enough).
    """
    check_limits(files)
    check_text(files)
    roots = roots or find_roots(files)
    try:
        parse(files, roots)
    except InputError as error:
        raise SubmissionError([Problem.from_line_error(line) for line in error.errors]) from error
    return roots
