"""The analyses run after a failed resolution: every conflict, the minimal lines, fixes, matrices."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnalysisLimits:
    """The budget of all analyses of one report together; reaching it is reported, not an error."""

    max_seconds: float = 60.0
    max_resolutions: int = 120
    matrix_versions: int = 30  # columns: versions of the clashing package
    matrix_rows: int = 20  # rows: versions of each parent
