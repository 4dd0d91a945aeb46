"""The bounds of one resolution, and the one place their defaults are written.

Kept out of `engine` so that `config.settings` and the CLI's fast path can read the defaults
without importing the engine (resolvelib, the analyses: a third of a second at start-up).
The round limit is pip's own (its resolver allows 200,000 rounds): a resolution pip finishes must
not stop here on rounds; the time limit is what bounds the cost of a long one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds on one resolution; reaching one is a reported outcome (`limit`), not a crash."""

    max_rounds: int = 200_000
    max_seconds: float = 300.0
    # A wall (a `time.monotonic()` value) for everything this resolution does, its analyses
    # included: a worker's time limit, which must hold on pools where Celery enforces none.
    deadline: float | None = None

    def wall(self, started: float) -> float:
        """When this resolution must stop: its own seconds from `started`, or the deadline if sooner."""
        own = started + self.max_seconds
        return own if self.deadline is None else min(own, self.deadline)
