"""Resolve as of a date: files uploaded after it are ignored (PEP 700 `upload-time`).

Like uv's `--exclude-newer`: a report records when it read the index (`index_read_at`), and
re-running it with that time as the cut-off ignores everything uploaded since, so the answer
can be reproduced and compared. Only JSON pages (PEP 691, API 1.1) carry upload times; a file
without one is dropped, as uv does, because "as of that date" cannot be claimed for a file
whose date is unknown. The report says how many were dropped and from which projects, so an
index serving HTML only (no upload times at all) is named as the reason nothing matches.

The filter wraps the index client rather than living in the finder: the provider, the
explanation and the analyses then all see the same, older, index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from packaging.utils import canonicalize_name

from resolver.errors import ResolverError
from resolver.index.dists import Project

T = TypeVar("T")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateError(ResolverError):
    """A date that is neither `YYYY-MM-DD` nor an ISO-8601 time; the message says which is accepted."""

    code = "bad-date"


def parse_date(text: str, *, field: str = "exclude_newer") -> datetime:
    """`2024-05-01` (the end of that day, UTC: the whole day counts) or an ISO-8601 time.

    A time without a zone is taken as UTC. Raises DateError naming `field`.
    """
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), time.max.replace(microsecond=0), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise DateError(
            f"{field}: {text!r} is not a date; give YYYY-MM-DD or an ISO-8601 time such as 2024-05-01T12:00:00Z"
        ) from None
    return as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC (never as this machine's local time)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """ISO-8601 UTC with a `Z`, to the second: `2024-05-01T12:00:00Z`."""
    return as_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def upload_time(text: str | None) -> datetime | None:
    """A PEP 700 `upload-time` as a UTC datetime, or None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(moment)


class ExcludeNewer:
    """An index client that hides files uploaded after `cutoff` and files with no upload time.

    Everything but `project` is the wrapped client's (metadata, prefetching, stats, closing),
    so the cache stays warm across resolutions with different cut-offs.
    """

    def __init__(self, index: Any, cutoff: datetime) -> None:
        self.index = index
        self.cutoff = as_utc(cutoff)
        self.without_time: dict[str, int] = {}  # project -> files dropped for lacking a time
        self.newer: dict[str, int] = {}  # project -> files dropped for being newer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)

    def _sort(self, items: Iterable[T], uploaded: Callable[[T], str | None]) -> tuple[list[T], int, int]:
        """The items uploaded by the cut-off, and how many had no upload time or a later one."""
        kept, without_time, newer = [], 0, 0
        for item in items:
            moment = upload_time(uploaded(item))
            if moment is None:
                without_time += 1
            elif moment > self.cutoff:
                newer += 1
            else:
                kept.append(item)
        return kept, without_time, newer

    def _count(self, name: str, without_time: int, newer: int) -> None:
        if without_time:
            self.without_time[name] = without_time
        if newer:
            self.newer[name] = newer

    def project(self, name: str) -> Project | None:
        project = self.index.project(name)
        if project is None:
            return None
        kept, without_time, newer = self._sort(project.files, lambda file: file.upload_time)
        self._count(project.name, without_time, newer)
        return Project(project.name, project.index_url, tuple(kept), project.skipped)

    def project_view(self, name: str, view: Callable[[dict[str, Any], str, str], Any], view_key: str) -> Any:
        """The same filter for a client whose callers read a view of the page (`IndexClient.project_view`).

        The page's files are filtered before `view` sees them; the client memoises the view with
        the counts of what was dropped under a key naming the cut-off, so every resolution on the
        client, whatever its cut-off, sees its own filtered view and can report what it dropped.
        """

        def filtered(page: dict[str, Any], canonical: str, index_url: str) -> tuple[Any, int, int]:
            kept, without_time, newer = self._sort(page.get("files", []), lambda entry: entry.get("upload-time"))
            return view({**page, "files": kept}, canonical, index_url), without_time, newer

        found = self.index.project_view(name, filtered, f"{view_key}:exclude-newer:{to_iso(self.cutoff)}")
        if found is None:
            return None
        result, without_time, newer = found
        self._count(canonicalize_name(name), without_time, newer)
        return result

    def diagnoses(self) -> list[dict[str, Any]]:
        """A warning naming the projects whose files had no upload time (and were dropped)."""
        if not self.without_time:
            return []
        names = sorted(self.without_time)
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        count = sum(self.without_time.values())
        return [
            {
                "kind": "exclude_newer",
                "severity": "warning",
                "package": None,
                "message": (
                    f"{count} file{'s' if count != 1 else ''} of {shown} had no upload time (PEP 700) and "
                    f"{'were' if count != 1 else 'was'} ignored, since they cannot be shown to predate "
                    f"{to_iso(self.cutoff)}; indexes serving HTML pages give no upload times"
                ),
                "projects": {name: self.without_time[name] for name in names},
            }
        ]
