"""The provider's choices that are not visible in a final result: preference and matching."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from resolvelib.structs import RequirementInformation

from resolver.environment import Target
from resolver.resolution.order import CONFLICT_PROMOTION
from resolver.resolution.provider import Provider, marker_applies
from resolver.resolution.requirements import PYTHON, Candidate, PythonReq, Req


def req(name: str, spec: str = "") -> Req:
    return Req(canonicalize_name(name), SpecifierSet(spec))


def preference(provider: Provider, identifier: str, *reqs: Req | PythonReq):
    information = {identifier: iter([RequirementInformation(r, None) for r in reqs])}
    return provider.get_preference(identifier, {}, {}, information, [])


@pytest.fixture
def provider() -> Provider:
    return Provider(index=None, target=Target("3.11", "any"), user_requested={"b": 0, "a": 1})  # type: ignore[arg-type]


# Each row is (identifier, its requirements), listed in the order they must be preferred.
PREFERENCE_ORDER = [
    (PYTHON, [PythonReq(SpecifierSet(">=3.12"))]),
    ("zz", [req("zz", "==1.0")]),
    ("yy", [req("yy", "<2")]),
    ("b", [req("b", ">=1")]),
    ("a", [req("a", ">=1")]),
    ("c", [req("c", ">=1")]),
    ("d", [req("d")]),
]


def test_preference_orders_python_pins_upper_bounds_user_order_then_the_rest(provider: Provider) -> None:
    keys = [preference(provider, identifier, *reqs) for identifier, reqs in PREFERENCE_ORDER]
    assert sorted(keys) == keys


def test_narrowing_prefers_the_causes_of_the_last_backtrack(provider: Provider) -> None:
    cause = RequirementInformation(req("b", ">2"), None)
    assert list(provider.narrow_requirement_selection(["a", "b", "c"], {}, {}, {}, [cause])) == ["b"]
    assert list(provider.narrow_requirement_selection(["a", PYTHON], {}, {}, {}, [cause])) == [PYTHON]


def test_a_package_blamed_again_and_again_while_unpinned_goes_first_from_then_on(provider: Provider) -> None:
    web = Candidate(canonicalize_name("web"), Version("3.2"))
    # The version of `asset` tried needed a newer `web` than the one pinned.
    causes = [RequirementInformation(req("web", ">=4"), Candidate(canonicalize_name("asset"), Version("5.0")))]
    for _ in range(CONFLICT_PROMOTION - 1):
        provider.narrow_requirement_selection(["asset", "c"], {"web": web}, {}, {}, causes)
    assert list(provider.narrow_requirement_selection(["c", "d"], {"web": web}, {}, {}, [])) == ["c", "d"]
    provider.narrow_requirement_selection(["asset", "c"], {"web": web}, {}, {}, causes)
    assert list(provider.narrow_requirement_selection(["c", "asset", "d"], {"web": web}, {}, {}, [])) == ["asset"]
    assert preference(provider, "asset", req("asset")) < preference(provider, "zz", req("zz", "==1.0"))


@pytest.mark.parametrize(
    ("marker", "extras", "applies"),
    [
        ('sys_platform == "win32"', [], False),
        ('python_version >= "3.8"', [], True),
        ('extra == "redis"', [], False),
        ('extra == "redis"', ["redis"], True),
        ('extra == "redis" and python_version < "3.8"', ["redis"], False),
    ],
)
def test_markers_are_evaluated_for_the_target_and_extras(marker: str, extras: list[str], applies: bool) -> None:
    from packaging.markers import Marker

    assert marker_applies(Marker(marker), Target("3.11", "manylinux_2_28_x86_64").markers, extras) is applies


def test_versions_turned_down_are_left_out_whichever_object_stands_for_them() -> None:
    from resolver.index.dists import Metadata
    from tests.resolver.resolution.test_prefetch import _Index

    class Index(_Index):
        def metadata(self, file):  # type: ignore[no-untyped-def]
            return Metadata(file.name, file.version)

    provider = Provider(Index({"pkg": [f"pkg-1.{n}-py3-none-any.whl" for n in range(5)]}), Target("3.11", "any"))  # type: ignore[arg-type]

    line = req("pkg", ">=1.1")

    def versions(excluded: list[Candidate]) -> list[str]:
        found = provider.find_matches("pkg", {"pkg": iter([line])}, {"pkg": iter(excluded)})
        assert callable(found)
        return [str(c.version) for c in found()]

    assert versions([]) == ["1.4", "1.3", "1.2", "1.1"]
    handed_out = provider._candidates("pkg", "pkg", frozenset(), provider.specifier_for("pkg", [line]))
    assert versions(handed_out[:2]) == ["1.2", "1.1"]  # the very objects resolvelib was given
    # Another object for 1.3 (as a pin admitting yanked files makes): the version still counts.
    other = provider._candidate("pkg", "pkg", frozenset(), handed_out[1].version, ())
    assert other is not handed_out[1]
    assert versions([other]) == ["1.4", "1.2", "1.1"]
