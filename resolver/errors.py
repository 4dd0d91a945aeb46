"""The one hierarchy of errors the engine raises.

Every class has a kebab-case `code` (it becomes the `kind`/`code` of an error in the JSON report)
and is picklable, because errors cross the Celery boundary.
"""

from __future__ import annotations

from typing import Any, TypedDict


def _rebuild(cls: type[ResolverError], state: dict[str, Any]) -> ResolverError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class ResolverError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "resolver-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.__dict__)))

    def __str__(self) -> str:
        return self.message


class LineErrorFields(TypedDict):
    """A bad line in report v1 (resolver.output.report.LineError, which this module may not import)."""

    code: str
    file: str
    line: int
    text: str
    span: list[int]
    message: str


class LineError(ResolverError):
    """One bad line of a requirements file, with the span at fault.

    `span` is a (start, end) pair of offsets into `text`; it is drawn as a caret line under it.
    """

    code = "bad-line"

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int,
        text: str,
        span: tuple[int, int] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.text = text
        self.span = span if span is not None else (0, len(text))
        if code is not None:
            self.code = code

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def render(self) -> str:
        start, end = self.span
        start = max(0, min(start, len(self.text)))
        end = max(start + 1, min(end, len(self.text)))
        caret = " " * start + "^" + "~" * (end - start - 1)
        return f"{self.location}: {self.message}\n    {self.text}\n    {caret}"

    def __str__(self) -> str:
        return self.render()

    def to_dict(self) -> LineErrorFields:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "text": self.text,
            "span": list(self.span),
            "message": self.message,
        }


class InputError(ResolverError):
    """All the bad lines of an input at once, so the user fixes them in one go."""

    code = "bad-input"

    def __init__(self, errors: list[LineError]) -> None:
        count = len(errors)
        super().__init__(f"{count} bad line{'s' if count != 1 else ''} in the requirements")
        self.errors = list(errors)

    def __str__(self) -> str:
        return "\n".join(error.render() for error in self.errors)


class TargetError(ResolverError):
    """A target Python version or platform that cannot be understood; `field` names which."""

    code = "bad-target"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class IndexAccessError(ResolverError):
    """An index could not be read: a timeout, a 5xx, a malformed or oversized response.

    `url` never carries credentials (it is redacted before the error is made).
    """

    code = "index-error"

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class IndexNotAllowed(IndexAccessError):
    """An index URL that the settings do not allow; it was never fetched."""

    code = "index-not-allowed"


class MetadataUnavailable(ResolverError):
    """A distribution whose dependencies cannot be read without running its build."""

    code = "metadata-unavailable"

    def __init__(self, message: str, *, package: str, version: str, filename: str) -> None:
        super().__init__(message)
        self.package = package
        self.version = version
        self.filename = filename


class InvalidMetadata(MetadataUnavailable):
    """Metadata that is there but invalid: a Requires-Dist that is no PEP 508 requirement, a Name or
    Version other than the file's. pip (24.1 on) ignores such a version rather than building it,
    so it is neither "unknown" nor dependency-free: the resolver leaves it out, as pip does.
    """

    code = "invalid-metadata"


class LimitReached(ResolverError):
    """A bound on the work of one resolution (rounds, seconds, requests) was reached."""

    code = "limit"

    def __init__(self, message: str, *, limit: str, value: int | float) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value
