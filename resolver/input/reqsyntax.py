"""The syntax of one requirements file, line by line: logical lines, options, requirements, URLs.

Split from `resolver.input.reqfile`, which knows about files, includes and origins; nothing here does.
Every function works on one logical line and reports trouble as `LineProblem`, with offsets into
that line, so the caller can draw a caret under the exact bad part.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from resolver.index.dists import parse_filename
from resolver.input import parsing

MAX_LINE = 10_000  # longer logical lines are not requirements; refusing them keeps work bounded

_NEWLINE = re.compile(r"\r\n|\r|\n")  # what an editor counts, so line numbers match what users see
_COMMENT = re.compile(r"(?:^|\s)#")  # pip's rule: a `#` inside `url#egg=` is not a comment
_COMMENT_ONLY = re.compile(r"^\s*#")
ENV_VAR = re.compile(r"\$\{[A-Z0-9_]+\}")  # the only form pip expands


class LineProblem(Exception):
    """What is wrong with a line, where (offsets into the logical line), and its error code."""

    def __init__(self, message: str, span: tuple[int, int], code: str = "bad-line") -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.code = code


@dataclass(frozen=True)
class LogicalLine:
    number: int  # the first physical line: the one a user looks for
    text: str  # continuations joined, comment and surrounding whitespace removed


def count_lines(text: str) -> int:
    """Physical lines as `logical_lines` numbers them (CR, LF and CRLF all end a line), so a
    size limit counts what the parser will walk. A final line ending does not start another line.
    """
    if not text:
        return 0
    breaks = len(_NEWLINE.findall(text))
    return breaks if text.endswith(("\n", "\r")) else breaks + 1


def logical_lines(text: str) -> Iterator[LogicalLine]:
    """The non-empty logical lines of a file, as pip joins them.

    A line ending in `\\` continues on the next one, unless it is a comment-only line; a comment-only
    line ends a continuation rather than swallowing the next requirement.
    """
    if text.startswith("\ufeff"):  # a BOM left by Windows editors is not part of the first name
        text = text[1:]
    pending: list[str] = []
    first = 1
    for number, line in enumerate(_NEWLINE.split(text), 1):
        if not pending:
            first = number
        comment_only = _COMMENT_ONLY.match(line) is not None
        if line.endswith("\\") and not comment_only:
            pending.append(line[:-1])
            continue
        pending.append(" " + line if comment_only else line)
        joined = _strip_comment("".join(pending))
        pending = []
        if joined:
            yield LogicalLine(first, joined)
    if pending and (joined := _strip_comment("".join(pending))):
        yield LogicalLine(first, joined)


def _strip_comment(line: str) -> str:
    match = _COMMENT.search(line)
    return (line[: match.start()] if match else line).strip()


def options_start(line: str) -> int:
    """Where the options of a requirement line begin: at the first word starting with `-`.

    This is pip's rule; it is why `name --hash=...` works and why a marker value never can begin
    a word with `-`.
    """
    for word in re.finditer(r"\S+", line):
        if word.group().startswith("-"):
            return word.start()
    return len(line)


@dataclass(frozen=True)
class Token:
    value: str  # quotes removed, as a shell would
    start: int
    end: int


def tokenize(line: str, start: int = 0) -> list[Token]:
    """Split `line[start:]` into shell-like words: pip reads options with `shlex.split`."""
    tokens: list[Token] = []
    pos, size = start, len(line)
    while pos < size:
        if line[pos].isspace():
            pos += 1
            continue
        begin, parts = pos, []
        while pos < size and not line[pos].isspace():
            char = line[pos]
            if char in "'\"":
                close = line.find(char, pos + 1)
                if close < 0:
                    raise LineProblem(f"unterminated quote {char}: close it or remove it", (pos, size))
                parts.append(line[pos + 1 : close])
                pos = close + 1
            else:
                parts.append(char)
                pos += 1
        tokens.append(Token("".join(parts), begin, pos))
    return tokens


@dataclass(frozen=True)
class OptionSpec:
    long: str
    short: str | None = None
    takes_value: bool = True
    kind: str = "global"  # "global" lines of their own, "requirement" after a requirement
    ignored: str | None = None  # why the option does not change the resolution, if it does not


OPTIONS = (
    OptionSpec("--requirement", "-r"),
    OptionSpec("--constraint", "-c"),
    OptionSpec("--editable", "-e"),
    OptionSpec("--index-url", "-i"),
    OptionSpec("--extra-index-url"),
    OptionSpec("--find-links", "-f"),
    OptionSpec("--no-index", takes_value=False),
    OptionSpec("--pre", takes_value=False),
    OptionSpec("--trusted-host", ignored="TLS trust does not change which versions are chosen"),
    OptionSpec("--prefer-binary", takes_value=False, ignored="versions are tried newest first regardless"),
    OptionSpec("--only-binary"),
    OptionSpec("--no-binary"),
    OptionSpec("--require-hashes", takes_value=False, ignored="hashes are kept, never checked: nothing is downloaded"),
    OptionSpec("--use-feature", ignored="pip feature flags do not apply to this resolver"),
    OptionSpec("--hash", kind="requirement"),
    OptionSpec("--config-settings", "-C", kind="requirement", ignored="nothing is built"),
)
_BY_NAME = {name: spec for spec in OPTIONS for name in (spec.long, spec.short) if name}
_REFUSED = {
    "--no-deps": "--no-deps is not allowed in a requirements file (pip refuses it there too): "
    "dependencies are always followed; pin what you need instead",
}
ACCEPTED = "{} on a line of their own; {} after a requirement".format(
    *(
        ", ".join(f"{spec.short}/{spec.long}" if spec.short else spec.long for spec in OPTIONS if spec.kind == kind)
        for kind in ("global", "requirement")
    )
)


@dataclass(frozen=True)
class OptionUse:
    spec: OptionSpec
    written: str  # the option as written (`-r`, `--requirement`), for messages
    value: str | None
    span: tuple[int, int]  # the option and its value
    value_span: tuple[int, int]


def read_options(tokens: list[Token]) -> list[OptionUse]:
    """Options with their values, accepting `-r x`, `-rx`, `--requirement x`, `--requirement=x`."""
    uses: list[OptionUse] = []
    rest = iter(tokens)
    for token in rest:
        word, glued = token.value, None
        if word.startswith("--"):
            word, eq, value = word.partition("=")
            glued = value if eq else None
        elif word.startswith("-") and len(word) > 2:
            word, glued = word[:2], word[2:]
        spec = _BY_NAME.get(word)
        span = (token.start, token.end)
        if word in _REFUSED:
            raise LineProblem(_REFUSED[word], span, "unknown-option")
        if spec is None or not word.startswith("-"):
            what = f"unknown option {word}" if word.startswith("-") else f"unexpected {word!r}"
            raise LineProblem(f"{what}; accepted options: {ACCEPTED}", span, "unknown-option")
        if not spec.takes_value:
            if glued is not None:
                raise LineProblem(f"{word} takes no value", span, "unknown-option")
            uses.append(OptionUse(spec, word, None, span, span))
            continue
        if glued is not None:
            value_span = (token.end - len(glued), token.end)
            uses.append(OptionUse(spec, word, glued, span, value_span))
            continue
        value_token = next(rest, None)
        if value_token is None:
            raise LineProblem(f"{word} needs a value", span, "missing-value")
        both = (token.start, value_token.end)
        uses.append(OptionUse(spec, word, value_token.value, both, (value_token.start, value_token.end)))
    return uses


URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|file:", re.IGNORECASE)
_VCS = re.compile(r"(git|hg|svn|bzr)\+", re.IGNORECASE)
_PATH = re.compile(r"[./\\]|~(?:[/\\]|$)|[A-Za-z]:[\\/]")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
_HINT = 'a requirement looks like `name[extra]>=1.0,<2; python_version >= "3.9"`'


def shift(span: tuple[int, int], by: int) -> tuple[int, int]:
    return span[0] + by, span[1] + by


def env_message(var: str) -> str:
    return f"environment variable {var} is not expanded here (the server does not have yours): write its value instead"


def _checked(kind: type[Requirement] | type[Marker], text: str, offset: int = 0) -> Any:
    """`packaging`'s parse, its error turned into our message and the span its `~~~^` marks."""
    try:
        return parsing.requirement(text) if kind is Requirement else parsing.marker(text)
    except RecursionError:
        raise LineProblem("too deeply nested to be read", shift((0, len(text)), offset)) from None
    except (InvalidRequirement, InvalidMarker) as error:
        message, *_, marker = str(error).splitlines() or [""]
        found = re.fullmatch(r" {4}( *)(~*)\^", marker)
        span = (len(found[1]), len(found[1]) + len(found[2]) + 1) if found else (0, len(text))
        what = "requirement" if kind is Requirement else "environment marker"
        raise LineProblem(f"invalid {what}: {message} ({_HINT})", shift(span, offset)) from None


