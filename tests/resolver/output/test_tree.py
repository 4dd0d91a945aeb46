"""Text trees of the graph: what each line pulls in, why a package is here, cycles, repeats, caps."""

from __future__ import annotations

import networkx as nx
import pytest

from resolver.output.tree import TreeNode, dependency_tree, reverse_tree, text_tree
from resolver.resolution.graph import ROOT, new_graph


def add(graph: nx.DiGraph, u: str, v: str, specifier: str = "", line: int | None = None, **extra: object) -> None:
    for name in (u, v):
        if name != ROOT and name not in graph:
            graph.add_node(name, version="1.0", status="pinned")
    sources = [{"file": "requirements.in", "line": line}] if line is not None else []
    graph.add_edge(u, v, specifier=specifier, marker=None, extras=[], text=v + specifier, sources=sources, **extra)


@pytest.fixture
def cyclic() -> nx.DiGraph:
    """requirements.in: `web` (line 2) and `cli>=2` (line 1); web -> a -> b -> a (a cycle), both need util."""
    graph = new_graph()
    add(graph, ROOT, "web", line=2)
    add(graph, ROOT, "cli", ">=2", line=1)
    add(graph, "web", "a", ">=1")
    add(graph, "a", "b", "<3")
    add(graph, "b", "a", "!=1.1")
    add(graph, "a", "util")
    add(graph, "cli", "util", "~=1.0")
    graph.nodes["cli"]["version"] = "2.4"
    return graph


@pytest.fixture
def classic() -> nx.DiGraph:
    graph = new_graph()
    add(graph, ROOT, "django", "==1.11.29", line=2, clash=True)
    add(graph, ROOT, "djangocms-blog", line=4)
    add(graph, "djangocms-blog", "django", ">2.0", clash=True)
    graph.nodes["django"].update(version="1.11.29", status="tried", conflict=True)
    graph.nodes["djangocms-blog"].update(version="1.2.0", status="tried", culprit=True)
    return graph


def test_dependency_tree_lists_the_users_lines_in_file_order(cyclic) -> None:
    tree = dependency_tree(cyclic)
    assert [(n.name, n.specifier, n.source) for n in tree] == [
        ("cli", ">=2", "requirements.in:1"),
        ("web", "", "requirements.in:2"),
    ]


def test_dependency_tree_expands_a_package_once_and_stops_cycles(cyclic) -> None:
    assert text_tree(dependency_tree(cyclic)) == (
        "cli==2.4 [required: >=2, requirements.in:1]\n"
        "└── util [required: ~=1.0, picked: 1.0]\n"
        "web==1.0 [required: any, requirements.in:2]\n"
        "└── a [required: >=1, picked: 1.0]\n"
        "    ├── b [required: <3, picked: 1.0]\n"
        "    │   └── a [required: !=1.1, picked: 1.0]  (cycle; see above)\n"
        "    └── util [required: any, picked: 1.0]  (see above)\n"
    )
    cycle = dependency_tree(cyclic)[1].children[0].children[0].children[0]
    assert (cycle.name, cycle.cycle, cycle.repeat, cycle.children) == ("a", True, "above", [])


def test_a_users_line_met_earlier_in_the_tree_says_see_below() -> None:
    graph = new_graph()
    add(graph, ROOT, "app", line=1)
    add(graph, ROOT, "lib", "==2", line=2)
    add(graph, "app", "lib", ">=1")
    add(graph, "lib", "dep")
    first, second = dependency_tree(graph)
    assert first.children[0].repeat == "below" and first.children[0].children == []
    assert second.name == "lib" and second.repeat is None and [c.name for c in second.children] == ["dep"]


def test_the_depth_cap_marks_where_it_cut() -> None:
    graph = new_graph()
    add(graph, ROOT, "p0", line=1)
    for i in range(5):
        add(graph, f"p{i}", f"p{i + 1}")
    [top] = dependency_tree(graph, max_depth=2)
    deepest = top.children[0].children[0]
    assert (deepest.name, deepest.truncated, deepest.children) == ("p2", True, [])
    assert "p2 [required: any, picked: 1.0]  (deeper levels not shown)" in text_tree([top])


