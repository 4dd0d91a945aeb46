"""The target a requirements file is resolved for: a Python version and a platform.

Everything is derived from the target, never from the interpreter running the engine: the marker
environment (PEP 508) and the ordered list of wheel tags a target installer would accept.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property

from packaging import tags
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag  # the class body's own `tags` hides the module in annotations
from packaging.version import Version

from resolver.errors import TargetError

ANY_PLATFORM = "any"
PYTHON_VERSIONS = [f"3.{minor}" for minor in range(6, 15)]
EXAMPLE_PLATFORMS = [
    "manylinux_2_28_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux_2_28_aarch64",
    "musllinux_1_2_x86_64",
    "macosx_11_0_arm64",
    "macosx_10_15_x86_64",
    "win_amd64",
    ANY_PLATFORM,
]

_LINUX = re.compile(r"(?P<libc>manylinux|musllinux)_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>\w+)")
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MACOS = re.compile(r"macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>\w+)")
_WINDOWS = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}


@dataclass(frozen=True)
class Target:
    """A target Python `X.Y` (or `X.Y.Z`) and platform tag (`manylinux_2_28_x86_64`, `any`, ...).

    `X.Y` is taken as `X.Y.0` when checking Requires-Python, as pip's `--python-version` does.
    The platform `any` accepts only platform-independent wheels and sdists, and evaluates
    platform markers as Linux on x86_64, where most deployments run.
    """

    python_version: str = "3.11"
    platform: str = "manylinux_2_28_x86_64"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"3\.\d{1,2}(\.\d{1,2})?", self.python_version):
            raise TargetError(
                f"Python version {self.python_version!r} is not of the form 3.X or 3.X.Y "
                f"(for example {', '.join(PYTHON_VERSIONS[-4:])})",
                field="python_version",
            )
        if self.platform != ANY_PLATFORM and not self._platform_tags():
            raise TargetError(
                f"platform {self.platform!r} is not a wheel platform tag; use one such as "
                f"{', '.join(EXAMPLE_PLATFORMS)}",
                field="platform",
            )

    @property
    def version_info(self) -> tuple[int, int, int]:
        parts = [int(p) for p in self.python_version.split(".")]
        return (parts[0], parts[1], parts[2] if len(parts) > 2 else 0)

    @cached_property
    def python_full_version(self) -> Version:
        return Version(".".join(str(p) for p in self.version_info))

    def accepts_python(self, requires_python: str | None) -> bool:
        """Whether a Requires-Python specifier admits the target; an unparsable one is ignored.

        pip ignores a malformed `data-requires-python` too (it warns); rejecting would hide files.
        """
        if not requires_python:
            return True
        return _admits(requires_python, self.python_full_version)

    def _platform_tags(self) -> list[str]:
        if self.platform == ANY_PLATFORM:
            return []
        if match := _LINUX.fullmatch(self.platform):
            major, minor, arch = int(match["major"]), int(match["minor"]), match["arch"]
            libc = match["libc"]
            found = [f"{libc}_{major}_{m}_{arch}" for m in range(minor, -1 if libc == "musllinux" else 4, -1)]
            if libc == "manylinux":
                found += [
                    f"{legacy}_{arch}"
                    for legacy, (lmaj, lmin) in _LEGACY_MANYLINUX.items()
                    if (lmaj, lmin) <= (major, minor)
                ]
            return [*found, f"linux_{arch}"]
        for legacy in _LEGACY_MANYLINUX:
            if self.platform.startswith(legacy + "_"):
                lmaj, lmin = _LEGACY_MANYLINUX[legacy]
                arch = self.platform[len(legacy) + 1 :]
                return Target(self.python_version, f"manylinux_{lmaj}_{lmin}_{arch}")._platform_tags()
        if match := _MACOS.fullmatch(self.platform):
            version = (int(match["major"]), int(match["minor"]))
            return list(tags.mac_platforms(version, match["arch"]))
        if self.platform in _WINDOWS:
            return [self.platform]
        return []

    @cached_property
    def tags(self) -> list[tags.Tag]:
        """Compatible wheel tags, most preferred first (as `packaging.tags.sys_tags` orders them)."""
        major, minor, _ = self.version_info
        platforms = self._platform_tags()
        abi = f"cp{major}{minor}" + ("m" if (major, minor) < (3, 8) else "")
        found: list[tags.Tag] = []
        if platforms:
            found += tags.cpython_tags((major, minor), abis=[abi], platforms=platforms)
        found += tags.compatible_tags((major, minor), f"cp{major}{minor}", platforms or ["any"])
        if not platforms:
            found = [tag for tag in found if tag.platform == "any"]
        seen: dict[tags.Tag, None] = dict.fromkeys(found)
        return list(seen)

    @cached_property
    def tag_priority(self) -> dict[Tag, int]:
        return {tag: rank for rank, tag in enumerate(self.tags)}

    @cached_property
    def markers(self) -> dict[str, str]:
        """The PEP 508 marker environment of the target."""
        major, minor, _ = self.version_info
        system, sys_platform, os_name, machine = "Linux", "linux", "posix", "x86_64"
        if match := (_LINUX.fullmatch(self.platform) or _legacy_linux(self.platform)):
            machine = match if isinstance(match, str) else match["arch"]
        elif match := _MACOS.fullmatch(self.platform):
            system, sys_platform, machine = "Darwin", "darwin", match["arch"]
            machine = "arm64" if machine in {"arm64", "universal2"} else "x86_64"
        elif self.platform in _WINDOWS:
            system, sys_platform, os_name, machine = "Windows", "win32", "nt", _WINDOWS[self.platform]
        full = str(self.python_full_version)
        return {
            "implementation_name": "cpython",
            "implementation_version": full,
            "os_name": os_name,
            "platform_machine": machine,
            "platform_release": "",
            "platform_system": system,
            "platform_version": "",
            "python_full_version": full,
            "platform_python_implementation": "CPython",
            "python_version": f"{major}.{minor}",
            "sys_platform": sys_platform,
        }

    def to_dict(self) -> dict[str, str]:
        return {"python_version": self.python_version, "platform": self.platform}


@functools.lru_cache(maxsize=4096)
def _admits(requires_python: str, version: Version) -> bool:
    """Memoised: a project page repeats a handful of Requires-Python strings over all its files."""
    try:
        return SpecifierSet(requires_python).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True


def _legacy_linux(platform: str) -> str | None:
    for legacy in _LEGACY_MANYLINUX:
        if platform.startswith(legacy + "_"):
            return platform[len(legacy) + 1 :]
    return None
