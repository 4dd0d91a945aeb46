"""The graph as DOT and GraphML: highlights, focus, links, escaping, size limits, round trips."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.output.dot import (
    COMPACT_ABOVE,
    STRAIGHT_ABOVE,
    edge_id,
    focus_nodes,
    node_id,
    slug,
    to_dot,
)
from resolver.output.graphml import from_graphml, to_graphml
from resolver.resolution.graph import ROOT, from_node_link, new_graph, to_node_link
from tests.support.graphs import synthetic_graph
from tests.support.universe import CLASSIC, build_index

HOSTILE = ["<script>alert(1)</script>", 'a"b\\c', "tail\\", "&amp;x", "line\nbreak", "\\N\\G"]


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> nx.DiGraph:
    """The graph the engine records for django==1.11.29 with djangocms-blog (which needs >2.0)."""
    root = tmp_path_factory.mktemp("index")
    client = IndexClient([build_index(root, CLASSIC, formats=("json",)).as_uri() + "/"])
    try:
        report = resolve(
            {"requirements.in": "# our site\ndjango==1.11.29\n\ndjangocms-blog\n"},
            index=client,
            target=Target("3.11", "manylinux_2_28_x86_64"),
            index_name="test-index",
        )
    finally:
        client.close()
    assert report["status"] == "conflict"
    return from_node_link(report["graph"])


def edge(graph: nx.DiGraph, u: str, v: str, specifier: str = "", **extra: object) -> None:
    sources = extra.pop("sources", [])
    graph.add_edge(u, v, specifier=specifier, marker=None, extras=[], text=f"{v}{specifier}", sources=sources, **extra)


def line(n: int) -> list[dict[str, object]]:
    return [{"file": "requirements.in", "line": n}]


@pytest.fixture
def wide() -> nx.DiGraph:
    """A clash on `x` (the user's ==1 against b's >=2) next to packages that play no part in it."""
    graph = new_graph()
    for name, version in [("a", "1.0"), ("b", "2.0"), ("x", "1.0"), ("c", "3.0"), ("d", "4.0"), ("e", "5.0")]:
        graph.add_node(name, version=version, status="tried")
    graph.nodes["x"]["conflict"] = True
    graph.nodes["b"]["culprit"] = True
    edge(graph, ROOT, "a", sources=line(1))
    edge(graph, ROOT, "x", "==1", sources=line(2), clash=True)
    edge(graph, ROOT, "c", sources=line(3))
    edge(graph, "a", "b")
    edge(graph, "b", "x", ">=2", clash=True)
    edge(graph, "c", "d")
    edge(graph, "d", "e")
    return graph


def statements(dot: str) -> dict[str, str]:
    """Node statements by the id Graphviz will write into the SVG."""
    found = {}
    for text in dot.splitlines():
        match = re.match(r'  "[^"]*" \[id="([^"]+)"', text)
        if match:
            found[match.group(1)] = text
    return found


def edge_statements(dot: str) -> dict[str, str]:
    return {re.search(r'\[id="([^"]+)"', t).group(1): t for t in dot.splitlines() if " -> " in t}


def classes(statement: str) -> set[str]:
    return set(re.search(r'class="([^"]*)"', statement).group(1).split())


# -- highlights -------------------------------------------------------------------------------


def test_classic_conflict_marks_the_clashing_package_its_culprit_and_both_constraints(classic) -> None:
    dot = to_dot(classic)
    nodes, edges = statements(dot), edge_statements(dot)
    assert set(nodes) == {"input", "pkg-django", "pkg-djangocms-blog"}
    assert classes(nodes["pkg-django"]) == {"package", "tried", "conflict"}
    assert classes(nodes["pkg-djangocms-blog"]) == {"package", "tried", "culprit"}
    assert classes(edges["req-django"]) == {"input", "clash"}
    assert classes(edges["dep-djangocms-blog--django"]) == {"clash"}
    assert classes(edges["req-djangocms-blog"]) == {"input", "path"}


def test_highlights_never_rely_on_colour_alone(classic) -> None:
    dot = to_dot(classic)
    nodes, edges = statements(dot), edge_statements(dot)
    assert "peripheries=2" in nodes["pkg-django"] and "<B>django</B>" in nodes["pkg-django"]
    assert "dashed" in nodes["pkg-djangocms-blog"] and "penwidth=2.5" in nodes["pkg-djangocms-blog"]
    for clash in ("req-django", "dep-djangocms-blog--django"):
        assert "penwidth=2.8" in edges[clash] and "style=bold" in edges[clash]
    assert "penwidth=1.2" in edges["req-djangocms-blog"]


def test_edges_are_labelled_with_their_specifier_and_the_users_line(classic) -> None:
    edges = edge_statements(to_dot(classic))
    assert "label=<<B>==1.11.29</B><BR/>requirements.in:2>" in edges["req-django"]
    assert "label=<<B>&gt;2.0</B>>" in edges["dep-djangocms-blog--django"]
    assert "label=<any<BR/>requirements.in:4>" in edges["req-djangocms-blog"]


def test_the_input_is_drawn_as_the_users_file(classic) -> None:
    node = statements(to_dot(classic))["input"]
    assert "label=<<B>requirements.in</B>>" in node and "shape=note" in node


def test_conditional_requirements_get_a_hollow_arrow(wide) -> None:
    wide.edges["c", "d"]["marker"] = 'python_version < "3.8"'
    edges = edge_statements(to_dot(wide, focus="all"))
    assert "arrowhead=empty" in edges["dep-c--d"]
    assert "python_version &lt; &quot;3.8&quot;" in edges["dep-c--d"]


# -- focus ------------------------------------------------------------------------------------


def test_conflict_focus_draws_only_the_chains_to_the_clash(wide) -> None:
    assert set(statements(to_dot(wide))) == {"input", "pkg-a", "pkg-b", "pkg-x"}
    assert set(statements(to_dot(wide, focus="all"))) == {f"pkg-{n}" for n in "abcdex"} | {"input"}
    assert focus_nodes(wide) == {ROOT, "a", "b", "x"}


def test_whole_graph_dims_what_is_not_on_a_chain_to_the_clash(wide) -> None:
    dot = to_dot(wide, focus="all")
    nodes, edges = statements(dot), edge_statements(dot)
    assert {n for n, s in nodes.items() if "dim" in classes(s)} == {"pkg-c", "pkg-d", "pkg-e"}
    assert classes(nodes["pkg-a"]) == {"package", "tried", "path"}
    assert {e for e, s in edges.items() if "dim" in classes(s)} == {"req-c", "dep-c--d", "dep-d--e"}


def test_a_graph_without_conflict_is_drawn_whole_and_undimmed(wide) -> None:
    for name in wide:
        wide.nodes[name].pop("conflict", None)
        wide.nodes[name].pop("culprit", None)
    for u, v in wide.edges:
        wide.edges[u, v].pop("clash", None)
    dot = to_dot(wide)
    assert len(statements(dot)) == 7
    assert not re.search(r'class="[^"]*\b(dim|path|conflict|culprit|clash)\b', dot)


def test_an_unknown_focus_is_refused(wide) -> None:
    with pytest.raises(ValueError, match="focus"):
        to_dot(wide, focus="everything")  # type: ignore[arg-type]


def test_max_nodes_keeps_the_chain_to_the_clash_and_says_how_many_are_left_out(wide) -> None:
    dot = to_dot(wide, focus="all", max_nodes=4)
    assert set(statements(dot)) == {"input", "pkg-a", "pkg-b", "pkg-x", "more"}
    assert 'label="3 more packages not drawn"' in statements(dot)["more"]
    assert "pkg-c" not in "".join(edge_statements(dot))


def test_max_nodes_cuts_a_large_graph_to_size() -> None:
    dot = to_dot(synthetic_graph(300), focus="all", max_nodes=50)
    assert len(statements(dot)) == 51  # 50 and the note
    assert 'label="251 more packages not drawn"' in dot


# -- links and ids ----------------------------------------------------------------------------


def test_every_package_links_to_its_page_and_the_input_to_none(wide) -> None:
    dot = to_dot(wide, focus="all", link=lambda name: f"/r/abc/p/{name}/?from=graph&x=1")
    nodes = statements(dot)
    for name in "abcdex":
        assert f'URL="/r/abc/p/{name}/?from=graph&amp;x=1"' in nodes[f"pkg-{name}"]
    assert "URL=" not in nodes["input"]


def test_ids_are_unique_and_take_a_prefix(wide) -> None:
    dot = to_dot(wide, focus="all", id_prefix="full-")
    ids = re.findall(r'\bid="([^"]+)"', dot)
    assert len(ids) == len(set(ids)) and all(i.startswith("full-") for i in ids)
    with pytest.raises(ValueError, match="id_prefix"):
        to_dot(wide, id_prefix='x" onload="')


def test_slugs_keep_canonical_names_and_hash_the_rest() -> None:
    assert slug("django-cms") == "django-cms"
    assert re.fullmatch(r"_[0-9a-f]{16}", slug("<script>"))
    assert node_id(ROOT) == "input" and node_id("root") == "pkg-root"
    assert edge_id(ROOT, "a") == "req-a" and edge_id("a", "b") == "dep-a--b"


# -- escaping ---------------------------------------------------------------------------------


@pytest.fixture
def hostile(wide) -> nx.DiGraph:
    """Names, versions, specifiers and markers that try to break out of DOT, XML or HTML."""
    for i, name in enumerate(HOSTILE):
        wide.add_node(name, version=f'1.0"{name}', status="pinned")
        edge(wide, ROOT, name, f">=1,{name}", sources=[{"file": f"req{name}.in", "line": i}])
        wide.edges[ROOT, name]["marker"] = f'extra == "{name}"'
    edge(wide, HOSTILE[0], HOSTILE[1], '<"\\>')
    return wide


def dot_strings_are_balanced(dot: str) -> bool:
    """Every quoted string closes on its line; HTML-like labels hold only our own tags."""
    for text in dot.splitlines():
        rest = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
        rest = re.sub(r"</?(B|BR|FONT)\b[^<>]*>", "", rest)
        rest = re.sub(r"=<[^<>]*>", "=", rest)  # the label's own brackets, nothing inside
        if '"' in rest or "<" in rest or ">" in rest.replace("->", ""):
            return False
    return True


def test_hostile_strings_reach_dot_only_as_escaped_text(hostile) -> None:
    dot = to_dot(hostile, focus="all", link=lambda name: f"/p/{name}/")
    assert dot_strings_are_balanced(dot)
    assert "<script" not in dot and "</script" not in dot
    assert '"&lt;script&gt;alert(1)&lt;/script&gt;" [' in dot
    assert '"a&quot;b&#92;c" [' in dot  # an identifier: no quote or backslash left for the lexer
    assert "label=<a&quot;b\\c<BR/>" in dot  # an HTML-like label: a backslash is just that
    assert all(text.startswith(("digraph ", "  ", "}")) for text in dot.splitlines())  # no raw newline
    assert 'URL="/p/%3Cscript%3Ealert(1)%3C/script%3E/"' in dot


def test_control_characters_become_replacement_characters(hostile) -> None:
    dot = to_dot(hostile, focus="all")
    assert "line\ufffdbreak" in dot
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", dot)


# -- big graphs -------------------------------------------------------------------------------


def test_big_drawings_are_compact_and_small_ones_are_not() -> None:
    big = synthetic_graph(COMPACT_ABOVE + 30)
    dot = to_dot(big, focus="all")
    assert "constraint=false" in dot and "mclimit=" in dot
    assert " label=<" not in "".join(edge_statements(dot).values())
    clash_edges = [s for s in edge_statements(dot).values() if "clash" in classes(s)]
    assert clash_edges and all("xlabel=<" in s for s in clash_edges)
    assert "requirements.in:1 " in dot  # the user's line moved into its package's label
    assert "constraint=false" not in to_dot(synthetic_graph(40), focus="all")
    assert "splines=line" not in dot and "splines=line" in to_dot(synthetic_graph(STRAIGHT_ABOVE + 1), focus="all")


def test_compact_ranks_every_drawn_node_by_one_tree_edge() -> None:
    graph = synthetic_graph(200)
    edges = edge_statements(to_dot(graph, focus="all", compact=True))
    ranked = [e for e, s in edges.items() if "constraint=false" not in s]
    assert len(ranked) == len(graph) - 1  # a spanning tree from the input


def test_the_same_graph_gives_the_same_text() -> None:
    assert to_dot(synthetic_graph(150, seed=4)) == to_dot(synthetic_graph(150, seed=4))


# -- GraphML ----------------------------------------------------------------------------------


def without_none(graph: nx.DiGraph) -> dict:
    data = to_node_link(graph)
    strip = [{k: v for k, v in item.items() if v is not None} for item in data["nodes"]]
    edges = [{k: v for k, v in item.items() if v is not None} for item in data["edges"]]
    return {"nodes": strip, "edges": edges}


def test_graphml_round_trips_lists_dicts_and_flags(classic) -> None:
    text = to_graphml(classic)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<graphml')
    back = from_graphml(text)
    assert without_none(back) == without_none(classic)
    assert back.nodes["djangocms-blog"]["versions_tried"] == ["1.2.0", "1.1.0"]
    assert back.edges[ROOT, "django"]["sources"] == [{"file": "requirements.in", "line": 2}]
    assert back.edges["djangocms-blog", "django"]["clash"] is True


def test_graphml_is_plain_graphml_for_other_tools(classic, tmp_path: Path) -> None:
    path = tmp_path / "graph.graphml"
    path.write_text(to_graphml(classic))
    other = nx.read_graphml(path)
    assert set(other.nodes) == set(classic.nodes)
    assert other.nodes["djangocms-blog"]["versions_tried"] == '["1.2.0", "1.1.0"]'


def test_graphml_keeps_hostile_names_as_text(hostile) -> None:
    text = to_graphml(hostile)
    assert "<script>" not in text
    assert set(from_graphml(text).nodes) == set(hostile.nodes)
