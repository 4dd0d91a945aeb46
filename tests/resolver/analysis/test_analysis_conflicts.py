"""Every independent conflict and the minimal lines, on indexes where the answer is known by construction.

Each universe holds two (or one) clashes planted among packages that resolve on their own, so the
right answer (which packages clash, which lines are needed) is known before resolving.
"""

from __future__ import annotations

import pytest

from resolver.analysis.analyses import Analyser
from resolver.analysis.budget import AnalysisLimits
from resolver.analysis.minimal import ddmin
from resolver.engine import resolve
from resolver.environment import Target
from resolver.errors import IndexAccessError
from tests.resolver.conftest import IndexFactory, Resolve
from tests.support.universe import CLASSIC

# Two clashes that share nothing: django (pinned by the user, >2.0 asked by blog) and c (a wants
# c<1, b wants c>=2), plus packages that resolve on their own.
TWO = {
    "django": {"1.11.29": {}, "2.2.28": {}, "3.2.25": {}},
    "djangocms-blog": {"1.1.0": {"requires": ["django>2.0"]}, "1.2.0": {"requires": ["django>2.0"]}},
    "a": {"1.0": {"requires": ["c<1"]}},
    "b": {"1.0": {"requires": ["c>=2"]}},
    "c": {"0.5": {}, "2.0": {}},
    **{f"filler{n}": {"1.0": {}} for n in range(6)},
    "deep": {"1.0": {"requires": ["filler0", "filler1"]}},
}
TWO_INPUT = "filler2\ndjango==1.11.29\nfiller3\na\ndeep\nb\nfiller4\ndjangocms-blog\nfiller5\n"

INDEX_KINDS = pytest.mark.parametrize("indexes", ["json-file", "html-http"], indirect=True)


@INDEX_KINDS
def test_both_independent_conflicts_are_reported(run: Resolve) -> None:
    report = run(TWO, TWO_INPUT)
    assert report["status"] == "conflict"
    by_package = {c["package"]: c for c in report["conflicts"]}
    assert set(by_package) == {"django", "c"}
    assert by_package["c"]["message"] == "Could not find a version that matches c<1,>=2"
    assert by_package["django"]["message"] == "Could not find a version that matches django==1.11.29,>2.0"
    first, second = report["conflicts"]
    assert "set_aside" not in first  # the plain resolution's own conflict
    assert second["set_aside"] == [first["package"]]  # found with the first one set aside
    nodes = {node["id"]: node for node in report["graph"]["nodes"]}
    assert nodes["django"].get("conflict") and nodes["c"].get("conflict")
    assert report["analysis"]["complete"] is True


@INDEX_KINDS
def test_the_minimal_lines_are_the_two_that_clash(run: Resolve) -> None:
    report = run(
        {k: v for k, v in TWO.items() if k not in ("a", "b")} | {"a": {"1.0": {}}, "b": {"1.0": {}}}, TWO_INPUT
    )
    minimal = report["minimal_lines"]
    assert [(line["line"], line["text"]) for line in minimal["lines"]] == [
        (2, "django==1.11.29"),
        (8, "djangocms-blog"),
    ]
    assert minimal["total"] == 9
    assert minimal["message"] == "These 2 of your 9 lines conflict"
    assert minimal["complete"] is True
    assert 1 <= minimal["resolutions"] <= 10


def test_minimal_lines_found_by_ddmin_when_the_conflict_runs_through_a_chain(run: Resolve) -> None:
    # The clash is between the user's x==1 and a requirement three levels under "top".
    universe = {
        "x": {"1.0": {}, "2.0": {}},
        "top": {"1.0": {"requires": ["mid"]}},
        "mid": {"1.0": {"requires": ["low"]}},
        "low": {"1.0": {"requires": ["x>=2"]}},
        **{f"f{n}": {"1.0": {}} for n in range(10)},
    }
    lines = [f"f{n}" for n in range(10)]
    lines.insert(3, "x==1.0")
    lines.insert(8, "top")
    report = run(universe, "\n".join(lines) + "\n")
    assert [line["text"] for line in report["minimal_lines"]["lines"]] == ["x==1.0", "top"]
    assert report["minimal_lines"]["message"] == "These 2 of your 12 lines conflict"


def test_one_line_that_fails_alone(run: Resolve) -> None:
    report = run({"a": {"1.0": {}}, "b": {"1.0": {}}}, "a\nb>=2\n")
    assert [line["text"] for line in report["minimal_lines"]["lines"]] == ["b>=2"]
    assert report["minimal_lines"]["message"] == "This 1 of your 2 lines fails on its own"


def test_ddmin_finds_a_one_minimal_subset() -> None:
    calls = []

    def fails(subset: list[int]) -> bool:
        calls.append(subset)
        return {3, 11, 17} <= set(subset)

    assert ddmin(list(range(20)), fails) == [3, 11, 17]
    assert len(calls) < 60


