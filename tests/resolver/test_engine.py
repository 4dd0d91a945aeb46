"""The engine end to end on indexes written by the tests: expected pins or expected explanations.

Every case runs over an HTML and a JSON index, each served as files and over loopback HTTP.
"""

from __future__ import annotations

import pytest

from resolver.limits import Limits
from tests.resolver.conftest import Resolve
from tests.support.universe import CLASSIC

# (id, universe, requirements.in, expected pins)
RESOLVING = [
    ("newest-wins", {"a": {"1.0": {}, "2.0": {}}}, "a\n", {"a": "2.0"}),
    (
        "transitive",
        {"a": {"1.0": {"requires": ["b>=1"]}}, "b": {"1.0": {}, "1.5": {}}},
        "a\n",
        {"a": "1.0", "b": "1.5"},
    ),
    (
        "backtracks-to-an-older-parent",
        {"a": {"1.0": {"requires": ["b<2"]}, "2.0": {"requires": ["b>=3"]}}, "b": {"1.0": {}, "2.0": {}}},
        "a\nb<2.5\n",
        {"a": "1.0", "b": "1.0"},
    ),
    ("yanked-is-skipped", {"a": {"1.0": {}, "2.0": {"yanked": "broken"}}}, "a\n", {"a": "1.0"}),
    ("yanked-when-pinned", {"a": {"1.0": {}, "2.0": {"yanked": True}}}, "a==2.0\n", {"a": "2.0"}),
    ("no-prerelease-by-default", {"a": {"1.0": {}, "2.0b1": {}}}, "a\n", {"a": "1.0"}),
    ("prerelease-when-only-one", {"a": {"2.0b1": {}}}, "a\n", {"a": "2.0b1"}),
    ("prerelease-when-asked", {"a": {"1.0": {}, "2.0b1": {}}}, "a>=2.0b1\n", {"a": "2.0b1"}),
    (
        "extras-pull-dependencies",
        {"a": {"1.0": {"requires": ['b; extra == "x"'], "extras": ["x"]}}, "b": {"1.0": {}}},
        "a[x]\n",
        {"a": "1.0", "b": "1.0"},
    ),
    (
        "extras-not-asked",
        {"a": {"1.0": {"requires": ['b; extra == "x"'], "extras": ["x"]}}, "b": {"1.0": {}}},
        "a\n",
        {"a": "1.0"},
    ),
    (
        "markers-for-the-target",
        {
            "a": {"1.0": {"requires": ['b; sys_platform == "win32"', 'c; python_version < "3.8"']}},
            "b": {"1.0": {}},
            "c": {"1.0": {}},
        },
        "a\n",
        {"a": "1.0"},
    ),
    ("requires-python-of-the-page", {"a": {"1.0": {}, "2.0": {"requires_python": ">=3.12"}}}, "a\n", {"a": "1.0"}),
    (
        "requires-python-in-metadata-only",
        {"a": {"1.0": {}, "2.0": {"requires_python": ">=3.12", "requires_python_on_page": False}}},
        "a\n",
        {"a": "1.0"},
    ),
    (
        "wheel-tags-of-the-target",
        {"a": {"1.0": {}, "2.0": {"wheel_tags": ["cp312-cp312-manylinux_2_28_x86_64"]}}},
        "a\n",
        {"a": "1.0"},
    ),
    (
        "static-sdist",
        {"a": {"1.0": {"wheel_tags": [], "sdist": True, "requires": ["b"]}}, "b": {"1.0": {}}},
        "a\n",
        {"a": "1.0", "b": "1.0"},
    ),
    ("constraint-file-narrows", {"a": {"1.0": {}, "2.0": {}}}, None, {"a": "1.0"}),
]


@pytest.mark.parametrize(("universe", "text", "pins"), [c[1:] for c in RESOLVING], ids=[c[0] for c in RESOLVING])
def test_resolves_to_the_expected_pins(run: Resolve, universe, text, pins) -> None:
    files = None if text is not None else {"requirements.in": "-c constraints.txt\na\n", "constraints.txt": "a<2\n"}
    report = run(universe, text, files=files)
    assert report["status"] == "resolved", report["diagnoses"] or report["conflicts"]
    assert report["pins"] == pins


