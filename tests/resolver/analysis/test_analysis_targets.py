"""Several targets at once: a pass/fail matrix with the reason per cell."""

from __future__ import annotations

import pytest

from resolver.analysis.targets import parse_target, resolve_targets
from resolver.environment import Target
from resolver.errors import TargetError
from tests.resolver.conftest import IndexFactory

# b exists only for Python 3.10 and newer; c only as a Windows wheel for a Windows-only marker.
UNIVERSE = {
    "a": {"1.0": {"requires": ["b"]}},
    "b": {"1.0": {"requires_python": ">=3.10"}},
    "c": {"1.0": {"wheel_tags": ["cp312-cp312-win_amd64"]}},
    "d": {"1.0": {"requires": ['c; sys_platform == "win32"']}},
}


@pytest.mark.parametrize("indexes", ["json-file", "html-http"], indirect=True)
def test_python_3_8_fails_on_requires_python_and_3_12_passes(indexes: IndexFactory) -> None:
    client = indexes.client(UNIVERSE)
    targets = [parse_target("3.8/manylinux_2_28_x86_64"), parse_target("3.12/win_amd64"), parse_target("3.12")]
    result = resolve_targets({"requirements.in": "a\nd\n"}, index=client, targets=targets)
    old, windows, linux = result["cells"]
    assert (old["python_version"], old["platform"], old["status"]) == ("3.8", "manylinux_2_28_x86_64", "conflict")
    assert old["conflicts"] == ["b"]
    assert old["summary"] == (
        "b only version 1.0 exist but none can be installed on Python 3.8 (manylinux_2_28_x86_64): "
        "requires Python >=3.10"
    )
    assert old["pins"] == 0
    assert windows == {
        "python_version": "3.12",
        "platform": "win_amd64",
        "status": "resolved",
        "summary": "resolved, 4 packages",
        "conflicts": [],
        "pins": 4,
    }
    assert (linux["platform"], linux["status"], linux["pins"]) == ("manylinux_2_28_x86_64", "resolved", 3)


def test_targets_are_read_as_python_slash_platform() -> None:
    assert parse_target("3.8/win_amd64") == Target("3.8", "win_amd64")
    assert parse_target("3.12", default_platform="macosx_11_0_arm64") == Target("3.12", "macosx_11_0_arm64")
    with pytest.raises(TargetError, match="platform 'windows' is not a wheel platform tag"):
        parse_target("3.12/windows")
    with pytest.raises(TargetError, match="give PYTHON/PLATFORM"):
        parse_target("/win_amd64")


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_package_only_a_newer_python_can_install_gets_a_proven_target_fix(run: object) -> None:
    report = run(UNIVERSE, "a\nd\n", python="3.8")  # type: ignore[operator]
    [diagnosis] = report["diagnoses"]
    assert (diagnosis["kind"], diagnosis["package"]) == ("no_compatible_distribution", "b")
    assert diagnosis["fix_status"] == "found"
    by_kind = {fix["kind"]: fix for fix in diagnosis["fixes"]}
    assert by_kind["python_version"]["title"] == "Target Python 3.10 instead of 3.8"
    assert by_kind["python_version"]["pins"] == {"a": "1.0", "b": "1.0", "d": "1.0"}
    assert by_kind["drop_line"]["title"] == "Drop a (requirements.in:1)"
    assert by_kind["drop_line"]["pins"] == {"d": "1.0"}