def _is_local(text: str) -> bool:
    if text.lower().startswith("file:") or _PATH.match(text):
        return True
    return not URL.match(text) and re.match(r"[^\s@;]*[/\\]", text) is not None


def requirement_of(text: str) -> tuple[Requirement, str | None]:
    """The requirement a (non-option) line declares, and its URL if it has one."""
    if URL.match(text):
        return _from_url(text, 0)
    try:
        requirement = _checked(Requirement, text)
    except LineProblem as problem:
        if _is_local(text):
            raise _local_path(text.split()[0], (0, len(text.split()[0]))) from None
        head, at, _ = text.partition("@")
        if at and re.search(r"[=<>!~]", head):  # `name==1.2 @ url`: not PEP 508, but unambiguous
            named = _checked(Requirement, head.rstrip())
            specs = list(named.specifier)
            if len(specs) != 1 or specs[0].operator != "==" or named.marker:
                raise LineProblem(
                    "before `@ url` only `name==version` can be given, the version the URL holds",
                    (0, len(head.rstrip())),
                ) from None
            return _from_url(text, len(head) + 1, named, specs[0].version)
        if found := ENV_VAR.search(text):
            raise LineProblem(env_message(found.group()), found.span(), "env-var") from None
        raise problem from None
    if requirement.url is not None:
        return _from_url(text, text.index("@") + 1, requirement)
    if requirement.name.lower().endswith(_ARCHIVES):
        raise _local_path(requirement.name, (0, len(requirement.name)))
    return requirement, None