def test_dependency_tree_carries_the_clash_flags(classic) -> None:
    django, blog = dependency_tree(classic)
    assert (django.conflict, django.clash, django.status) == (True, True, "tried")
    assert blog.culprit and blog.children[0].clash and blog.children[0].repeat == "above"
    assert text_tree([django, blog]) == (
        "django==1.11.29 [required: ==1.11.29, requirements.in:2]  (conflict; clashing constraint)\n"
        "djangocms-blog==1.2.0 [required: any, requirements.in:4]  (supplies a clashing constraint)\n"
        "└── django [required: >2.0, tried: 1.11.29]  (conflict; clashing constraint; see above)\n"
    )


def test_reverse_tree_says_who_requires_a_package_up_to_the_users_lines(classic) -> None:
    why = reverse_tree(classic, "django")
    assert why.reverse and why.conflict
    user, blog = why.children
    assert (user.is_input, user.source, user.specifier, user.clash) == (True, "requirements.in:2", "==1.11.29", True)
    assert (blog.name, blog.version, blog.specifier, blog.clash) == ("djangocms-blog", "1.2.0", ">2.0", True)
    assert [c.source for c in blog.children] == ["requirements.in:4"]
    assert text_tree(why) == (
        "django==1.11.29  (conflict)\n"
        "├── requirements.in:2 [requires: django==1.11.29]  (clashing constraint)\n"
        "└── djangocms-blog==1.2.0 [requires: django>2.0]  (clashing constraint)\n"
        "    └── requirements.in:4 [requires: djangocms-blog]\n"
    )


def test_reverse_tree_stops_at_cycles_and_repeats(cyclic) -> None:
    assert text_tree(reverse_tree(cyclic, "util"), ascii=True) == (
        "util==1.0\n"
        "|-- a==1.0 [requires: util]\n"
        "|   |-- b==1.0 [requires: a!=1.1]\n"
        "|   |   `-- a==1.0 [requires: b<3]  (cycle; see above)\n"
        "|   `-- web==1.0 [requires: a>=1]\n"
        "|       `-- requirements.in:2 [requires: web]\n"
        "`-- cli==2.4 [requires: util~=1.0]\n"
        "    `-- requirements.in:1 [requires: cli>=2]\n"
    )


def test_reverse_tree_of_an_unknown_package_is_a_key_error(cyclic) -> None:
    with pytest.raises(KeyError):
        reverse_tree(cyclic, "nope")
    with pytest.raises(KeyError):
        reverse_tree(cyclic, ROOT)


def test_tree_nodes_describe_themselves_for_templates() -> None:
    node = TreeNode(name="a", version="1.0", specifier=">=1", extras=["x"], marker='os_name == "nt"')
    assert node.label == "a==1.0"
    assert node.requirement == '[x]>=1 ; os_name == "nt"'
    assert TreeNode(name="requirements.in", source="requirements.in:3", is_input=True).label == "requirements.in:3"


def test_an_empty_graph_has_an_empty_tree() -> None:
    assert dependency_tree(new_graph()) == []
    assert text_tree([]) == ""


def test_a_failed_runs_edge_shows_what_the_shown_version_itself_asks() -> None:
    # The edge merges what every tried version of the parent asked; the tree shows the version it
    # names, so it shows that version's own requirement.
    graph = new_graph()
    add(graph, ROOT, "django", "==1.11.29", line=1, clash=True)
    add(graph, ROOT, "djangorestframework", line=2)
    versions = [{"version": "3.15.2", "specifier": ">=4.2"}, {"version": "3.12.4", "specifier": ">=2.2"}]
    add(graph, "djangorestframework", "django", ">=4.2,>=2.2", clash=True, parent_versions=versions)
    graph.nodes["djangorestframework"]["version"] = "3.15.2"
    [_, drf] = dependency_tree(graph)
    assert drf.children[0].specifier == ">=4.2"
    [asker] = [node for node in reverse_tree(graph, "django").children if not node.is_input]
    assert (asker.name, asker.specifier) == ("djangorestframework", ">=4.2")
