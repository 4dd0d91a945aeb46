"""Fetching ahead: what a cold resolution reads is what the resolver uses, read concurrently."""

from __future__ import annotations

import time
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


def test_a_dependency_whose_page_is_still_on_its_way_is_waited_for_before_its_parent_is_fetched_ahead(
    tmp_path: Path,
) -> None:
    # cms's page and metadata arrive before django's page (a warm cache answers them at once while
    # django's page is still being read): the clash of cms's `django<5` with the input's
    # `django>=5` must still be seen, and cms's own dependencies never read.
    universe = {
        "django": {"4.2": {}, "5.0": {}},
        "cms": {"2.0": {"requires": ["django<5", "heavy", "big"]}},
        "heavy": {"1.0": {"requires": ["heavier"]}},
        "heavier": {"1.0": {}},
        "big": {"1.0": {}},
    }

    def slow_django(path: str) -> None:
        if path.rstrip("/").endswith("/simple/django"):
            time.sleep(0.3)
        return None

    root = tmp_path / "index"
    build_index(root, universe, formats=("json",))
    with serve_index(root, fault=slow_django) as server:
        client = IndexClient([server.simple_url])
        try:
            report = resolve(
                {"requirements.in": "django>=5\ncms\n"},
                index=client,
                target=Target("3.11", "manylinux_2_28_x86_64"),
                analyse=False,
            )
        finally:
            client.close()
    assert report["status"] == "conflict"
    pages = {p.strip("/").split("/")[-1] for p in server.requests if p.startswith("/simple/")}
    assert pages == {"django", "cms"}


def test_nothing_is_fetched_ahead_for_a_resolution_once_it_has_its_answer(tmp_path: Path) -> None:
    # `missing` has no page: the verdict is known after one round trip, while the prefetch of
    # `chain` (whose page comes later) could walk ten levels down. The client stays open (the
    # analyses reuse it).
    universe: dict = {f"c{n}": {"1.0": {"requires": [f"c{n + 1}"]}} for n in range(10)}
    universe["c10"] = {"1.0": {}}
    universe["chain"] = {"1.0": {"requires": ["c0"]}}
    root = tmp_path / "index"
    build_index(root, universe, formats=("json",))

    def slow_chain(path: str) -> None:
        if path == "/simple/chain/":
            time.sleep(0.2)
        return None

    with serve_index(root, latency=0.05, fault=slow_chain) as server:
        client = IndexClient([server.simple_url])
        try:
            report = resolve(
                {"requirements.in": "missing\nchain\n"},
                index=client,
                target=Target("3.11", "manylinux_2_28_x86_64"),
                analyse=False,
            )
            time.sleep(0.6)  # what a prefetch left running would fetch meanwhile
            fetched = set(server.requests)
        finally:
            client.close()
    assert report["status"] == "conflict"
    assert fetched == {"/simple/missing/", "/simple/chain/"}  # that page was on its way; nothing after it


def test_the_more_versions_of_a_package_backtracking_excluded_the_more_are_fetched_at_once() -> None:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName

    from resolver.resolution.prefetch import PREFETCH_CANDIDATES
    from resolver.resolution.provider import Provider
    from resolver.resolution.requirements import Candidate, Req

    versions = [f"1.{n}" for n in range(60)]
    index = _Index({"pkg": [f"pkg-{v}-py3-none-any.whl" for v in versions]})
    provider = Provider(index, Target("3.11", "manylinux_2_28_x86_64"))  # type: ignore[arg-type]
    newest_first = [
        Candidate(NormalizedName("pkg"), v, frozenset(), files)
        for v, files in provider._matching("pkg", SpecifierSet())
    ]
    ahead = []
    for rejected in (0, 1, 3, 10, 30):
        index.submitted.clear()
        provider._fetched_ahead.clear()
        provider.find_matches(
            "pkg", {"pkg": iter([Req(NormalizedName("pkg"))])}, {"pkg": iter(newest_first[:rejected])}
        )
        ahead.append(len(index.submitted))
    least, most = PREFETCH_CANDIDATES
    assert ahead == [1, 1 + least, 1 + 3, 1 + 10, 1 + most]  # the next one, then as many as were excluded


def test_past_a_newest_version_that_clashes_with_a_pin_the_next_ones_are_read_ahead() -> None:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from resolver.index.dists import Metadata
    from resolver.resolution.provider import Provider
    from resolver.resolution.requirements import Candidate, Req

    # toolbar 3 and 2 need a newer django than the pin: resolvelib turns them down and reads 1,
    # whose own dependency is then fetched ahead too; never 0, which it will not reach.
    requires = {"3": ["django>=5"], "2": ["django>=5"], "1": ["django>=4", "sqlparse"], "0": []}
    pages = {"toolbar": [f"toolbar-{v}-py3-none-any.whl" for v in requires], "django": ["django-4.2-py3-none-any.whl"]}

    class Index(_Index):
        read: list[str] = []

        def metadata(self, file):  # type: ignore[no-untyped-def]
            self.read.append(f"{file.name}=={file.version}")
            return Metadata(file.name, file.version, tuple(requires.get(str(file.version), [])))

    index = Index(pages)
    provider = Provider(index, Target("3.11", "manylinux_2_28_x86_64"))  # type: ignore[arg-type]
    django = NormalizedName("django")
    provider._pins = {"django": Candidate(django, Version("4.2"))}
    provider._prefetch_one(Req(NormalizedName("toolbar"), SpecifierSet()), depth=5)
    assert index.read == ["toolbar==3", "toolbar==2", "toolbar==1"]
    assert {args[0].name for args in index.submitted} == {"django", "sqlparse"}  # toolbar 1's
