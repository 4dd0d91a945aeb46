"""The networkx-free graph of a successful resolution writes exactly what networkx would."""

from __future__ import annotations

from packaging.specifiers import SpecifierSet

from resolver.input.reqfile import Origin
from resolver.resolution.graph import ROOT, PlainGraph, add_requirement, new_graph, to_node_link
from resolver.resolution.requirements import PythonReq, Req


def _fill(graph) -> None:  # type: ignore[no-untyped-def]
    graph.add_node(ROOT, version=None)
    graph.add_node("django", version="5.2", status="pinned")
    graph.add_node("wagtail", version="6.0", status="pinned")
    add_requirement(
        graph, ROOT, Req("wagtail", SpecifierSet(">=6"), origin=Origin("requirements.in", 3), text="wagtail>=6")
    )
    add_requirement(
        graph, ROOT, Req("django", SpecifierSet("<6"), origin=Origin("requirements.in", 1), text="django<6")
    )
    add_requirement(
        graph, ROOT, Req("django", SpecifierSet(">=4"), extras=frozenset({"argon2"}), origin=Origin("b.txt", 2))
    )
    add_requirement(graph, "wagtail", Req("django", SpecifierSet(">=4.2,<6"), marker='python_version >= "3.8"'))
    add_requirement(graph, "wagtail", Req("asgiref", SpecifierSet()))
    add_requirement(graph, "wagtail", PythonReq(SpecifierSet(">=3.8")))
    add_requirement(graph, "django", Req("django", SpecifierSet()))


def test_plain_graph_gives_the_node_link_form_networkx_gives() -> None:
    plain, reference = PlainGraph(), new_graph()
    _fill(plain)
    _fill(reference)
    assert to_node_link(plain) == to_node_link(reference)
    assert [list(n) for n in to_node_link(plain)["nodes"]] == [list(n) for n in to_node_link(reference)["nodes"]]
    assert [list(e) for e in to_node_link(plain)["edges"]] == [list(e) for e in to_node_link(reference)["edges"]]
    assert to_node_link(plain)["edges"][0]["sources"] == [
        {"file": "requirements.in", "line": 1},
        {"file": "b.txt", "line": 2},
    ]
