"""What the progress fragment says while a report runs: the phase, the time against the budget.

The worker writes its figures onto the row (`conflicts.jobs.run.ProgressWriter`); the analyses
add their phase and the budget used (`resolver.analysis.budget.Budget.progress`). Seconds are
counted here from when the analyses started, so they move on while one long re-resolution
sends no news.
"""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone

from conflicts.models import Report, Status


def progress_context(report: Report) -> dict[str, Any]:
    progress = report.progress or {}
    phase = progress.get("phase") or ("waiting for a worker" if report.status == Status.QUEUED else "resolving")
    shown: dict[str, Any] = {
        "phase": phase,
        "phase_resolutions": progress.get("phase_resolutions", 0),
        "resolutions": progress.get("analysis_resolutions"),
        "max_resolutions": progress.get("analysis_max_resolutions"),
        "max_seconds": progress.get("analysis_max_seconds"),
        "stop_requested": report.stop_requested,
    }
    started = progress.get("analysis_started_at")
    if started is not None and shown["max_seconds"] is not None:
        shown["seconds"] = int(min(max(time.time() - started, 0), shown["max_seconds"]))
    elif report.started is not None:  # resolving, or the questions after the analyses: no budget of theirs
        shown["max_seconds"] = None
        shown["seconds"] = int(max((timezone.now() - report.started).total_seconds(), 0))
    return shown
