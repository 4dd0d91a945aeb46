"""Serve a packse scenario on loopback and ask our engine, or pip, what it resolves to.

Both answers are reduced to a `Verdict` so they compare with each other and with packse's
expectation. Each scenario gets its own server (its own port) and its own path prefix, so no two
scenarios share a URL, while the engine's on-disk cache is shared by all of them: scenarios reuse
the same project names (`a`, `b`) with different contents, which is what a cache that answered by
name rather than by what the server says would get wrong.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from resolver.engine import resolve
from resolver.index.cache import Cache
from resolver.index.client import IndexClient
from resolver.limits import Limits
from tests.conformance.scenarios import Scenario
from tests.support.server import serve_index
from tests.support.universe import build_index


@dataclass(frozen=True)
class Verdict:
    resolved: bool
    pins: dict[str, str] = field(default_factory=dict)
    detail: str = ""  # why not, for messages

    def matches(self, satisfiable: bool, packages: dict[str, str]) -> bool:
        """Same answer; and the same pins where the expectation states them."""
        if self.resolved != satisfiable:
            return False
        return not (satisfiable and packages) or self.pins == packages


@contextmanager
def served(scenario: Scenario, root: Path) -> Iterator[str]:
    """The scenario's index at `http://127.0.0.1:<own port>/<scenario>/simple/`."""
    (root / scenario.name / "simple").mkdir(parents=True, exist_ok=True)  # a scenario may have no packages
    build_index(root / scenario.name, scenario.universe)
    with serve_index(root) as server:
        yield f"{server.url}/{scenario.name}/simple/"


def engine_verdict(scenario: Scenario, url: str, cache: Cache) -> Verdict:
    client = IndexClient([url], cache=cache)
    try:
        report = resolve(
            {"requirements.in": scenario.requirements_text},
            index=client,
            target=scenario.target,
            index_name=url,
            pre=scenario.pre,
            limits=Limits(max_seconds=60),
            analyse=False,
        )
    finally:
        client.close()
    if report["status"] == "resolved":
        return Verdict(True, dict(report["pins"]))
    messages = [d["message"] for d in report["diagnoses"]] + [c.get("message", "") for c in report["conflicts"]]
    return Verdict(False, detail=f"{report['status']}: " + "; ".join(m for m in messages if m)[:600])


def pip_verdict(scenario: Scenario, url: str, workdir: Path) -> Verdict:
    """pip's answer for the scenario's target, wheels only (pip would build sdists; we never run builds).

    `--isolated` and an empty config keep this machine's pip configuration (extra indexes,
    constraints, find-links) out of the answer.
    """
    requirements = workdir / f"{scenario.name}.in"
    requirements.write_text(scenario.requirements_text)
    report = workdir / f"{scenario.name}.json"
    target = scenario.target
    command = [
        sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--ignore-installed",
        "--no-cache-dir", "--disable-pip-version-check", "--quiet", "--report", str(report),
        "--index-url", url, "--only-binary=:all:", "--python-version", target.python_version,
        "--implementation", "cp", "-r", str(requirements),
    ]  # fmt: skip
    # Every platform tag the target accepts, as a pip running there would: `--platform
    # manylinux_2_28_x86_64` alone would refuse a manylinux_2_17 wheel.
    for platform in dict.fromkeys(tag.platform for tag in target.tags if tag.platform != "any"):
        command += ["--platform", platform]
    if scenario.pre:
        command.append("--pre")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")} | {"PIP_CONFIG_FILE": os.devnull}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=environ)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
        return Verdict(False, detail=" ".join(lines)[:600] or done.stderr[-600:])
    install = json.loads(report.read_text())["install"]
    return Verdict(True, {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in install})
