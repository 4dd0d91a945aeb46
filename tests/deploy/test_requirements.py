"""The pinned requirements: complete for what production imports, and free of any machine's paths
or index host (they are compiled on a developer's machine and installed everywhere)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.deployment import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==\S+$", re.MULTILINE)


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_compiled_files_name_no_host_and_no_local_path(name: str) -> None:
    text = (ROOT / name).read_text()
    options = [line for line in text.splitlines() if line.startswith("-")]
    assert options == [], "no --index-url, --find-links or other option line"
    assert "://" not in text, "no URL"
    # An absolute path anywhere (a wheel built from a local folder, pip's "via -r /some/dir/…").
    assert re.search(r"(^|[\s(=])/[A-Za-z0-9_.-]+/", text, re.MULTILINE) is None


def test_every_production_dependency_is_pinned() -> None:
    pinned = {name.lower().replace("_", "-") for name in PIN.findall((ROOT / "requirements.txt").read_text())}
    production = {"django", "celery", "kombu", "psycopg", "psycopg-binary", "redis", "gunicorn", "whitenoise"}
    assert production <= pinned
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower().replace("_", "-")
            assert name in pinned, line


def declared(name: str) -> list[str]:
    """The distributions a requirements .in file names, one entry per line that names one."""
    lines = (line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines())
    return [canonicalize_name(Requirement(line).name) for line in lines if line and not line.startswith("-")]


def third_party_imports(package: str) -> dict[str, str]:
    """Each top-level module the package imports (outside `if TYPE_CHECKING:`), with one importer."""
    first_party = {"resolver", "conflicts", "config"}
    found: dict[str, str] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text())
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in first_party:
                    found.setdefault(top, str(Path(path).relative_to(ROOT)))
    return found


def test_nothing_is_declared_twice() -> None:
    for name in ("requirements.in", "requirements-dev.in"):
        names = declared(name)
        assert sorted({n for n in names if names.count(n) > 1}) == [], name


@pytest.mark.parametrize("package", ["resolver", "conflicts", "config"])
def test_every_import_of_the_app_is_a_declared_dependency(package: str) -> None:
    """What the code imports is declared itself, not left to arrive with something else."""
    distributions = importlib.metadata.packages_distributions()
    wanted = set(declared("requirements.in"))
    missing = {
        module: importer
        for module, importer in third_party_imports(package).items()
        if not wanted & {canonicalize_name(d) for d in distributions.get(module, [module])}
    }
    assert missing == {}
