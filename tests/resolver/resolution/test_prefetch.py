"""Fetching ahead: what a cold resolution reads is what the resolver uses, read concurrently."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from tests.support.server import serve_index
from tests.support.universe import build_index

TREE = {
    "app": {"1.0": {"requires": ["web>=2", "db"]}, "0.9": {"requires": ["web"]}},
    "web": {"1.0": {}, "2.0": {"requires": ["tmpl", "http"]}, "2.1": {"requires": ["tmpl", "http"]}},
    "db": {"1.0": {"requires": ["drv"]}, "1.1": {"requires": ["drv"]}},
    "tmpl": {"3.0": {}},
    "http": {"1.0": {"requires": ["idna"]}},
    "idna": {"3.0": {}, "3.1": {}},
    "drv": {"5.0": {}},
    "other": {"1.0": {"requires": ["deep"]}},
    "deep": {"1.0": {}},
}


def resolve_over_http(tmp_path: Path, universe: dict, text: str, latency: float = 0.0):  # type: ignore[no-untyped-def]
    root = tmp_path / "index"
    build_index(root, universe, formats=("json",))
    with serve_index(root, latency=latency) as server:
        client = IndexClient([server.simple_url])
        try:
            # Without the explanations' re-resolutions: the requests counted are the resolution's own.
            report = resolve(
                {"requirements.in": text}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"), analyse=False
            )
        finally:
            client.close()
    return report, {path for path, count in server.requests.items() for _ in range(count)}, server


def test_a_cold_resolution_reads_each_page_once_and_only_the_metadata_it_pins(tmp_path: Path) -> None:
    report, paths, server = resolve_over_http(tmp_path, TREE, "app\n", latency=0.02)
    assert report["status"] == "resolved"
    assert report["pins"] == {
        "app": "1.0",
        "db": "1.1",
        "drv": "5.0",
        "http": "1.0",
        "idna": "3.1",
        "tmpl": "3.0",
        "web": "2.1",
    }
    assert max(server.requests.values()) == 1
    pages = {p.strip("/").split("/")[-1] for p in paths if p.startswith("/simple/")}
    assert pages == set(report["pins"])  # never `other` nor `deep`, which nothing asks for
    metadata = {p.rsplit("/", 1)[-1] for p in paths if p.endswith(".metadata")}
    assert metadata == {f"{n}-{v}-py3-none-any.whl.metadata" for n, v in report["pins"].items()}
    assert report["stats"]["requests"] == server.total_requests() == 2 * len(report["pins"])


@pytest.mark.parametrize("latency", [0.0, 0.05])  # with none, the prefetch runs ahead of resolvelib
def test_dependencies_of_a_candidate_that_clashes_at_once_are_not_fetched(tmp_path: Path, latency: float) -> None:
    universe = {
        "django": {"4.2": {}, "5.0": {}},
        "cms": {"2.0": {"requires": ["django<5", "heavy", "big"]}},
        "heavy": {"1.0": {"requires": ["heavier"]}},
        "heavier": {"1.0": {}},
        "big": {"1.0": {}},
    }
    report, paths, _ = resolve_over_http(tmp_path, universe, "django>=5\ncms\n", latency=latency)
    assert report["status"] == "conflict"
    pages = {p.strip("/").split("/")[-1] for p in paths if p.startswith("/simple/")}
    assert pages == {"django", "cms"}


class _Index:
    """Just enough of IndexClient: pages from dicts, prefetches recorded instead of run."""

    def __init__(self, pages: dict[str, list[str]]) -> None:
        self.pages = pages
        self.submitted: list[tuple[object, ...]] = []

    def project_view(self, name, view, key):  # type: ignore[no-untyped-def]
        files = [{"filename": f, "url": f"https://f.example/{f}", "hashes": {}} for f in self.pages.get(name, [])]
        return view({"files": files}, name, "https://i.example/simple/") if name in self.pages else None

    def submit(self, call, *arguments):  # type: ignore[no-untyped-def]
        self.submitted.append(arguments)

    def prefetch_metadata(self, files):  # type: ignore[no-untyped-def]
        list(files)


def test_input_lines_are_known_requirements_before_the_first_round() -> None:
    from packaging.specifiers import SpecifierSet

    from resolver.input.reqfile import Origin
    from resolver.resolution.provider import Provider
    from resolver.resolution.requirements import Req

    index = _Index({"django": ["django-4.2-py3-none-any.whl", "django-5.0-py3-none-any.whl"]})
    provider = Provider(index, Target("3.11", "manylinux_2_28_x86_64"))  # type: ignore[arg-type]
    provider.prefetch([Req("django", SpecifierSet(">=5"), origin=Origin("requirements.in", 1))])
    provider.version_files("django")
    assert provider._clashes_with_pins([Req("django", SpecifierSet("<5"))])  # before any find_matches
    assert not provider._clashes_with_pins([Req("django", SpecifierSet("<6"))])
    assert [args[0].name for args in index.submitted] == ["django"]
