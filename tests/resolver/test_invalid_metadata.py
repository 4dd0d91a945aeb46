"""Versions whose metadata is invalid are ignored, as pip (24.1 on) ignores them.

Old celery wheels declare `Requires-Dist: pytz (>dev)`, which is no PEP 508 requirement. pip says
"Ignoring version X since it has invalid metadata" and never tries another file of that version;
so such a version is neither unknown (it needs no build to tell) nor free of dependencies.
"""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from resolver.errors import InvalidMetadata, MetadataUnavailable
from resolver.index import sdist
from resolver.index.cache import MemoryCache
from resolver.index.client import IndexClient
from resolver.index.dists import DistFile
from tests.resolver.conftest import IndexFactory, Resolve

INVALID_LINE = "pytz (>dev)"

# 2.0's wheel is invalid; its sdist is fine, but pip does not fall back to it (nor do we).
APP = {
    "app": {
        "1.0": {"requires": ["dep"]},
        "2.0": {"requires": [INVALID_LINE], "sdist": True, "sdist_requires": ["dep"]},
    },
    "dep": {"1.0": {}},
    "pytz": {"2024.1": {}},
}


SDIST = DistFile("app-2.0.tar.gz", "https://x/app-2.0.tar.gz", "app", Version("2.0"), "sdist")  # type: ignore[arg-type]

OLD_PKG_INFO = "Metadata-Version: 1.2\nName: app\nVersion: 2.0\n"  # settles nothing (before PEP 643)


def _warnings(report: dict, kind: str) -> list[dict]:
    return [d for d in report["diagnoses"] if d["kind"] == kind and d.get("severity") == "warning"]


@pytest.mark.parametrize("indexes", ["json-http", "html-file"], indirect=True)
def test_a_version_with_invalid_metadata_is_skipped_with_a_warning(run: Resolve) -> None:
    report = run(APP, "app\n")
    assert report["status"] == "resolved"
    assert report["pins"] == {"app": "1.0", "dep": "1.0"}
    [warning] = _warnings(report, "invalid_metadata")
    assert (warning["package"], warning["versions"]) == ("app", ["2.0"])
    assert "ignored as pip does" in warning["message"] and INVALID_LINE in warning["message"]
    assert _warnings(report, "metadata_unavailable") == []


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_pinning_a_version_with_invalid_metadata_is_a_certain_no_match(run: Resolve) -> None:
    report = run(APP, "app==2.0\n")
    assert report["status"] == "conflict"
    problems = [d for d in report["diagnoses"] if d.get("severity") != "warning"]
    [problem] = problems
    assert (problem["kind"], problem["package"]) == ("invalid_metadata", "app")
    assert "app==2.0" in problem["message"] and "ignored for invalid metadata" in problem["message"]
    assert INVALID_LINE in problem["message"]
    assert [w["versions"] for w in _warnings(report, "invalid_metadata")] == [["2.0"]]
    assert all(c["certain"] for c in report["conflicts"])


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_an_invalid_version_is_not_assumed_dependency_free_when_another_is_unknown(run: Resolve) -> None:
    """The optimistic pass (for the unknown `other`) must not take app 2.0 as dependency-free."""
    universe = {**APP, "other": {"1.0": {"wheel_tags": [], "sdist": True, "sdist_dynamic": True}}}
    report = run(universe, "app==2.0\nother\n")
    assert report["status"] == "conflict"
    assert "app" in {d["package"] for d in report["diagnoses"] if d["kind"] == "invalid_metadata"}


@pytest.mark.parametrize("indexes", ["json-http"], indirect=True)
def test_invalid_metadata_is_typed_and_survives_the_cache(indexes: IndexFactory) -> None:
    client = indexes.client(APP)
    project = client.project("app")
    assert project is not None
    [wheel] = [f for f in project.files if f.version == Version("2.0") and f.kind == "wheel"]
    with pytest.raises(InvalidMetadata) as first:
        client.metadata(wheel)
    assert first.value.code == "invalid-metadata"
    for cache in (client.cache, MemoryCache()):
        if cache is not client.cache:  # what an older reader stored: "unavailable", no kind
            old = {"unavailable": first.value.message.split(": ", 1)[1], "reader": 2}
            cache.set(f"meta:sha256:{wheel.sha256}", json.dumps(old).encode(), None)
        again = IndexClient(client.index_urls, cache=cache)
        try:
            with pytest.raises(InvalidMetadata) as second:
                again.metadata(wheel)
        finally:
            again.close()
        assert second.value.message == first.value.message


@pytest.mark.parametrize(
    "files",
    [
        {"PKG-INFO": OLD_PKG_INFO, "app.egg-info/requires.txt": "pytz (>dev)\n"},
        {"PKG-INFO": OLD_PKG_INFO, "setup.py": "setup(install_requires=['x >=> 1'])"},
    ],
    ids=["egg-info", "setup.py"],
)
def test_an_invalid_line_in_a_static_sdist_declaration_is_invalid_metadata(files: dict[str, str]) -> None:
    file = SDIST
    with pytest.raises(InvalidMetadata, match="invalid requirement"):
        sdist.from_files({path: text.encode() for path, text in files.items()}, file)


def test_a_dynamic_sdist_stays_merely_unavailable() -> None:
    file = SDIST
    with pytest.raises(MetadataUnavailable) as caught:
        sdist.from_files({"PKG-INFO": OLD_PKG_INFO.encode()}, file)
    assert not isinstance(caught.value, InvalidMetadata)


@pytest.mark.parametrize("indexes", ["json-file"], indirect=True)
def test_a_conflict_marks_the_versions_ignored_for_invalid_metadata(run: Resolve) -> None:
    universe = {**APP, "app": {**APP["app"], "3.0": {}}, "lib": {"1.0": {"requires": ["app==1.0"]}}}
    report = run(universe, "app>=2.0\nlib\n")
    [conflict] = report["conflicts"]
    assert conflict["certain"] is True
    flagged = {v["version"]: v.get("invalid_metadata", False) for v in conflict["versions"]}
    assert flagged == {"3.0": False, "2.0": True, "1.0": False}
