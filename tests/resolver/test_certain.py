"""Certain conflicts, unknown metadata and URL lines: what is proven, what rests on an assumption.

A version whose dependencies cannot be read is tried as if it had none: more dependencies could
only add constraints, so an input that fails anyway fails for certain, and "cannot tell" is left
for an input that resolves only thanks to that assumption.
"""

from __future__ import annotations

import pytest

from tests.resolver.conftest import Resolve

UNREADABLE = {"wheel_tags": [], "sdist": True, "sdist_dynamic": True}

CELERY = {
    "celery": {
        "4.4.7": {"requires": ['redis>=3.2; extra == "redis"'], "extras": ["redis"]},
        "5.1.0": {"requires": ['redis>=3.2; extra == "redis"'], "extras": ["redis"]},
    },
    "redis": {"3.5.3": {}},
    "easydict": {"1.10": UNREADABLE},
}


def _problems(report: dict) -> list[dict]:
    return [d for d in report["diagnoses"] if d.get("severity") != "warning"]


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_a_specifier_clash_beside_an_unreadable_sdist_is_a_certain_conflict(run: Resolve) -> None:
    report = run(CELERY, "easydict==1.10\ncelery<5.0,>=4.4\ncelery[redis]==5.1.0\n")
    assert report["status"] == "conflict"
    [conflict] = report["conflicts"]
    assert conflict["package"] == "celery" and conflict["certain"] is True
    assert sorted(c["source"]["line"] for c in conflict["constraints"]) == [2, 3]
    assert "easydict" not in {d["package"] for d in _problems(report)}
    assert "easydict" not in report["minimal_lines"]["message"] + str(report["minimal_lines"]["lines"])


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_two_pins_of_one_package_are_a_certain_conflict(run: Resolve) -> None:
    universe = {"pillow": {"9.3.0": {}, "10.0.0": {}}, "psycopg2": {"2.9.5": UNREADABLE}}
    report = run(universe, "psycopg2==2.9.5\nPillow==9.3.0\nPillow==10.0.0\n")
    assert report["status"] == "conflict"
    [conflict] = report["conflicts"]
    assert (conflict["package"], conflict["certain"]) == ("pillow", True)
    assert [c["source"]["line"] for c in conflict["constraints"]] == [2, 3]
    assert _problems(report) == []
    assert [line["text"] for line in report["minimal_lines"]["lines"]] == ["Pillow==9.3.0", "Pillow==10.0.0"]


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_plain_conflict_is_certain(run: Resolve) -> None:
    universe = {"django": {"1.11.29": {}, "3.2.25": {}}, "app": {"1.0": {"requires": ["django>=3.2"]}}}
    report = run(universe, "django==1.11.29\napp\n")
    assert report["status"] == "conflict" and report["conflicts"][0]["certain"] is True


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_an_input_resolving_only_thanks_to_an_unknown_version_cannot_be_told(run: Resolve) -> None:
    universe = {
        "django": {"1.11.29": {}, "3.2.25": {}},
        "cms-app": {"1.0": UNREADABLE, "1.5": UNREADABLE, "2.0": {"requires": ["django>=3.2"]}},
        "other": {"0.9": UNREADABLE, "1.0": {}},
    }
    report = run(universe, "django==1.11.29\ncms-app\nother\n")
    assert report["status"] == "error"
    [uncertain] = _problems(report)
    assert (uncertain["kind"], uncertain["package"], uncertain["versions"]) == (
        "metadata_unavailable",
        "cms-app",
        ["1.5"],
    )
    assert uncertain["constraints"][0]["source"] == {"file": "requirements.in", "line": 2}
    assert [c["certain"] for c in report["conflicts"]] == [False]


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_conflict_that_no_unknown_version_could_settle_is_certain(run: Resolve) -> None:
    # cms-app 1.0 is unreadable, but even with no dependencies at all it cannot help: the user
    # pinned cms-app 2.0, whose requirement clashes with their django pin.
    universe = {
        "django": {"1.11.29": {}, "3.2.25": {}},
        "cms-app": {"1.0": UNREADABLE, "2.0": {"requires": ["django>=3.2"]}},
    }
    report = run(universe, "django==1.11.29\ncms-app>=1.0\ncms-app!=1.0\n")
    assert report["status"] == "conflict" and report["conflicts"][0]["certain"] is True
    assert _problems(report) == []


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_an_aldryn_url_line_is_that_archive_and_never_looked_up(indexes, tmp_path) -> None:
    from resolver.engine import resolve
    from resolver.environment import Target
    from resolver.output.report import requirements_txt, requirements_urls

    client = indexes.client({"django": {"4.2.16": {}, "5.0": {}}})
    url = "https://archives.example.invalid/aldryn-django.zip#egg=aldryn-django==4.2.16.1"
    text = f"{url}\ndjango<5\n"
    report = resolve({"requirements.in": text}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"))
    assert report["status"] == "resolved"
    assert report["pins"] == {"aldryn-django": "4.2.16.1", "django": "4.2.16"}
    assert not any("aldryn" in path for path in indexes.server.requests), "the index was asked for the URL's name"
    [warning] = [d for d in report["diagnoses"] if d["kind"] == "url_dependencies_unknown"]
    assert warning["severity"] == "warning" and warning["constraints"][0]["source"]["line"] == 1
    assert url in requirements_urls(report).splitlines()
    assert url in requirements_txt(report).splitlines()


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_url_line_clashing_with_a_pin_is_a_certain_conflict(run: Resolve) -> None:
    text = "name @ https://archives.example.invalid/name-1.2.0.zip\nname>=2\n"
    report = run({"django": {"4.2.16": {}}}, text)
    assert report["status"] == "conflict"
    [conflict] = report["conflicts"]
    assert (conflict["package"], conflict["certain"]) == ("name", True)
    assert sorted(c["source"]["line"] for c in conflict["constraints"]) == [1, 2]


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_no_compatible_distribution_names_the_wheels_that_exist(run: Resolve) -> None:
    tags = ["cp38-cp38-manylinux2014_x86_64", "cp310-cp310-win_amd64"]
    report = run({"a": {"1.0": {"wheel_tags": tags}}}, "a\n")
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "no_compatible_distribution"
    assert "wheels exist for cp38, cp310 on manylinux2014_x86_64, win_amd64; none for cp311" in diagnosis["message"]
    assert diagnosis["constraints"][0]["source"] == {"file": "requirements.in", "line": 1}


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_match_that_is_only_yanked_quotes_the_reason(run: Resolve) -> None:
    report = run({"a": {"1.0": {"yanked": "broken wheel, use 1.1"}}}, "a>=1\n")
    [diagnosis] = report["diagnoses"]
    assert "yanked: 'broken wheel, use 1.1'" in diagnosis["message"]