def test_the_budget_stops_the_analyses_and_says_so(run_with: Resolve) -> None:
    report = run_with(TWO, TWO_INPUT, analysis_limits=AnalysisLimits(max_resolutions=2))
    assert report["analysis"]["complete"] is False
    assert report["analysis"]["resolutions"] == 2
    assert report["analysis"]["stopped"] == "the budget of 2 re-resolutions was used up"
    assert report["minimal_lines"]["complete"] is False
    assert "stopped early" in report["minimal_lines"]["message"]
    assert {c["fix_status"] for c in report["conflicts"]} == {"skipped"}


def test_without_analysis_the_report_is_the_plain_v1_one(run_with: Resolve) -> None:
    report = run_with(TWO, TWO_INPUT, analyse=False)
    assert len(report["conflicts"]) == 1  # only the plain resolution's
    assert "minimal_lines" not in report and "analysis" not in report
    assert all("fixes" not in c and "matrix" not in c for c in report["conflicts"])
    assert report["index_read_at"].endswith("Z")
    assert report["input"]["exclude_newer"] is None


class FailingLater:
    """An index client that fails every project page once `failing` is set (as a flaky index does)."""

    def __init__(self, client: object) -> None:
        self.client, self.failing = client, False

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)

    def _check(self) -> None:
        if self.failing:
            raise IndexAccessError("the index answered 503", url="http://index.test/simple/")

    def project(self, name: str) -> object:
        self._check()
        return self.client.project(name)  # type: ignore[attr-defined]

    def project_view(self, name: str, *args: object) -> object:  # for a provider that reads a view of a page
        self._check()
        return self.client.project_view(name, *args)  # type: ignore[attr-defined]


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_an_index_failing_during_the_analyses_stops_them_and_says_so(
    indexes: IndexFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = FailingLater(indexes.client(CLASSIC))
    analyses = Analyser.run

    def failing_from_now_on(analyser: Analyser) -> None:
        client.failing = True  # the resolution itself is over: the analyses meet a failing index
        analyses(analyser)

    monkeypatch.setattr(Analyser, "run", failing_from_now_on)
    report = resolve({"requirements.in": "django==1.11.29\ndjangocms-blog\n"}, index=client, target=Target("3.11"))  # type: ignore[arg-type]
    assert report["status"] == "conflict" and report["conflicts"][0]["package"] == "django"
    assert report["analysis"]["complete"] is False
    assert report["analysis"]["stopped"] == "the index could not be read: the index answered 503"
    assert report["conflicts"][0]["fix_status"] == "skipped"


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_the_analyses_keep_reporting_progress(run_with: Resolve) -> None:
    seen: list[dict[str, object]] = []
    report = run_with(CLASSIC, "django==1.11.29\ndjangocms-blog\n", on_progress=seen.append)
    rounds = report["stats"]["rounds"]
    beats = [progress for progress in seen if progress["rounds"] == rounds]
    assert len(beats) > report["analysis"]["resolutions"]  # one before each re-resolution, at least
    assert {"rounds", "packages", "requests", "phase", "analysis_seconds", "analysis_max_seconds"} <= set(seen[-1])


def test_minimal_lines_say_the_constraints_were_kept(run: Resolve) -> None:
    files = {"requirements.in": "-c constraints.txt\nfiller0\ndjangocms-blog\n", "constraints.txt": "django<2\n"}
    report = run(TWO, files=files)
    assert report["minimal_lines"]["message"] == "This 1 of your 2 lines fails on its own (with your -c constraints)"
    assert [line["text"] for line in report["minimal_lines"]["lines"]] == ["djangocms-blog"]


def test_a_re_resolution_stopped_by_its_own_limit_proves_nothing(run_with: Resolve) -> None:
    # Every re-resolution gets no time at all: none may count as "resolves" or "fails".
    report = run_with(CLASSIC, "django==1.11.29\ndjangocms-blog\n", analysis_limits=AnalysisLimits(max_seconds_each=0))
    analysis = report["analysis"]
    assert analysis["undecided"] == analysis["resolutions"] > 0
    assert analysis["complete"] is False and analysis["stopped"] is None
    assert report["minimal_lines"]["complete"] is False
    [conflict] = report["conflicts"]
    assert conflict["fixes"] == [] and conflict["fix_status"] == "skipped"
    assert conflict["fix_undecided"] > 0


def test_a_missing_project_behind_a_conflict_is_reported_too(run: Resolve) -> None:
    universe = {**CLASSIC, "app": {"1.0": {"requires": ["gone>=1"]}}}
    report = run(universe, "django==1.11.29\ndjangocms-blog\napp\n")
    problems = [c["package"] for c in report["conflicts"]] + [d["package"] for d in report["diagnoses"]]
    assert sorted(problems) == ["django", "gone"]
    later = next(p for p in report["conflicts"] + report["diagnoses"] if "set_aside" in p)
    assert later["set_aside"] == [problems[0]]
