"""A page classified for a target is stored beside the page and read back by the next run.

Real resolutions (resolvelib against a loopback index) share a cache directory, as two
`manage.py resolve` runs do; `classify_page` is counted to tell a view read back from one sorted
again. It must be sorted again whenever the page, the target or the formats differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.index.diskcache import DirectoryCache
from resolver.index.limits import IndexLimits
from resolver.input.formats import FormatControl
from resolver.output.report import Report
from resolver.resolution import views
from tests.support.server import serve_index
from tests.support.universe import Universe, build_index

FAST = IndexLimits(backoff=(0.0,))
TARGET = Target("3.11", "manylinux_2_28_x86_64")
UNIVERSE: Universe = {
    "demo": {
        "1.0": {"requires": ["dep"], "sdist": True},
        "1.1": {"requires": ["dep"], "wheel_tags": ["cp39-cp39-manylinux_2_17_x86_64", "py3-none-any"]},
        "2.0": {"requires_python": ">=3.12"},
    },
    "dep": {"1.0": {}, "1.1": {"yanked": "broken"}},
    "old": {"1.0": {"wheel_tags": ["cp27-cp27mu-manylinux1_x86_64"]}, "2.0": {"requires_python": ">=3.13"}},
}


@pytest.fixture
def classified(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the pages `classify_page` sorted, in order."""
    calls: list[str] = []
    original = views.classify_page

    def counted(page, name, *rest, **options):  # type: ignore[no-untyped-def]
        calls.append(name)
        return original(page, name, *rest, **options)

    monkeypatch.setattr(views, "classify_page", counted)
    return calls


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_index(tmp_path / "index", UNIVERSE, formats=("json",))
    return tmp_path / "index"


def run(url: str, cache: DirectoryCache, text: str = "demo\n", **options: object) -> Report:
    client = IndexClient([url], cache=cache, limits=FAST)
    try:
        return resolve({"requirements.in": text}, index=client, **{"target": TARGET, **options})  # type: ignore[arg-type]
    finally:
        client.close()


def test_a_warm_run_sorts_no_page_and_resolves_alike(tmp_path, root, classified):
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(root, page_headers={"Cache-Control": "max-age=600"}) as server:
        cold = run(server.simple_url, cache)
        assert sorted(classified) == ["demo", "dep"]
        classified.clear()
        warm = run(server.simple_url, cache)
    assert classified == []
    assert warm["pins"] == cold["pins"] == {"demo": "1.1", "dep": "1.0"}
    assert warm["status"] == "resolved"


def test_a_revalidated_page_keeps_its_view_and_a_changed_one_is_sorted_again(tmp_path, root, classified):
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(root, page_headers={"Cache-Control": "no-cache"}) as server:
        run(server.simple_url, cache)
        classified.clear()
        unchanged = run(server.simple_url, cache)
        assert (classified, server.statuses[304]) == ([], 2)
        build_index(
            tmp_path / "upload", {"demo": {**UNIVERSE["demo"], "1.2": {"requires": ["dep"]}}}, formats=("json",)
        )
        for built in (tmp_path / "upload" / "files").iterdir():
            (root / "files" / built.name).write_bytes(built.read_bytes())
        (root / "simple" / "demo" / "index.json").write_bytes(
            (tmp_path / "upload" / "simple" / "demo" / "index.json").read_bytes()
        )
        changed = run(server.simple_url, cache)
    assert (unchanged["pins"]["demo"], changed["pins"]["demo"]) == ("1.1", "1.2")
    assert classified == ["demo"]  # dep's page answered 304: its view was read back


@pytest.mark.parametrize(
    "options",
    [
        {"target": Target("3.12", "manylinux_2_28_x86_64")},
        {"target": Target("3.11", "macosx_11_0_arm64")},
        {"formats": FormatControl().add("--only-binary", ":all:")},
        {"formats": FormatControl().add("--no-binary", "demo")},
    ],
    ids=["python", "platform", "only-binary", "no-binary"],
)
def test_another_target_or_formats_sort_the_pages_again(tmp_path, root, classified, options):
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(root, page_headers={"Cache-Control": "max-age=600"}) as server:
        run(server.simple_url, cache)
        classified.clear()
        other = run(server.simple_url, cache, **options)
        sorted_again = sorted(classified)
        classified.clear()
        expected = run(server.simple_url, DirectoryCache(tmp_path / "fresh"), **options)
    assert "demo" in sorted_again and sorted_again == sorted(classified)  # as many as with an empty cache
    assert (other["status"], other["pins"], other["diagnoses"]) == (
        expected["status"],
        expected["pins"],
        expected["diagnoses"],
    )


def test_the_reasons_of_a_view_read_back_are_those_of_the_page(tmp_path, root, classified):
    """A failure explained on a warm run names the same reasons, worked out from the stored page."""
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(root, page_headers={"Cache-Control": "max-age=600"}) as server:
        cold = run(server.simple_url, cache, "old\n", analyse=False)
        classified.clear()
        warm = run(server.simple_url, cache, "old\n", analyse=False)
    assert cold["status"] == warm["status"] == "conflict"
    assert warm["diagnoses"] == cold["diagnoses"]
    assert "cp27" in str(cold["diagnoses"]) and "requires Python >=3.13" in str(cold["diagnoses"])
    assert classified == ["old"]  # only to explain: the view itself was read back


def test_a_damaged_view_is_sorted_again(tmp_path, root, classified):
    cache = DirectoryCache(tmp_path / "cache")
    with serve_index(root, page_headers={"Cache-Control": "max-age=600"}) as server:
        cold = run(server.simple_url, cache)
        for entry in (tmp_path / "cache").rglob("*"):
            if entry.is_file() and b'{"versions":' in entry.read_bytes():
                entry.write_bytes(entry.read_bytes().replace(b'{"versions":', b'{"versions":7,"x":'))
        classified.clear()
        warm = run(server.simple_url, cache)
    assert sorted(classified) == ["demo", "dep"]
    assert warm["pins"] == cold["pins"]