def test_classic_conflict_names_both_constraints_parents_and_lines(run: Resolve) -> None:
    report = run(CLASSIC, "# our site\ndjango==1.11.29\n\ndjangocms-blog\n")
    assert report["status"] == "conflict"
    [conflict] = report["conflicts"]
    assert conflict["package"] == "django"
    assert conflict["message"] == "Could not find a version that matches django==1.11.29,>2.0"
    first, second = conflict["constraints"]
    assert (first["specifier"], first["parent"], first["source"], first["path"]) == (
        "==1.11.29",
        None,
        {"file": "requirements.in", "line": 2},
        ["requirements.in:2"],
    )
    assert (second["specifier"], second["parent"], second["source"], second["path"]) == (
        ">2.0",
        "djangocms-blog==1.2.0",
        {"file": "requirements.in", "line": 4},
        ["requirements.in:4", "djangocms-blog==1.2.0"],
    )
    assert [v["version"] for v in second["parent_versions"]] == ["1.2.0", "1.1.0"]
    assert conflict["versions"] == [
        {"version": "3.2.25", "satisfies": [1]},
        {"version": "2.2.28", "satisfies": [1]},
        {"version": "1.11.29", "satisfies": [0]},
    ]


def test_conflict_path_follows_the_chain_from_the_users_line(run: Resolve) -> None:
    universe = {
        **CLASSIC,
        "mysite-theme": {"3.0": {"requires": ["cms-toolkit>=1"]}},
        "cms-toolkit": {"1.4": {"requires": ["djangocms-blog"]}},
    }
    report = run(universe, "django==1.11.29\nmysite-theme\n")
    [conflict] = report["conflicts"]
    blog = conflict["constraints"][1]
    assert blog["parent"] == "djangocms-blog==1.2.0"
    assert blog["source"] == {"file": "requirements.in", "line": 2}
    assert blog["path"] == ["requirements.in:2", "mysite-theme==3.0", "cms-toolkit==1.4", "djangocms-blog==1.2.0"]


def test_conflict_is_highlighted_in_the_graph(run: Resolve) -> None:
    report = run(CLASSIC, "django==1.11.29\ndjangocms-blog\n")
    nodes = {node["id"]: node for node in report["graph"]["nodes"]}
    edges = {(e["source"], e["target"]): e for e in report["graph"]["edges"]}
    assert nodes["django"]["conflict"] is True
    assert nodes["djangocms-blog"]["culprit"] is True
    assert edges["djangocms-blog", "django"]["clash"] is True
    assert edges["djangocms-blog", "django"]["specifier"] == ">2.0"
    assert edges["<root>", "django"]["sources"] == [{"file": "requirements.in", "line": 1}]


def test_constraint_file_line_is_named_in_a_conflict(run: Resolve) -> None:
    files = {"requirements.in": "-c constraints.txt\ndjangocms-blog\n", "constraints.txt": "django<2\n"}
    report = run(CLASSIC, files=files)
    [conflict] = report["conflicts"]
    assert conflict["message"] == "Could not find a version that matches django<2,>2.0"
    assert conflict["constraints"][0]["path"] == ["constraints.txt:1"]
    assert conflict["constraints"][0]["kind"] == "constraint"


def test_missing_project_is_not_found(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}}, "a\nnope\n")
    assert report["status"] == "conflict"
    [diagnosis] = report["diagnoses"]
    assert (diagnosis["kind"], diagnosis["package"]) == ("not_found", "nope")
    assert diagnosis["constraints"][0]["path"] == ["requirements.in:2"]


def test_missing_version_is_not_found_and_says_what_exists(run: Resolve) -> None:
    report = run({"a": {"1.0": {}, "1.1": {}}}, "a>=5\n")
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "not_found"
    assert diagnosis["message"] == (
        "No version of a matches a>=5 (required by requirements.in:1); the index has versions 1.0 to 1.1 (2 versions)"
    )


def test_dependency_without_a_matching_version_names_its_parent(run: Resolve) -> None:
    report = run({"a": {"1.0": {"requires": ["b>=9"]}}, "b": {"1.0": {}}}, "a\n")
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "not_found"
    assert diagnosis["constraints"][0]["parent"] == "a==1.0"
    assert diagnosis["constraints"][0]["path"] == ["requirements.in:1", "a==1.0"]


def test_no_wheel_for_the_target_is_no_compatible_distribution(run: Resolve) -> None:
    universe = {"numpy": {"2.0": {"wheel_tags": ["cp312-cp312-manylinux_2_28_x86_64", "cp312-cp312-win_amd64"]}}}
    report = run(universe, "numpy\n")
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "no_compatible_distribution"
    assert "Python 3.11 (manylinux_2_28_x86_64)" in diagnosis["message"]
    assert "no wheel for the target" in diagnosis["message"]


