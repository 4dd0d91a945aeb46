"""Issue 14, items 1 and 2: a resolution's time limit holds from its first step, and a deadline is
a hard wall for the resolution and its analyses together."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from resolver.analysis.budget import AnalysisLimits, Budget
from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.limits import Limits
from tests.support.server import serve_index
from tests.support.universe import build_index

TARGET = Target("3.11", "manylinux_2_28_x86_64")


def test_the_first_round_is_bounded_by_the_time_limit(tmp_path: Path) -> None:
    # 120 input lines, each a page and a metadata file on a slow index (0.2 s each, 8 at a time): the
    # first round alone, which adds every input line, takes about 6 s (6.5 s measured before the fix);
    # the limit of 0.3 s must stop it within that round.
    universe = {f"p{i}": {"1.0": {}} for i in range(120)}
    build_index(tmp_path, universe, formats=("json",))
    text = "".join(f"p{i}\r" for i in range(120))
    with serve_index(tmp_path, latency=0.2) as server:
        client = IndexClient([server.simple_url])
        try:
            report = resolve({"r.in": text}, index=client, target=TARGET, limits=Limits(max_seconds=0.3))
        finally:
            client.close()
    assert report["status"] == "error"
    assert report["diagnoses"][0]["kind"] == "limit", report["diagnoses"]
    assert report["stats"]["duration_ms"] < 2500, report["stats"]  # the whole first round: about 6 s


def test_the_analyses_stop_at_the_deadline_even_inside_a_re_resolution(tmp_path: Path) -> None:
    # The analyses ask the engine through their budget; a deadline 0.3 s away must reach into the
    # re-resolution (a cold, slow index: seconds of work), and once past it nothing more is asked.
    build_index(tmp_path, {f"p{i}": {"1.0": {}} for i in range(120)}, formats=("json",))
    text = "".join(f"p{i}\n" for i in range(120))
    with serve_index(tmp_path, latency=0.05) as server:
        client = IndexClient([server.simple_url])
        try:
            rerun = partial(resolve, index=client, target=TARGET, analyse=False)
            budget = Budget(rerun, Limits(deadline=time.monotonic() + 0.3), AnalysisLimits(max_seconds_each=30))
            started = time.monotonic()
            report = budget.resolve({"r.in": text})
            took = time.monotonic() - started
            time.sleep(max(0.0, budget.wall() - time.monotonic()))
            assert budget.resolve({"r.in": text}) is None
        finally:
            client.close()
    assert report is not None and report["diagnoses"][0]["kind"] == "limit", report
    assert took < 2.5, took  # without the deadline reaching into it: the whole cold resolution, seconds
    assert budget.stopped == "the report's time limit was reached"
