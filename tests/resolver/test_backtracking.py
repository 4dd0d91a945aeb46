"""How many rounds backtracking takes: the preference order, not only the result, is under test.

The trap is the shape of a real Django 3.2 site: the user caps the framework (`web<4`), then lists
a package (`tree`) whose newest version needs a dependency (`asset>=4`) that only exists for the
newer framework, then many plugins that each depend on the framework. pip takes every plugin
before it reaches `asset`; when `asset` then fails, each backjump steps back over a single plugin
(they all share `web` with the clash), and without promoting `asset` every plugin's every
version is tried in turn: versions ** plugins rounds. pip resolves it in 28 rounds.
"""

from __future__ import annotations

from resolver.limits import Limits
from tests.resolver.conftest import Resolve
from tests.support.universe import Universe

PLUGINS = 6
VERSIONS = 4


def trap() -> tuple[Universe, str]:
    universe: Universe = {
        "web": {"3.2": {}, "4.2": {}},
        "tree": {"1.0": {"requires": ["asset<3"]}, "2.0": {"requires": ["asset>=4"]}},
        "asset": {"2.0": {"requires": ["web>=3"]}, "4.0": {"requires": ["web>=4"]}, "5.0": {"requires": ["web>=4"]}},
    }
    for n in range(PLUGINS):
        universe[f"plugin{n}"] = {f"{v}.0": {"requires": ["web>=3"]} for v in range(1, VERSIONS + 1)}
    lines = ["web<4", "tree", *(f"plugin{n}" for n in range(PLUGINS))]
    return universe, "\n".join(lines) + "\n"


def test_a_dependency_that_clashes_with_a_pin_is_settled_before_the_users_later_lines(run: Resolve) -> None:
    universe, text = trap()
    report = run(universe, text, limits=Limits(max_rounds=2000))
    assert report["status"] == "resolved", report["diagnoses"]
    expected = {"web": "3.2", "tree": "1.0", "asset": "2.0"} | {f"plugin{n}": "4.0" for n in range(PLUGINS)}
    assert report["pins"] == expected  # what pip picks
    # One pin per package, one backtrack (tree 2.0 -> 1.0) and its re-pin: fewer than pip's 28.
    assert report["stats"]["rounds"] <= len(expected) + 3
    assert report["stats"]["backtracks"] == 1
