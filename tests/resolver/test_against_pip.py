"""Differential test: our engine and pip's resolver must agree on what resolves.

Random small dependency universes are written as real indexes; pip (`install --dry-run --report`)
and our engine resolve the same input against the same index. They must agree on resolvable or
not, and every set of pins we return must satisfy every requirement in it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from tests.support.universe import Universe, build_index

NAMES = ["xq-alpha", "xq-beta", "xq-gamma", "xq-delta"]
VERSIONS = ["1.0", "1.1", "2.0", "3.0"]
SPECIFIERS = ["", ">=1.1", "<2", "==1.0", ">=2.0", "!=1.1", "~=1.0", ">1.0,<3"]

pytestmark = pytest.mark.slow


@st.composite
def universes(draw: st.DrawFn) -> tuple[Universe, list[str]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=4, unique=True))
    universe: Universe = {}
    for name in names:
        versions = draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=3, unique=True))
        universe[name] = {}
        for version in versions:
            others = [n for n in names if n != name]
            deps = draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
            requires = [dep + draw(st.sampled_from(SPECIFIERS)) for dep in deps]
            universe[name][version] = {"requires": requires}
    roots = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    lines = [root + draw(st.sampled_from(SPECIFIERS)) for root in roots]
    return universe, lines


def pip_resolves(
    index_url: str, requirements: Path, workdir: Path, extra: tuple[str, ...] = ()
) -> tuple[bool, dict[str, str], str]:
    report = workdir / "pip-report.json"
    command = [
        sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--ignore-installed",
        "--no-cache-dir", "--disable-pip-version-check", "--quiet", "--report", str(report),
        "--index-url", index_url, "-r", str(requirements), *extra,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return False, {}, done.stderr
    data = json.loads(report.read_text())
    pins = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in data["install"]}
    return True, pins, ""


def assert_pins_satisfy_everything(universe: Universe, lines: list[str], pins: dict[str, str]) -> None:
    needed = [Requirement(line) for line in lines]
    for name, version in pins.items():
        needed += [Requirement(text) for text in universe[name][version].get("requires", [])]
    for requirement in needed:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not pinned"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} breaks {requirement}"
        )


def compare(universe: Universe, lines: list[str], pip_extra: tuple[str, ...] = ()) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        simple = build_index(root / "index", universe, formats=("html",))
        index_url = simple.as_uri() + "/"
        requirements = root / "requirements.in"
        requirements.write_text("\n".join(lines) + "\n")
        client = IndexClient([index_url])
        try:
            ours = resolve(
                {"requirements.in": requirements.read_text()},
                index=client,
                target=Target("3.11", "manylinux_2_28_x86_64"),
            )
        finally:
            client.close()
        pip_ok, pip_pins, pip_error = pip_resolves(index_url, requirements, root, pip_extra)
    assert ours["status"] in ("resolved", "conflict"), ours["diagnoses"]
    assert (ours["status"] == "resolved") == pip_ok, (
        f"pip {'resolved' if pip_ok else 'failed'}; we said {ours['status']}\n"
        f"universe={universe}\nlines={lines}\npip: {pip_pins or pip_error[-2000:]}\n"
        f"ours: {ours['pins'] or ours['conflicts'] or ours['diagnoses']}"
    )
    if pip_ok:
        assert_pins_satisfy_everything(universe, lines, ours["pins"])
    return {**ours, "pip_pins": pip_pins}


def test_classic_conflict_is_unresolvable_for_pip_too() -> None:
    universe = {"xq-alpha": {"1.0": {}, "3.0": {}}, "xq-beta": {"1.0": {"requires": ["xq-alpha>=2.0"]}}}
    report = compare(universe, ["xq-alpha==1.0", "xq-beta"])
    assert report["status"] == "conflict"


def test_backtracking_case_resolves_for_both() -> None:
    universe = {
        "xq-alpha": {"1.0": {"requires": ["xq-beta<2"]}, "2.0": {"requires": ["xq-beta>=3.0"]}},
        "xq-beta": {"1.0": {}, "2.0": {}},
    }
    report = compare(universe, ["xq-alpha", "xq-beta<2.5"])
    assert report["pins"] == {"xq-alpha": "1.0", "xq-beta": "1.0"}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(universes())
def test_agrees_with_pip_on_random_universes(case: tuple[Universe, list[str]]) -> None:
    universe, lines = case
    compare(universe, lines)


@pytest.mark.parametrize(
    "layout",
    [{"sdist_static": "egg-info"}, {"sdist_static": "setup.py", "sdist_format": "zip"}, {"sdist_static": "pyproject"}],
    ids=["egg-info", "setup.py-zip", "pyproject"],
)
def test_sdist_only_projects_resolve_as_pip_builds_them(layout: dict[str, str]) -> None:
    """Only sdists, whose dependencies we read from their files and pip gets by building them (its
    own business: the reference may run the code, in its build environment, here without isolation
    as the loopback index has no setuptools)."""
    sdist = {"wheel_tags": [], "sdist": True, **layout}
    universe: Universe = {
        "xq-alpha": {
            "1.0": {**sdist, "requires": ["xq-beta<2", 'xq-gamma; extra == "fast"'], "extras": ["fast"]},
            "2.0": {**sdist, "requires": ["xq-beta>=3.0"]},
        },
        "xq-beta": {"1.0": sdist, "2.0": sdist},
        "xq-gamma": {"1.0": {**sdist, "requires": ["xq-beta"]}},
    }
    report = compare(universe, ["xq-alpha[fast]", "xq-beta<2.5"], pip_extra=("--no-build-isolation",))
    assert report["pins"] == report["pip_pins"] == {"xq-alpha": "1.0", "xq-beta": "1.0", "xq-gamma": "1.0"}
    assert {dist["metadata_source"] for dist in report["distributions"].values()} == {layout["sdist_static"]}


def test_a_version_with_invalid_metadata_is_ignored_by_both() -> None:
    """pip (24.1 on) ignores a version whose wheel declares an invalid Requires-Dist, and does not
    try its sdist (which would need a build here, and is valid): so do we."""
    invalid = {"requires": ["xq-beta (>dev)"], "sdist": True, "sdist_requires": ["xq-beta"]}
    universe: Universe = {"xq-alpha": {"1.0": {"requires": ["xq-beta"]}, "2.0": invalid}, "xq-beta": {"1.0": {}}}
    report = compare(universe, ["xq-alpha"])
    assert report["pins"] == report["pip_pins"] == {"xq-alpha": "1.0", "xq-beta": "1.0"}
    report = compare(universe, ["xq-alpha==2.0"])
    assert [d["kind"] for d in report["diagnoses"] if d.get("severity") != "warning"] == ["invalid_metadata"]
