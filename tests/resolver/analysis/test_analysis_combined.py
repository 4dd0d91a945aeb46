"""The combined fix of several conflicts, and the ranking that keeps the user's framework.

Each conflict's fixes are proven with the others set aside; the combined fix applies the best of
each together and is proven by re-resolving the whole file with nothing set aside.
"""

from __future__ import annotations

from resolver.analysis.combined import merge
from tests.resolver.analysis.test_analysis_conflicts import TWO, TWO_INPUT
from tests.resolver.conftest import Resolve


def test_two_conflicts_get_one_change_that_resolves_the_whole_file(run: Resolve) -> None:
    report = run(TWO, TWO_INPUT)
    assert {c["package"] for c in report["conflicts"]} == {"django", "c"}
    combined = report["combined_fix"]
    assert combined["kind"] == "combined" and combined["complete"] is True
    assert combined["title"] == "Change these 2 lines and the whole file resolves"
    # The best fix of each conflict, applied together: what each part changes is in the one diff.
    parts = {part["package"]: part for part in combined["parts"]}
    assert set(parts) == {"django", "c"}
    by_package = {c["package"]: c for c in report["conflicts"]}
    for package, part in parts.items():
        best = next(fix for fix in by_package[package]["fixes"] if fix["rank"] == part["rank"])
        assert part["headline"] == best["headline"]
        assert best["complete"] is False  # alone, each leaves the other conflict
    assert combined["diff"].count("\n-") >= 2 and combined["diff"].count("\n+") >= 2
    # Proven: every package of the input is pinned, nothing set aside.
    assert {"django", "c", "b", "djangocms-blog", "deep", "filler0"} <= set(combined["pins"])


def test_no_combined_fix_for_a_single_conflict(run: Resolve) -> None:
    report = run(TWO, "django==1.11.29\ndjangocms-blog\n")
    assert len(report["conflicts"]) == 1 and report["conflicts"][0]["fixes"]
    assert "combined_fix" not in report


def test_ranking_keeps_the_framework_and_pins_an_older_plugin(run: Resolve) -> None:
    # filter 24+ needs fw>=4.2; the user holds fw<4. Upgrading fw is a smaller number jump
    # (3 -> 5) than filter 26 -> 23, but fw is what filter and drf depend on.
    universe = {
        "fw": {"3.2.25": {}, "4.2.30": {}, "5.2.19": {}},
        "filter": {
            "23.5": {"requires": ["fw>=3.2"]},
            **{v: {"requires": ["fw>=4.2"]} for v in ("24.1", "25.1", "26.2")},
        },
        "drf": {"3.15.1": {"requires": ["fw>=3.2"]}},
    }
    report = run(universe, "fw<4\nfilter>=24\ndrf\n")
    [conflict] = report["conflicts"]
    first = conflict["fixes"][0]
    assert first["kind"] == "parent_version", [f["headline"] for f in conflict["fixes"]]
    assert first["pins"]["fw"] == "3.2.25" and first["pins"]["filter"] == "23.5"
    upgrade = next(fix for fix in conflict["fixes"] if fix["pins"].get("fw", "").startswith("5."))
    assert upgrade["rank"] > first["rank"]
    # Dropping a line the user wrote loses what they chose: it comes after every move.
    dropped = [fix["rank"] for fix in conflict["fixes"] if fix["kind"] == "drop_line" and fix["line"]["line"] == 2]
    assert dropped and min(dropped) > upgrade["rank"]


def test_merge_applies_edits_of_different_lines_and_refuses_the_same_line() -> None:
    original = {"r.in": "a==1\nb==1\nc==1"}
    one = {"r.in": "a==2\nb==1\nc==1"}
    two = {"r.in": "a==1\nb==1\n# c==1"}
    assert merge(original, [one, two]) == {"r.in": "a==2\nb==1\n# c==1"}
    assert merge(original, [one, {"r.in": "a==3\nb==1\nc==1"}]) is None  # both change line 1
    # Pins appended by two fixes are both kept, after the user's lines.
    ended = {"r.in": "a==1\r\nb==1\r\n"}
    pin = {"r.in": "a==1\r\nb==1\r\nd==3\n"}
    pin2 = {"r.in": "a==1\r\nb==1\r\ne==4\n"}
    assert merge(ended, [{"r.in": "# a==1\r\nb==1\r\n"}, pin, pin2]) == {"r.in": "# a==1\r\nb==1\r\nd==3\ne==4\n"}
