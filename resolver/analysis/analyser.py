"""The entry point of the analyses of a failed resolution (`analyses` holds them).

The engine imports this module on every run; the analyses and their parts (fixes, matrices, the
minimal lines, the combined fix) are imported only when a failure is analysed, so that a run that
resolves, or fails without analyses (`--no-analysis`), does not hold them in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resolver.analysis.budget import AnalysisLimits, Budget, Heartbeat, Rerun

if TYPE_CHECKING:
    from resolver.environment import Target
    from resolver.input.reqfile import ParsedInput
    from resolver.output.report import Report


def analyse_failure(
    report: Report,
    parsed: ParsedInput,
    *,
    target: Target,
    index: Any,
    rerun: Rerun,
    limits: Any,
    analysis_limits: AnalysisLimits,
    pre: bool = False,
    heartbeat: Heartbeat | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Add every conflict, `minimal_lines`, each conflict's `matrix` and `fixes`, and `analysis`.

    `heartbeat` hears the phase before each re-resolution; once `should_stop` answers True the
    analyses stop there and keep what they proved (`analysis.stopped` says so)."""
    from resolver.analysis.analyses import Analyser

    budget = Budget(rerun, limits, analysis_limits, heartbeat, should_stop)
    Analyser(report, parsed, target, index, budget, pre).run()