def editable_of(value: str, span: tuple[int, int]) -> tuple[Requirement, str]:
    if _is_local(value):
        raise _local_path(value, span)
    if not _VCS.match(value):
        raise LineProblem(
            "-e takes a VCS URL such as `git+https://host/repo.git@v1#egg=name==1.2`", span, "bad-editable"
        )
    return _from_url(value, 0, offset=span[0])


_URL_REST = re.compile(r"\s*(?P<url>\S+?)\s*(?:;\s*(?P<marker>.*?)\s*)?")


def _from_url(
    text: str, start: int, named: Requirement | None = None, version: str | None = None, offset: int = 0
) -> tuple[Requirement, str]:
    """The `name==version` that the URL in `text[start:]` (and an optional `; marker`) declares.

    The URL is never fetched. The version comes from `name==1.2 @ url`, then `#egg=name==1.2`, then a
    wheel or sdist file name at the end of the URL; without one there is nothing to resolve, so it
    is an error, as it is for the wheels proxy. `offset` places `text` in the line, for spans.
    """
    found = _URL_REST.fullmatch(text, start)
    if found is None:
        raise LineProblem(
            "unexpected text after the URL; only `; marker` may follow it", shift((start, len(text)), offset)
        )
    url, span = found["url"], shift(found.span("url"), offset)
    marker = _checked(Marker, found["marker"], found.start("marker") + offset) if found["marker"] else None
    if _is_local(url):
        raise _local_path(url, span)
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise LineProblem(f"not a valid URL: {error}", span) from None
    if not parts.scheme or not parts.netloc:
        raise LineProblem("not a URL: write `name @ https://…` or `name==version`", span)
    name, extras = (named.name, set(named.extras)) if named else (None, set())
    marker = marker or (named.marker if named else None)
    if egg := re.search(r"(?:^|&)egg=([^&]*)", parts.fragment):
        egg_span = (span[0] + url.index("#") + 1 + egg.start(1), span[1])
        declared = _checked(Requirement, unquote(egg[1]), egg_span[0])
        specs = list(declared.specifier)
        if name and canonicalize_name(declared.name) != canonicalize_name(name):
            raise LineProblem(f"#egg names {declared.name} but the line names {name}", egg_span)
        if len(specs) > 1 or (specs and specs[0].operator != "=="):
            raise LineProblem("#egg= can only declare `name==version`", egg_span)
        if specs and version and specs[0].version != version:
            raise LineProblem(f"#egg says {specs[0].version} but the line says {version}", egg_span)
        name, extras = declared.name, extras | set(declared.extras)
        version = version or (specs[0].version if specs else None)
    filename = unquote(posixpath.basename(parts.path))
    if version is None and not _VCS.match(url) and filename.endswith(_ARCHIVES):
        try:
            file_name, file_version, _kind, _tags = parse_filename(filename, name or "")
        except (ValueError, IndexError):
            pass
        else:
            if name and file_name != canonicalize_name(name):
                raise LineProblem(f"{filename} is not a file of {name}", span)
            name, version = name or file_name, str(file_version)
    if name is None or version is None:
        raise LineProblem(
            f"URL requirement without a version: write `#egg={name or 'name'}==X.Y` so the resolver knows "
            "which version it is (the wheels proxy rejects this with 'Bad Request')",
            span,
            "url-without-version",
        )
    try:
        version = str(Version(version))
    except InvalidVersion:
        raise LineProblem(f"{version!r} is not a version", span) from None
    shown = f"{name}[{','.join(sorted(extras))}]" if extras else name
    return _checked(Requirement, f"{shown}=={version}" + (f"; {marker}" if marker else "")), url


def _local_path(path: str, span: tuple[int, int]) -> LineProblem:
    return LineProblem(
        f"local paths cannot be resolved here: {path!r} is on your disk, not the server's; "
        "pin the version it holds (`name==X.Y`) or upload its requirements file",
        span,
        "local-path",
    )
