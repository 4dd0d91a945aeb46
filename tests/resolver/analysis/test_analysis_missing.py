"""Lines naming projects the index does not have: one diagnosis each, grouped, and left out of the
analyses that look for lines which cannot coexist (issue 14 item 7).

Before, each missing project took one re-resolution to find, and delta debugging then called
every line of the file part of one conflict: 500 such lines gave "These 500 of your 500 lines
conflict", 121 diagnoses and an analysis budget used up.
"""

from __future__ import annotations

import pytest

from resolver.output.text import render_text
from tests.resolver.conftest import Resolve
from tests.support.universe import CLASSIC

ONE_KIND = pytest.mark.parametrize("indexes", ["json-http"], indirect=True)


def _missing(count: int) -> str:
    return "".join(f"gone-{n}\n" for n in range(count))


@ONE_KIND
def test_many_missing_projects_are_one_diagnosis_each_not_a_conflict(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}, "b": {"1.0": {}}}, "a\n" + _missing(40) + "b\n")
    assert report["status"] == "conflict" and report["conflicts"] == []
    found = [d["package"] for d in report["diagnoses"] if d["kind"] == "not_found"]
    assert sorted(found) == sorted(f"gone-{n}" for n in range(40))  # each once
    gone = next(d for d in report["diagnoses"] if d["package"] == "gone-7")
    assert gone["message"] == "No project named 'gone-7' was found on the index"
    assert gone["constraints"][0]["path"] == ["requirements.in:9"]
    assert "minimal_lines" not in report  # nothing among the other lines fails
    assert report["analysis"]["complete"] is True
    assert report["analysis"]["resolutions"] <= 2
    missing = report["missing_projects"]
    assert missing["count"] == 40 and missing["packages"][:2] == ["gone-0", "gone-1"]
    assert missing["message"] == "40 projects are not on the index: gone-0, gone-1, gone-2 … (and 37 more)"
    assert missing["lines"][0] == {"file": "requirements.in", "line": 2, "text": "gone-0", "package": "gone-0"}


@ONE_KIND
def test_five_hundred_missing_projects_take_a_couple_of_re_resolutions(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}}, _missing(500))
    analysis = report["analysis"]
    assert analysis["complete"] is True and analysis["resolutions"] <= 2  # was 120, the whole budget
    assert analysis["duration_ms"] < 500 * 40  # 0.8 s here; was 41 s on a real index
    assert len(report["diagnoses"]) == 500
    assert report["missing_projects"]["count"] == 500
    text = render_text(report)
    assert text.count("not_found:") == 1  # said once, not 500 times
    assert "not_found: 500 projects are not on the index: gone-0, gone-1, gone-2 … (and 497 more)" in text
    assert "  requirements.in:20: gone-19\n  … and 480 more lines\n" in text


@ONE_KIND
def test_a_conflict_among_missing_projects_is_minimised_and_fixed_without_them(run: Resolve) -> None:
    text = "gone-a\ndjango==1.11.29\ngone-b\nfiller\ndjangocms-blog\ngone-c\n"
    report = run({**CLASSIC, "filler": {"1.0": {}}}, text)
    [conflict] = report["conflicts"]
    assert conflict["package"] == "django"
    minimal = report["minimal_lines"]
    assert [line["text"] for line in minimal["lines"]] == ["django==1.11.29", "djangocms-blog"]
    assert minimal["message"] == (
        "These 2 of your 6 lines conflict (leaving out the 3 lines naming projects not on the index)"
    )
    assert minimal["complete"] is True
    assert conflict["fix_status"] == "found"
    assert any(fix["kind"] == "drop_line" for fix in conflict["fixes"])
    assert report["missing_projects"]["packages"] == ["gone-a", "gone-b", "gone-c"]
    assert report["analysis"]["complete"] is True


@ONE_KIND
def test_one_missing_project_keeps_its_own_paragraph(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}}, "a\nnothere\n")
    assert "minimal_lines" not in report  # was "This 1 of your 2 lines fails on its own"
    assert report["missing_projects"]["message"] == "1 project is not on the index: nothere"
    text = render_text(report)
    assert "not_found: No project named 'nothere' was found on the index" in text
