"""packse's resolver scenarios through the real engine, on a real loopback index, cache on.

Each scenario is served at its own port and path and resolved with one on-disk cache shared by the
whole module; the verdict (resolves or not, and the pins where the scenario states them) must be
packse's, except where we deliberately follow pip (FOLLOW_PIP: pip's verdict, recorded in
pip_verdicts.json by make_pip_verdicts.py, is expected instead). Every scenario on which pip and
packse disagree must be accounted for in FOLLOW_PIP or PIP_WOULD_BUILD, so a new packse release
cannot slip a disagreement in unexamined. Needs the sdist `make packse` downloads.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from resolver.index.diskcache import DirectoryCache
from tests.conformance.harness import Verdict, engine_verdict, served
from tests.conformance.scenarios import Scenario, load_all, pinned_version, sdist_path
from tests.support.server import serve_index
from tests.support.universe import build_index

PIP_VERDICTS = Path(__file__).with_name("pip_verdicts.json")

_UNIVERSAL = "a uv universal-lock scenario, its verdict is for every environment at once; pip resolves for one"
_PRE = "pip takes a pre-release when no final release meets the specifier; uv (packse) asks for an opt-in"
FOLLOW_PIP = {
    "conflict-in-fork": _UNIVERSAL,
    "fork-non-local-fork-marker-direct": _UNIVERSAL,
    "fork-non-local-fork-marker-transitive": _UNIVERSAL,
    "preferences-dependent-forking-conflicting": _UNIVERSAL,
    "specific-architecture": _UNIVERSAL + " (and b has no wheel for the Linux target, only cp313 ones)",
    "package-only-prereleases-in-range": _PRE,
    "transitive-package-only-prereleases-in-range": _PRE,
    "transitive-prerelease-and-stable-dependency": _PRE + ", also for a transitive `==` pre-release pin",
    "transitive-prerelease-and-stable-dependency-many-versions": _PRE + " (transitive)",
    "transitive-prerelease-and-stable-dependency-many-versions-holes": _PRE + " (transitive)",
    "transitive-yanked-and-unyanked-dependency": "pip takes a yanked file for an `==` pin, transitive too (PEP 592)",
    "python-less-than-current": "pip honours a Requires-Python upper bound (<=3.8 on 3.9); uv ignores upper bounds",
}
# pip was run with wheels only (building means running package code); where a version has only an
# sdist, pip would build it and agree with packse, and we read its static PKG-INFO and agree too.
PIP_WOULD_BUILD = {
    "incompatible-python-compatible-override-available-no-wheels",
    "incompatible-python-compatible-override-no-compatible-wheels",
    "incompatible-python-compatible-override-other-wheel",
    "incompatible-python-compatible-override-unavailable-no-wheels",
    "no-binary",
    "no-wheels",
    "no-wheels-with-matching-platform",
    "requires-python-wheels",
}
# Scenarios our engine gets wrong while pip gets them right: xfail(strict), so a fix flips them.
ENGINE_BUGS: dict[str, str] = {}


def _scenarios() -> list[Scenario]:
    return load_all() if sdist_path().exists() else []


def _pip() -> dict:
    return json.loads(PIP_VERDICTS.read_text())


def _params() -> list:
    params = []
    for scenario in _scenarios():
        marks = []
        if scenario.name in ENGINE_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason="engine bug: " + ENGINE_BUGS[scenario.name]))
        params.append(pytest.param(scenario, id=scenario.name, marks=marks))
    return params or [pytest.param(None, id="no-packse-sdist")]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> DirectoryCache:
    return DirectoryCache(tmp_path_factory.mktemp("conformance-cache"))


def _expected(scenario: Scenario) -> tuple[bool, dict[str, str]]:
    if scenario.name in FOLLOW_PIP:
        pip = _pip()["scenarios"][scenario.name]
        return pip["resolved"], pip["pins"]
    return scenario.satisfiable, scenario.packages


def _shown(verdict: Verdict) -> str:
    return f"resolved {verdict.pins}" if verdict.resolved else f"fails ({verdict.detail})"


@pytest.mark.parametrize("scenario", _params())
def test_scenario(scenario: Scenario | None, shared_cache: DirectoryCache, tmp_path: Path) -> None:
    if scenario is None:
        pytest.fail(f"no packse sdist at {sdist_path().name}: run `make packse` (or set PACKSE_SDIST)")
    with served(scenario, tmp_path) as url:
        verdict = engine_verdict(scenario, url, shared_cache)
    satisfiable, packages = _expected(scenario)
    assert verdict.matches(satisfiable, packages), (
        f"{scenario.path}: expected {'resolved ' + str(packages) if satisfiable else 'no resolution'}, "
        f"engine {_shown(verdict)}"
    )


def test_every_disagreement_with_pip_is_accounted_for() -> None:
    pip = _pip()
    assert pip["packse"] == pinned_version(), "pip_verdicts.json is for another packse: run make pip-verdicts"
    scenarios = _scenarios()
    assert scenarios, "no packse sdist: run `make packse`"
    assert set(pip["scenarios"]) == {s.name for s in scenarios}
    differ = set()
    for scenario in scenarios:
        answer = Verdict(pip["scenarios"][scenario.name]["resolved"], pip["scenarios"][scenario.name]["pins"])
        if not answer.matches(scenario.satisfiable, scenario.packages):
            differ.add(scenario.name)
    assert differ - set(FOLLOW_PIP) - PIP_WOULD_BUILD == set(), "pip and packse disagree: decide whom we follow"
    assert (set(FOLLOW_PIP) | PIP_WOULD_BUILD) - differ == set(), "listed, but pip and packse now agree"
    assert not set(ENGINE_BUGS) & differ, "an engine bug must be one where pip agrees with packse"


def test_scenarios_one_after_another_at_one_url(tmp_path: Path) -> None:
    """The same URL serving one scenario after another, one disk cache: the answers must not change.

    Scenarios reuse project names with other contents, as an index does when releases are
    uploaded; an HTTP cache must notice (the server's validators change with each page).
    """
    scenarios = _scenarios()
    assert scenarios, "no packse sdist: run `make packse`"
    cache = DirectoryCache(tmp_path / "cache")
    root = tmp_path / "index"
    wrong = []
    with serve_index(root) as server:
        for scenario in scenarios:
            shutil.rmtree(root, ignore_errors=True)
            (root / "simple").mkdir(parents=True)
            build_index(root, scenario.universe)
            verdict = engine_verdict(scenario, server.simple_url, cache)
            if not verdict.matches(*_expected(scenario)):
                wrong.append(scenario.name)
    assert wrong == [], f"{len(wrong)} of {len(scenarios)} scenarios answered wrongly from a stale cache: {wrong}"
