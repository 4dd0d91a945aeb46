"""The dependency graph as GraphML, for tools such as yEd, Gephi or networkx elsewhere."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any, cast

import networkx as nx

from resolver.resolution.graph import ROOT


def _json_keys(items: Iterable[dict[str, Any]]) -> set[str]:
    return {key for data in items for key, value in data.items() if isinstance(value, list | dict | tuple)}


def to_graphml(graph: nx.DiGraph[str]) -> str:
    """The graph as GraphML, for tools such as yEd, Gephi or networkx elsewhere.

    GraphML holds scalars only, so lists and dicts (`versions_tried`, `extras`, `sources`) are
    written as JSON text, and the graph notes which keys those are (`json_node_keys`,
    `json_edge_keys`) so `from_graphml` can read them back. `None` is written as an absent value.
    """
    node_keys = _json_keys(data for _, data in graph.nodes(data=True))
    edge_keys = _json_keys(data for _, _, data in graph.edges(data=True))
    out: nx.DiGraph[str] = nx.DiGraph()
    out.graph.update(
        {k: v for k, v in graph.graph.items() if isinstance(v, str | int | float | bool)},
        json_node_keys=" ".join(sorted(node_keys)),
        json_edge_keys=" ".join(sorted(edge_keys)),
    )

    def scalar(data: dict[str, Any], keys: set[str]) -> dict[str, Any]:
        return {
            key: json.dumps(value, sort_keys=True) if key in keys else value
            for key, value in data.items()
            if value is not None
        }

    for name in sorted(graph.nodes, key=lambda n: (n != ROOT, n)):
        out.add_node(name, **scalar(graph.nodes[name], node_keys))
    for u, v in sorted(graph.edges, key=lambda e: (e[0] != ROOT, e)):
        out.add_edge(u, v, **scalar(graph.edges[u, v], edge_keys))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(nx.generate_graphml(out, prettyprint=True)) + "\n"


def from_graphml(text: str) -> nx.DiGraph[str]:
    """Read `to_graphml`'s output back, with the JSON-valued attributes decoded."""
    # to_graphml writes a directed graph; read_graphml's declared return is any graph.
    graph = cast("nx.DiGraph[str]", nx.read_graphml(io.BytesIO(text.encode("utf-8"))))
    node_keys = set(str(graph.graph.pop("json_node_keys", "")).split())
    edge_keys = set(str(graph.graph.pop("json_edge_keys", "")).split())
    for _, data in graph.nodes(data=True):
        for key in node_keys & data.keys():
            data[key] = json.loads(data[key])
    for _, _, data in graph.edges(data=True):
        for key in edge_keys & data.keys():
            data[key] = json.loads(data[key])
    return graph
