"""packse's resolver scenarios, read as data from its pinned sdist, turned into our test universes.

packse (the public collection of resolver scenarios) ships its TOML scenarios only in the sdist,
and needs Python 3.12, so it is not installed: `make packse` downloads the sdist pinned with its
hash in `tests/conformance/packse.txt`, and this module reads the TOML members straight from the
tarball. Nothing of packse is run or built.

A scenario becomes a `tests.support.universe` universe with packse's defaults made explicit: every
version has an sdist and a `py3-none-any` wheel unless it says otherwise, and a `Requires-Python`
of `>=3.12` unless it gives one. `resolver_options` that are installer switches (`no_binary`,
`no_build`) are applied to the served files, which is what those switches amount to for a
resolver that never builds. What only uv's universal lock uses (the root's `requires_python`,
`additional_python`, `required_environments`) is left out: pip and we resolve for one target.
"""

from __future__ import annotations

import os
import re
import tarfile
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from resolver.environment import Target
from tests.support.universe import Universe

REPO = Path(__file__).resolve().parents[2]
PIN_FILE = Path(__file__).with_name("packse.txt")
DEFAULT_PLATFORM = "manylinux_2_28_x86_64"  # packse's expectations assume the Linux x86_64 hosts of its CI
PACKSE_DEFAULTS = {"requires_python": ">=3.12", "sdist": True, "wheel": True}
# uv's `--python-platform` triples, in the spelling of a wheel platform tag.
PLATFORMS = {"x86_64-manylinux2014": "manylinux_2_17_x86_64"}


class ScenarioError(ValueError):
    """A scenario this loader cannot express; the message names the scenario and the field."""


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str  # inside the sdist, for messages
    requirements: list[str]
    universe: Universe
    target: Target
    pre: bool
    satisfiable: bool
    packages: dict[str, str]  # expected pins; empty when the scenario does not state them
    universal: bool = False  # written for uv's all-environments lock; we resolve for one target
    explanation: str = ""

    @property
    def requirements_text(self) -> str:
        return "".join(line + "\n" for line in self.requirements)


def pinned_version() -> str:
    match = re.search(r"^packse==(\S+)", PIN_FILE.read_text(), re.MULTILINE)
    if not match:
        raise ScenarioError(f"{PIN_FILE.name}: no `packse==VERSION` line")
    return match[1]


def sdist_path() -> Path:
    """`PACKSE_SDIST` if set, else where `make packse` puts the pinned sdist."""
    given = os.environ.get("PACKSE_SDIST")
    return Path(given) if given else REPO / ".cache" / "packse" / f"packse-{pinned_version()}.tar.gz"


@cache
def load_all(path: Path | None = None) -> list[Scenario]:
    """Every TOML scenario of the sdist, sorted by name."""
    path = path or sdist_path()
    found = []
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if member.isfile() and len(parts) > 2 and parts[1] == "scenarios" and member.name.endswith(".toml"):
                stream = archive.extractfile(member)
                assert stream is not None
                relative = "/".join(parts[1:])
                found.append(convert(tomllib.loads(stream.read().decode()), relative))
    return sorted(found, key=lambda scenario: scenario.name)


def convert(data: dict[str, Any], path: str) -> Scenario:
    name = data.get("name")
    if not isinstance(name, str):
        raise ScenarioError(f"{path}: no `name`")
    options = data.get("resolver_options", {})
    environment = data.get("environment", {})
    expected = data.get("expected", {})
    if "satisfiable" not in expected:
        raise ScenarioError(f"{path}: no `expected.satisfiable`")
    python = options.get("python") or environment.get("python") or "3.12"
    platform = options.get("python_platform")
    if platform is not None and platform not in PLATFORMS:
        raise ScenarioError(f"{path}: resolver_options.python_platform {platform!r} has no wheel platform tag here")
    target = Target(python, PLATFORMS.get(platform, DEFAULT_PLATFORM))
    no_binary = {canonicalize_name(n) for n in options.get("no_binary", [])}
    no_build = {canonicalize_name(n) for n in options.get("no_build", [])}
    universe: Universe = {}
    for project, package in data.get("packages", {}).items():
        key = canonicalize_name(project)
        releases = universe.setdefault(key, {})
        for version, given in package.get("versions", {}).items():
            where = f"{path}: packages.{project}.versions.{version}"
            releases[version] = _release({**PACKSE_DEFAULTS, **(given or {})}, where, key in no_binary, key in no_build)
    return Scenario(
        name=name,
        path=path,
        requirements=list(data.get("root", {}).get("requires", [])),
        universe=universe,
        target=target,
        pre=bool(options.get("prereleases")),
        satisfiable=bool(expected["satisfiable"]),
        packages={canonicalize_name(k): v for k, v in expected.get("packages", {}).items()},
        universal=bool(options.get("universal")),
        explanation=str(expected.get("explanation") or ""),
    )


def _release(given: dict[str, Any], where: str, no_binary: bool, no_build: bool) -> dict[str, Any]:
    unknown = set(given) - {"requires", "requires_python", "extras", "sdist", "wheel", "yanked", "wheel_tags"}
    unknown.discard("description")
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    requires = list(given.get("requires", []))
    for extra, lines in given.get("extras", {}).items():
        requires += [_under_extra(line, extra) for line in lines]
    wheel = given["wheel"] and not no_binary
    release: dict[str, Any] = {
        "requires": requires,
        "wheel_tags": (given.get("wheel_tags") or ["py3-none-any"]) if wheel else [],
        "sdist": given["sdist"] and not no_build,
        "extras": list(given.get("extras", {})),
    }
    if given.get("requires_python"):
        release["requires_python"] = given["requires_python"]
    if given.get("yanked"):
        release["yanked"] = True
    return release


def _under_extra(line: str, extra: str) -> str:
    """A requirement of an extra as a Requires-Dist line: its own marker, and `extra == ...`."""
    requirement = Requirement(line)
    marker = f'extra == "{canonicalize_name(extra)}"'
    if requirement.marker is not None:
        marker = f"({requirement.marker}) and {marker}"
    requirement.marker = None
    return f"{requirement} ; {marker}"
