"""Resolve as of a date: files uploaded after it are ignored (PEP 700 `upload-time`).

Like uv's `--exclude-newer`: a report records when it read the index (`index_read_at`), and
re-running it with that time as the cut-off ignores everything uploaded since, so the answer
can be reproduced and compared. Only JSON pages (PEP 691, API 1.1) carry upload times; a file
without one is dropped, as uv does, because "as of that date" cannot be claimed for a file
whose date is unknown, and the report says how many were dropped and from which projects.
"""

from __future__ import annotations

from datetime import datetime


def parse_date(text: str) -> datetime:
    """`2024-05-01` (midnight UTC) or an ISO-8601 time (`2024-05-01T12:00:00Z`) as UTC."""
    raise NotImplementedError


def to_iso(moment: datetime) -> str:
    """ISO-8601 UTC with a `Z`, to the second: `2024-05-01T12:00:00Z`."""
    raise NotImplementedError
