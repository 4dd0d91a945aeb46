"""The analyses' budget: time and re-resolutions for all analyses of one report together.

Every analysis asks through `Budget.resolve`, so one wall shared by all of them decides when
they stop; an analysis cut short says so instead of guessing. The same place is where a caller
hears how far they are (`heartbeat`, with the phase) and can ask them to stop (`should_stop`,
asked before each re-resolution): what was proven until then is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resolver.output.report import Report


Rerun = Callable[..., "Report"]
# What the caller hears before each re-resolution: the phase and the budget used so far.
Heartbeat = Callable[[dict[str, Any]], None]
STOPPED_BY_USER = "stopped at your request"


@dataclass(frozen=True)
class AnalysisLimits:
    """The budget of all analyses of one report together; reaching it is reported, not an error."""

    max_seconds: float = 60.0
    max_resolutions: int = 120
    # One re-resolution may not take longer: a candidate change that sends resolvelib into deep
    # backtracking is left undecided rather than eating the whole budget.
    max_seconds_each: float = 10.0
    matrix_versions: int = 30  # columns: versions of the clashing package
    matrix_rows: int = 20  # rows: versions of each parent
    parent_tries: int = 3  # versions of one parent re-resolved as fixes, in each group
    parent_versions: int = 80  # versions of one parent whose metadata is read for fixes
    python_versions: int = 4  # target Pythons tried as a fix, nearest first


class Budget:
    """Counts re-resolutions and time; `resolve` answers None once either is used up."""

    def __init__(
        self,
        rerun: Rerun,
        limits: Any,
        analysis: AnalysisLimits,
        heartbeat: Heartbeat | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.rerun = rerun
        self.heartbeat = heartbeat
        self.should_stop = should_stop
        self.phase = "explaining"  # what the analyses are doing, in words, set by the analyser
        self.phase_resolutions = 0
        self.limits = limits
        self.analysis = analysis
        self.started = time.monotonic()
        self.resolutions = 0
        self.undecided = 0  # re-resolutions stopped by their own limit: neither proof nor disproof
        self.stopped: str | None = None
        # Lines every re-resolution leaves out: those naming projects the index does not have.
        # Dropping them costs nothing, where hundreds of set-aside placeholders cost seconds.
        self.drop_lines: frozenset[tuple[str, int]] = frozenset()
        # Packages the failed resolution found clashing, decided first by yes/no questions.
        self.preferences: dict[str, int] = {}

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wall(self) -> float:
        """The hard end of the analyses: their own seconds, or the resolution's deadline if sooner."""
        own = self.started + self.analysis.max_seconds
        deadline = getattr(self.limits, "deadline", None)
        return own if deadline is None else min(own, deadline)

    def enter(self, phase: str) -> None:
        """Name what the next re-resolutions are for, as the progress shows it."""
        self.phase, self.phase_resolutions = phase, 0

    def progress(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "phase_resolutions": self.phase_resolutions,
            "analysis_resolutions": self.resolutions,
            "analysis_max_resolutions": self.analysis.max_resolutions,
            "analysis_seconds": round(self.elapsed(), 1),
            "analysis_max_seconds": self.analysis.max_seconds,
        }

    def exhausted(self) -> bool:
        if self.stopped is None:
            if self.should_stop is not None and self.should_stop():
                self.stopped = STOPPED_BY_USER
            elif time.monotonic() >= self.wall() and self.elapsed() < self.analysis.max_seconds:
                self.stopped = "the report's time limit was reached"
            elif self.resolutions >= self.analysis.max_resolutions:
                self.stopped = f"the budget of {self.analysis.max_resolutions} re-resolutions was used up"
            elif self.elapsed() >= self.analysis.max_seconds:
                self.stopped = f"the time budget of {self.analysis.max_seconds:g} s was used up"
        return self.stopped is not None

    def resolve(self, files: dict[str, str], *, question: bool = False, **changes: Any) -> Report | None:
        """A re-resolution, or None once the budget is used up. A `question` asks only whether the
        input resolves: a failure is not explained, and the known clashes are decided first (the
        same answer, found sooner, but a success's pins may differ from pip's)."""
        if self.exhausted():
            return None
        self.resolutions += 1
        self.phase_resolutions += 1
        if self.heartbeat is not None:  # a worker's sign of life while the analyses run
            self.heartbeat(self.progress())
        # What is left of the wall, not a floor of a second more: the budget is a hard limit.
        remaining = max(0.0, self.wall() - time.monotonic())
        seconds = min(self.limits.max_seconds, remaining, self.analysis.max_seconds_each)
        # The wall goes down to the re-resolution, so one slow re-resolution cannot overrun it.
        limits = replace(self.limits, max_seconds=seconds, deadline=self.wall())
        if self.drop_lines:
            changes["drop_lines"] = changes.get("drop_lines", frozenset()) | self.drop_lines
        if question:
            changes |= {"explain": False, "preferences": self.preferences}
        report = self.rerun(files, limits=limits, **changes)
        if not decided(report):
            self.undecided += 1
        return report


def decided(report: Report) -> bool:
    """False when a resolution neither resolved nor proved it cannot: it stopped at a limit, the
    index failed, or the answer depends on metadata only a build could give (status "error")."""
    return report["status"] != "error"