def test_the_same_wheel_fits_another_target(run: Resolve) -> None:
    universe = {"numpy": {"2.0": {"wheel_tags": ["cp312-cp312-manylinux_2_28_x86_64", "cp312-cp312-win_amd64"]}}}
    report = run(universe, "numpy\n", python="3.12", platform="win_amd64")
    assert report["pins"] == {"numpy": "2.0"}
    assert report["distributions"]["numpy"]["filename"] == "numpy-2.0-cp312-cp312-win_amd64.whl"


def test_requires_python_for_every_version_is_no_compatible_distribution(run: Resolve) -> None:
    report = run({"a": {"2.0": {"requires_python": ">=3.12"}}}, "a\n", python="3.8")
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "no_compatible_distribution"
    assert "requires Python >=3.12" in diagnosis["message"]


def test_dynamic_sdist_metadata_is_reported_not_guessed(run: Resolve) -> None:
    report = run({"a": {"1.0": {"wheel_tags": [], "sdist": True, "sdist_dynamic": True}}}, "a\n")
    assert report["status"] == "error"
    [diagnosis] = report["diagnoses"]
    assert (diagnosis["kind"], diagnosis["package"], diagnosis["versions"]) == ("metadata_unavailable", "a", ["1.0"])
    assert "resolves only if a 1.0 needs nothing that clashes" in diagnosis["message"]


def test_unreadable_newer_version_is_set_aside_with_a_warning_as_pip_discards_it(run: Resolve) -> None:
    universe = {"a": {"1.0": {}, "2.0": {"wheel_tags": [], "sdist": True, "sdist_dynamic": True}}}
    report = run(universe, "a\n")
    assert (report["status"], report["pins"]) == ("resolved", {"a": "1.0"})
    [warning] = report["diagnoses"]
    assert (warning["kind"], warning["severity"], warning["version"]) == ("metadata_unavailable", "warning", "2.0")


def test_round_limit_is_a_reported_outcome(run: Resolve) -> None:
    universe = {"a": {"1.0": {"requires": ["b"]}}, "b": {"1.0": {"requires": ["c"]}}, "c": {"1.0": {}}}
    report = run(universe, "a\n", limits=Limits(max_rounds=2))
    assert report["status"] == "error"
    assert report["diagnoses"][0]["kind"] == "limit"


def test_bad_input_reports_every_bad_line(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}}, "a\nb>=>1\n-e git+https://example.invalid/x.git#egg=x\n")
    assert report["status"] == "error"
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "bad_input"
    assert [e["line"] for e in diagnosis["errors"]] == [2, 3]


def test_report_has_the_v1_keys(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}}, "a\n")
    assert set(report) >= {"schema_version", "status", "input", "pins", "conflicts", "diagnoses", "graph", "stats"}
    assert report["schema_version"] == 1
    assert set(report["stats"]) == {"duration_ms", "requests", "cache_hits", "rounds", "backtracks"}
    assert report["input"]["index"] == "test-index"
    assert report["input"]["requirements"][0]["name"] == "a"


def test_a_culprit_with_an_unreadable_older_version_cannot_be_told(run: Resolve) -> None:
    universe = {
        "django": {"1.11.29": {}, "3.2.25": {}},
        "cms-app": {
            "1.0": {"wheel_tags": [], "sdist": True, "sdist_dynamic": True},
            "2.0": {"requires": ["django>=3.2"]},
        },
    }
    report = run(universe, "django==1.11.29\ncms-app\n")
    assert report["status"] == "error"
    assert report["conflicts"][0]["message"] == "Could not find a version that matches django==1.11.29,>=3.2"
    [uncertain] = [d for d in report["diagnoses"] if d["kind"] == "metadata_unavailable"]
    assert "severity" not in uncertain and (uncertain["package"], uncertain["versions"]) == ("cms-app", ["1.0"])
    assert "resolves only if cms-app 1.0 needs nothing that clashes" in uncertain["message"]
    assert report["conflicts"][0]["certain"] is False


def test_a_failure_through_a_package_with_extras_is_explained(run: Resolve) -> None:
    universe = {
        "celery": {"5.3": {"requires": ["kombu>=5.3", 'redis; extra == "redis"'], "extras": ["redis"]}},
        "kombu": {"4.6": {}, "5.3": {}},
        "redis": {"5.0": {}},
    }
    report = run(universe, "celery[redis]>=5.3\nkombu<5\n")
    assert report["status"] == "conflict"
    assert report["conflicts"][0]["message"] == "Could not find a version that matches kombu<5,>=5.3"
    assert report["conflicts"][0]["constraints"][1]["path"] == ["requirements.in:1", "celery==5.3"]
