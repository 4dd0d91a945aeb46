"""A user can stop the analyses: the budget asks `should_stop` before each re-resolution, and the
report keeps what was proven until then."""

from __future__ import annotations

import pytest

from resolver.analysis.budget import STOPPED_BY_USER, AnalysisLimits, Budget
from resolver.engine import Limits
from tests.resolver.analysis.test_analysis_conflicts import TWO, TWO_INPUT
from tests.resolver.conftest import Resolve


def test_the_budget_stops_once_asked_and_says_why() -> None:
    asked = {"stop": False}
    calls: list[str] = []

    def rerun(files, **changes):
        calls.append(files["requirements.in"])
        return {"status": "resolved"}

    budget = Budget(rerun, Limits(), AnalysisLimits(), should_stop=lambda: asked["stop"])
    assert budget.resolve({"requirements.in": "a\n"}) is not None
    asked["stop"] = True
    assert budget.resolve({"requirements.in": "b\n"}) is None
    assert calls == ["a\n"] and budget.stopped == STOPPED_BY_USER and budget.exhausted()


def test_the_heartbeat_hears_the_phase_and_the_budget_used() -> None:
    heard: list[dict] = []
    budget = Budget(lambda files, **_: {"status": "conflict"}, Limits(), AnalysisLimits(max_seconds=60), heard.append)
    budget.enter("finding the smallest clash")
    budget.resolve({"requirements.in": "a\n"})
    budget.resolve({"requirements.in": "b\n"})
    budget.enter("proving fixes for django")
    budget.resolve({"requirements.in": "c\n"})
    assert [(h["phase"], h["phase_resolutions"], h["analysis_resolutions"]) for h in heard] == [
        ("finding the smallest clash", 1, 1),
        ("finding the smallest clash", 2, 2),
        ("proving fixes for django", 1, 3),
    ]
    assert heard[-1]["analysis_max_seconds"] == 60 and 0 <= heard[-1]["analysis_seconds"] < 60


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_stopping_midway_keeps_the_conflicts_found_and_says_it_was_stopped(run_with: Resolve) -> None:
    phases: list[str] = []

    def stop_when_proving_fixes() -> bool:
        return bool(phases) and phases[-1].startswith("proving fixes")

    def heard(progress: dict) -> None:
        if "phase" in progress:
            phases.append(progress["phase"])

    report = run_with(TWO, TWO_INPUT, should_stop=stop_when_proving_fixes, on_progress=heard)
    assert {c["package"] for c in report["conflicts"]} == {"django", "c"}  # found before the stop
    assert report["minimal_lines"]["complete"] is True
    analysis = report["analysis"]
    assert analysis["stopped"] == STOPPED_BY_USER and analysis["complete"] is False
    assert all(c["fix_status"] == "skipped" and c["fixes"] == [] for c in report["conflicts"])
    assert "combined_fix" not in report
    assert phases[0] == "finding every conflict" and "finding the smallest clash" in phases
