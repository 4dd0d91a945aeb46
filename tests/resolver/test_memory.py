"""What a command-line run holds in memory: nothing it does not use.

Peak memory is compared with pip's by the benchmark (`python -m bench`), not here; these tests pin
down the causes it found, each of which a later import or reference would quietly bring back:
modules imported but never used on the way, and resolvelib's search state kept alive while a
failure is explained (which imports networkx on top of it).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from resolvelib.resolvers.resolution import Resolution

from resolver.analysis import explain
from tests.resolver.conftest import Resolve

REPO = Path(__file__).resolve().parents[2]


def imported_by(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_engine_imports_the_analyses_only_when_a_failure_is_analysed() -> None:
    imported = imported_by("import resolver.engine")
    parts = {"analyses", "combined", "edits", "fixes", "matrix", "minimal", "ranking"}
    assert not {f"resolver.analysis.{part}" for part in parts} & imported
    assert "difflib" not in imported


def test_what_the_engine_runs_annotates_with_the_report_s_shapes_without_building_them() -> None:
    # resolver.engine itself imports the shapes until it takes SCHEMA_VERSION from outcome too.
    imported = imported_by(
        "import resolver.analysis.analyser, resolver.analysis.budget, resolver.analysis.explain\n"
        "import resolver.analysis.gaps, resolver.analysis.verdicts, resolver.resolution.urllines\n"
        "from resolver.output.outcome import SCHEMA_VERSION, exit_code"
    )
    assert "resolver.output.report" not in imported
    assert "typing_extensions" not in imported


def test_the_report_still_names_its_version_and_exit_codes() -> None:
    from resolver.output import outcome, report

    assert (report.SCHEMA_VERSION, report.exit_code) == (outcome.SCHEMA_VERSION, outcome.exit_code)


def test_reading_metadata_does_not_import_the_email_policies() -> None:
    imported = imported_by(
        "from packaging.utils import NormalizedName\n"
        "from packaging.version import Version\n"
        "from resolver.index.coremeta import read_headers\n"
        "from resolver.index.dists import DistFile\n"
        "file = DistFile('a-1.0-py3-none-any.whl', 'https://x/a.whl', NormalizedName('a'), Version('1.0'), 'wheel')\n"
        "read_headers(b'Metadata-Version: 2.1\\nName: a\\nVersion: 1.0\\nRequires-Dist: b\\n', file)"
    )
    assert "email.parser" in imported
    assert "email.policy" not in imported  # it brings the header registry, for policies we do not use


def test_reading_sdists_imports_configparser_only_for_a_setup_cfg() -> None:
    assert "configparser" not in imported_by("import resolver.index.sdist")


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_the_search_state_is_let_go_before_the_failure_is_explained(
    run_with: Resolve, monkeypatch: pytest.MonkeyPatch
) -> None:
    searches: list[weakref.ref[Resolution]] = []
    alive: list[int] = []
    started, explained = Resolution.__init__, explain.Explainer.explain

    def starting(self: Resolution, *args: Any, **kwargs: Any) -> None:
        searches.append(weakref.ref(self))
        started(self, *args, **kwargs)

    def explaining(self: explain.Explainer, causes: list[Any]) -> Any:
        gc.collect()
        alive.append(sum(search() is not None for search in searches))
        return explained(self, causes)

    monkeypatch.setattr(Resolution, "__init__", starting)
    monkeypatch.setattr(explain.Explainer, "explain", explaining)
    universe = {"a": {"1.0": {"requires": ["c<1"]}}, "b": {"1.0": {"requires": ["c>=2"]}}, "c": {"0.5": {}, "2.0": {}}}
    report = run_with(universe, "a\nb\n", analyse=False)
    assert report["status"] == "conflict"
    assert searches and alive == [0]
