"""Edge labels show each parent version's own requirement, grouped into ranges, never one
specifier joined from different versions' requirements that no version asks (issue 15)."""

from __future__ import annotations

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.output.dot import to_dot
from resolver.output.ranges import asked_ranges
from resolver.resolution.graph import from_node_link
from tests.support.universe import build_index

# Django REST framework's story: 3.12.x need Django 2.2 or newer, 3.15 needs 4.2; the user pins 1.11.
OLD = [f"3.12.{n}" for n in range(23)]
DRF = {
    "django": {"1.11.29": {}, "2.2.28": {}, "4.2.0": {}},
    "djangorestframework": {
        **{version: {"requires": ["django>=2.2"]} for version in OLD},
        "3.15.0": {"requires": ["django>=4.2"]},
    },
}
DRF_INPUT = "django==1.11.29\ndjangorestframework>=3.12\n"


@pytest.fixture(scope="module")
def drf_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    client = IndexClient([build_index(tmp_path_factory.mktemp("index"), DRF, formats=("json",)).as_uri() + "/"])
    try:
        return resolve({"requirements.in": DRF_INPUT}, index=client, target=Target("3.11"), analyse=False)  # type: ignore[return-value]
    finally:
        client.close()


def test_the_edge_keeps_each_parent_versions_own_specifier(drf_report: dict) -> None:
    assert drf_report["status"] == "conflict"
    [edge] = [e for e in drf_report["graph"]["edges"] if e["source"] == "djangorestframework"]
    assert edge["parent_versions"][0] == {"version": "3.15.0", "specifier": ">=4.2"}
    assert {e["specifier"] for e in edge["parent_versions"][1:]} == {">=2.2"}
    assert asked_ranges(edge["parent_versions"]) == ["3.12.0\N{EN DASH}3.12.22: >=2.2", "3.15.0: >=4.2"]


@pytest.mark.parametrize("compact", [False, True])
def test_the_edge_label_shows_ranges_not_a_joined_specifier(drf_report: dict, compact: bool) -> None:
    graph = from_node_link(drf_report["graph"])
    dot = to_dot(graph, focus="all", compact=compact)
    edge = next(line for line in dot.splitlines() if line.lstrip().startswith('"djangorestframework" ->'))
    assert "3.12.0\N{EN DASH}3.12.22: &gt;=2.2" in edge and "3.15.0: &gt;=4.2" in edge
    assert "&gt;=2.2,&gt;=4.2" not in edge and "&gt;=4.2,&gt;=2.2" not in edge
