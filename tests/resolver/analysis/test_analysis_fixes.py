"""Proven fixes and the compatibility matrix, on indexes built so that the right fix is known.

A fix is offered only after a real re-resolution of the changed input resolved; these tests check
the fix of each kind that the construction allows, its diff and resulting pins, and the case where
no single change resolves ("no single change fixes this").
"""

from __future__ import annotations

import pytest

from tests.resolver.conftest import Resolve
from tests.support.universe import CLASSIC

INDEX_KINDS = pytest.mark.parametrize("indexes", ["json-file", "html-http"], indirect=True)


def fixes_by_kind(conflict: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for fix in conflict["fixes"]:
        found.setdefault(fix["kind"], []).append(fix)
    return found


@INDEX_KINDS
def test_loosen_the_users_pin_and_drop_each_line(run: Resolve) -> None:
    report = run(CLASSIC, "# our site\ndjango==1.11.29\ndjangocms-blog\n")
    [conflict] = report["conflicts"]
    assert conflict["fix_status"] == "found"
    kinds = fixes_by_kind(conflict)
    loosen, moved = sorted(kinds["loosen_pin"], key=lambda fix: not fix["title"].startswith("Loosen"))
    assert loosen["title"] == "Loosen django==1.11.29 to django>2.0 (requirements.in:2)"
    assert loosen["line"] == {"file": "requirements.in", "line": 2}
    assert loosen["files"] == {"requirements.in": "# our site\ndjango>2.0\ndjangocms-blog\n"}
    assert loosen["diff"] == (
        "--- a/requirements.in\n+++ b/requirements.in\n@@ -1,3 +1,3 @@\n"
        " # our site\n-django==1.11.29\n+django>2.0\n djangocms-blog\n"
    )
    assert loosen["pins"] == {"django": "3.2.25", "djangocms-blog": "1.2.0"}
    assert loosen["pin_changes"] == {"django": ["1.11.29", "3.2.25"]}
    assert loosen["complete"] is True
    # Ranked by how little they disturb: 1.11 -> 2.2 is a smaller jump than 1.11 -> 3.2.
    assert moved["rank"] < loosen["rank"]
    assert (loosen["direction"], loosen["jump"]) == ("upgrade", "django 1.11 \N{RIGHTWARDS ARROW} 3.2, major")
    assert loosen["headline"].startswith("Upgrade django 1.11 \N{RIGHTWARDS ARROW} 3.2, major: django==1.11.29")
    assert moved["files"]["requirements.in"] == "# our site\ndjango==2.2.28\ndjangocms-blog\n"
    assert moved["pins"]["django"] == "2.2.28"
    dropped = {fix["line"]["line"]: fix for fix in kinds["drop_line"]}
    assert set(dropped) == {2, 3}
    assert dropped[2]["files"]["requirements.in"] == "# our site\n# django==1.11.29\ndjangocms-blog\n"
    assert dropped[3]["pins"] == {"django": "1.11.29"}
    assert dropped[3]["pin_changes"] == {"djangocms-blog": ["1.2.0", None]}
    assert "parent_version" not in kinds  # every blog release asks for django>2.0
    assert "python_version" not in kinds  # no target Python changes that


def test_an_older_parent_whose_requirement_fits_is_pinned(run: Resolve) -> None:
    universe = {
        **CLASSIC,
        "djangocms-blog": {
            "0.9.0": {"requires": ["django<1.11"]},
            "1.0.0": {"requires": ["django<2"]},
            "1.1.0": {"requires": ["django>2.0"]},
            "1.2.0": {"requires": ["django>2.0"]},
        },
        "mysite": {"1.0": {"requires": ["djangocms-blog"]}},
    }
    # The user's own line keeps blog at 1.1 or newer; the resolver may not go back to 1.0.0.
    report = run(universe, "django==1.11.29\ndjangocms-blog>=1.1\n")
    [conflict] = report["conflicts"]
    [parent] = fixes_by_kind(conflict)["parent_version"]
    assert parent["title"] == (
        "Change djangocms-blog>=1.1 to djangocms-blog==1.0.0: it asks for django<2, which django 1.11.29 "
        "meets with the other constraints (requirements.in:2)"
    )
    assert parent["line"] == {"file": "requirements.in", "line": 2}  # the user's line for it is rewritten
    # It keeps the user's Django 1.11: the least disturbing fix comes first, said as what it is.
    assert conflict["fixes"][0] is parent or conflict["fixes"][0]["title"] == parent["title"]
    assert (parent["rank"], parent["direction"], parent["keeps_majors"]) == (1, "downgrade", True)
    assert parent["jump"] == "djangocms-blog 1.2 \N{RIGHTWARDS ARROW} 1.0, minor"
    assert [fix["rank"] for fix in conflict["fixes"]] == list(range(1, len(conflict["fixes"]) + 1))
    assert parent["files"]["requirements.in"] == "django==1.11.29\ndjangocms-blog==1.0.0\n"
    assert parent["pins"] == {"django": "1.11.29", "djangocms-blog": "1.0.0"}
    # Through a chain, the parent is pinned on a new line.
    report = run(universe, "django==1.11.29\nmysite\n")
    # With no line of the user's holding blog back, the resolver itself backtracks to 1.0.0.
    assert report["status"] == "resolved" and report["pins"]["djangocms-blog"] == "1.0.0"


def test_a_line_that_no_chain_shows_is_found_by_the_minimal_lines_and_dropped(run: Resolve) -> None:
    # The chain to the clash runs through theme (line 2), but what keeps blog from going back to
    # 1.0.0 (which accepts django 1.11.29) is extra's requirement blog>=1.2 (line 3).
    universe = {
        "django": {"1.11.29": {}, "3.2.25": {}},
        "blog": {"1.0.0": {"requires": ["django<2"]}, "1.2.0": {"requires": ["django>2.0"]}},
        "theme": {"1.0": {"requires": ["blog>=1.0"]}},
        "extra": {"1.0": {"requires": ["blog>=1.2"]}},
    }
    report = run(universe, "django==1.11.29\ntheme\nextra>=1.0\n")
    [conflict] = report["conflicts"]
    assert conflict["constraints"][1]["source"] == {"file": "requirements.in", "line": 2}
    assert [line["line"] for line in report["minimal_lines"]["lines"]] == [1, 3]
    kinds = fixes_by_kind(conflict)
    dropped = {fix["line"]["line"]: fix for fix in kinds["drop_line"]}
    assert set(dropped) == {1, 3}  # dropping theme (line 2) was tried and does not resolve
    assert dropped[3]["pins"] == {"blog": "1.0.0", "django": "1.11.29", "theme": "1.0"}
    assert "parent_version" not in kinds  # blog==1.0.0 was tried: extra still needs blog>=1.2


def test_the_nearest_target_python_that_resolves(run: Resolve) -> None:
    universe = {
        **CLASSIC,
        "djangocms-blog": {
            "1.2.0": {"requires": ["django>2.0"]},
            "1.3.0": {"requires": ["django<2"], "requires_python": ">=3.12"},
        },
    }
    report = run(universe, "django==1.11.29\ndjangocms-blog\n", python="3.11")
    [conflict] = report["conflicts"]
    [python] = fixes_by_kind(conflict)["python_version"]
    assert python["python_version"] == "3.12"
    assert python["title"] == "Target Python 3.12 instead of 3.11"
    assert python["files"] == {} and python["diff"] == "" and python["line"] is None
    assert python["pins"] == {"django": "1.11.29", "djangocms-blog": "1.3.0"}


@INDEX_KINDS
def test_no_single_change_fixes_this(run: Resolve) -> None:
    # p wants x<1.5 and q wants x>2.5: the user's x==2.0 meets neither, and no one change helps.
    universe = {
        "x": {"1.0": {}, "2.0": {}, "3.0": {}},
        "p": {"1.0": {"requires": ["x<1.5"]}},
        "q": {"1.0": {"requires": ["x>2.5"]}},
    }
    report = run(universe, "x==2.0\np\nq\n")
    [conflict] = report["conflicts"]
    assert conflict["fixes"] == []
    assert conflict["fix_status"] == "none"
    assert conflict["fix_candidates"] >= 4  # loosen, move the pin, drop each line, the target Python
    assert report["analysis"]["complete"] is True


def test_a_fix_for_one_of_two_conflicts_says_the_other_remains(run: Resolve) -> None:
    from tests.resolver.analysis.test_analysis_conflicts import TWO, TWO_INPUT

    report = run(TWO, TWO_INPUT)
    django = next(c for c in report["conflicts"] if c["package"] == "django")
    [loosen] = [fix for fix in django["fixes"] if fix["title"].startswith("Loosen")]
    assert loosen["complete"] is False
    assert loosen["pins"]["django"] == "3.2.25"
    assert "c" not in loosen["pins"]  # set aside for this fix: the other conflict's package


def test_the_matrix_of_parent_versions_against_package_versions(run: Resolve) -> None:
    universe = {
        "django": {"1.11.29": {}, "2.2.27": {}, "2.2.28": {}, "3.2.25": {}, "4.2.0": {}},
        "drf": {
            "3.11.2": {"requires": ["django>=1.11"]},
            "3.12.0": {"requires": ["django>=2.2"]},
            "3.12.4": {"requires": ["django>=2.2"]},
            "3.15.0": {"requires": ["django>=4.2"]},
            "3.10.0": {},
        },
    }
    report = run(universe, "django==1.11.29\ndrf>=3.12\n")
    [conflict] = report["conflicts"]
    matrix = conflict["matrix"]
    assert matrix["versions"] == ["4.2.0", "3.2.25", "2.2.28", "1.11.29"]  # newest of each series
    assert matrix["truncated"] is False
    user, drf = matrix["parents"]
    assert user == {
        "parent": None,
        "label": "requirements.in:1",
        "rows": [{"version": None, "specifier": "==1.11.29", "accepts": [False, False, False, True]}],
        "truncated": False,
    }
    assert drf["parent"] == "drf"
    assert [(r["version"], r["specifier"], r["accepts"]) for r in drf["rows"]] == [
        ("3.15.0", ">=4.2", [True, False, False, False]),
        ("3.12.4", ">=2.2", [True, True, True, False]),
        ("3.11.2", ">=1.11", [True, True, True, True]),
        ("3.10.0", None, [True, True, True, True]),
    ]
    moved = [f for f in conflict["fixes"] if f["title"].startswith("Move the pin")]
    assert moved[0]["pins"] == {"django": "2.2.28", "drf": "3.12.4"}


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_fixes_edit_continued_lines_whole_and_keep_the_files_line_endings(run: Resolve) -> None:
    text = "django==1.11.29 \\\r\n    --hash=sha256:" + "a" * 64 + "\r\ndjangocms-blog ; python_version >= '3'\r\n"
    report = run(CLASSIC, text)
    [conflict] = report["conflicts"]
    kinds = fixes_by_kind(conflict)
    [loosen] = [fix for fix in kinds["loosen_pin"] if fix["title"].startswith("Loosen")]
    assert loosen["files"]["requirements.in"] == "django>2.0\r\ndjangocms-blog ; python_version >= '3'\r\n"
    dropped = {fix["line"]["line"]: fix for fix in kinds["drop_line"]}
    assert dropped[1]["files"]["requirements.in"] == (
        "# django==1.11.29 \\\r\n#     --hash=sha256:" + "a" * 64 + "\r\ndjangocms-blog ; python_version >= '3'\r\n"
    )
    assert dropped[3]["files"]["requirements.in"].endswith("\r\n# djangocms-blog ; python_version >= '3'\r\n")
    assert dropped[3]["pins"] == {"django": "1.11.29"}


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_constraint_line_is_loosened_or_dropped_in_its_own_file(run: Resolve) -> None:
    files = {"requirements.in": "-c constraints.txt\ndjangocms-blog\n", "constraints.txt": "django<2\n"}
    report = run(CLASSIC, files=files)
    [conflict] = report["conflicts"]
    loosen = fixes_by_kind(conflict)["loosen_pin"][0]
    assert loosen["line"] == {"file": "constraints.txt", "line": 1}
    assert loosen["files"] == {"constraints.txt": "django>2.0\n"}
    assert loosen["diff"].startswith("--- a/constraints.txt\n+++ b/constraints.txt\n")
    assert loosen["pins"] == {"django": "3.2.25", "djangocms-blog": "1.2.0"}


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_change_whose_answer_needs_a_build_is_undecided_not_disproved(run: Resolve) -> None:
    # Every django above 2.0 is an sdist with dynamic dependencies: whether a loosened pin
    # resolves cannot be told without building it, so it is neither offered nor counted as failing.
    dynamic = {"wheel_tags": [], "sdist": True, "sdist_dynamic": True}
    universe = {**CLASSIC, "django": {"1.11.29": {}, "2.2.28": dynamic, "3.2.25": dynamic}}
    report = run(universe, "django==1.11.29\ndjangocms-blog\n")
    [conflict] = report["conflicts"]
    assert [fix["title"] for fix in conflict["fixes"]] == ["Drop djangocms-blog (requirements.in:2)"]
    assert conflict["fix_undecided"] >= 2  # loosening and dropping the pin both need a build to tell
    assert report["analysis"]["undecided"] >= 2 and report["analysis"]["complete"] is False
