"""The target environment: wheel tags and markers come from the target, not the running Python."""

from __future__ import annotations

import pytest
from packaging.tags import Tag

from resolver.environment import Target
from resolver.errors import TargetError


def test_manylinux_target_accepts_older_glibc_and_legacy_tags() -> None:
    tags = Target("3.11", "manylinux_2_28_x86_64").tags
    assert tags[0] == Tag("cp311", "cp311", "manylinux_2_28_x86_64")
    assert Tag("cp311", "cp311", "manylinux2014_x86_64") in tags
    assert Tag("cp311", "abi3", "manylinux_2_17_x86_64") in tags
    assert Tag("py3", "none", "any") in tags
    assert Tag("cp311", "cp311", "manylinux_2_31_x86_64") not in tags
    assert Tag("cp312", "cp312", "manylinux_2_28_x86_64") not in tags


def test_old_python_targets_use_the_m_abi() -> None:
    assert Target("3.7", "win_amd64").tags[0] == Tag("cp37", "cp37m", "win_amd64")


def test_any_platform_takes_only_pure_wheels() -> None:
    tags = Target("3.11", "any").tags
    assert all(tag.platform == "any" for tag in tags)
    assert Tag("py3", "none", "any") in tags


@pytest.mark.parametrize(
    ("platform", "sys_platform", "machine"),
    [
        ("manylinux_2_28_aarch64", "linux", "aarch64"),
        ("manylinux2014_x86_64", "linux", "x86_64"),
        ("macosx_11_0_arm64", "darwin", "arm64"),
        ("win_amd64", "win32", "AMD64"),
        ("any", "linux", "x86_64"),
    ],
)
def test_markers_describe_the_target_platform(platform: str, sys_platform: str, machine: str) -> None:
    markers = Target("3.9", platform).markers
    assert (markers["sys_platform"], markers["platform_machine"]) == (sys_platform, machine)
    assert (markers["python_version"], markers["python_full_version"]) == ("3.9", "3.9.0")


def test_python_version_x_y_is_taken_as_x_y_0_for_requires_python() -> None:
    target = Target("3.11", "any")
    assert target.accepts_python(">=3.11")
    assert not target.accepts_python(">=3.11.2")
    assert Target("3.11.4", "any").accepts_python(">=3.11.2")


def test_malformed_requires_python_is_ignored_as_pip_does() -> None:
    assert Target("3.11", "any").accepts_python(">=3.6.*")


@pytest.mark.parametrize(
    ("python", "platform", "field"), [("3", "any", "python_version"), ("3.11", "linux", "platform")]
)
def test_bad_target_names_the_field(python: str, platform: str, field: str) -> None:
    with pytest.raises(TargetError) as raised:
        Target(python, platform)
    assert raised.value.field == field
