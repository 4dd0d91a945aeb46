"""The analyses' time budget is a hard wall: a re-resolution never gets more than what is left."""

from __future__ import annotations

import time

from resolver.analysis.budget import AnalysisLimits, Budget
from resolver.engine import Limits


def test_the_last_re_resolution_gets_only_what_is_left_of_the_budget() -> None:
    given: list[float] = []

    def rerun(files, *, limits, **changes):
        given.append(limits.max_seconds)
        return {"status": "resolved"}

    budget = Budget(rerun, Limits(), AnalysisLimits(max_seconds=5.0))
    budget.started = time.monotonic() - 4.8  # 0.2 s of the budget left
    assert budget.resolve({"requirements.in": "x\n"}) is not None
    assert 0 < given[0] <= 0.2
