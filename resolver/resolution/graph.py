"""The dependency graph, recorded while resolvelib works, kept as a networkx DiGraph.

Nodes are canonical package names plus `ROOT` (the input); a package asked for with extras is one
node, its extras noted on the edges. Edges are requirements: parent -> child with the specifier,
marker, extras and, for the input's own lines, the file and line. On success the graph is the
final resolution; on failure it is the resolver's first descent (each package at the first version
it tried, which is the newest its constraints allowed: what pip-reqs would have picked).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from resolvelib import BaseReporter

from resolver.errors import LimitReached
from resolver.resolution.requirements import PYTHON, AnyCandidate, AnyReq, Candidate, Req

if TYPE_CHECKING:
    import networkx as nx

    from resolver.output.report import Graph as ReportGraph
    from resolver.output.report import Source

ROOT = "<root>"

# The figures of a resolution (ints), and while the analyses run their phase (words) too.
Progress = Callable[[dict[str, Any]], None]


class Recorder(BaseReporter[AnyReq, AnyCandidate, str]):
    """A resolvelib reporter that keeps every requirement edge and pin, and enforces the bounds."""

    def __init__(
        self,
        *,
        max_seconds: float | None = None,
        on_progress: Progress | None = None,
        requests: Callable[[], int] = lambda: 0,
        started: float | None = None,
        wall: float | None = None,
    ) -> None:
        self.started = time.monotonic() if started is None else started
        self.max_seconds = max_seconds
        if wall is None and max_seconds is not None:
            wall = self.started + max_seconds
        self.wall = wall
        self.on_progress = on_progress
        self.requests = requests
        self.rounds = 0
        self.backtracks = 0
        # Every candidate the resolver looked at (asked for its dependencies or pinned), by
        # identifier, in order. resolvelib reports `pinning` only for candidates that fit, so a
        # parent rejected for the clash itself would otherwise be missing from the explanation.
        self.pins: dict[str, list[AnyCandidate]] = {}
        self.edges: dict[tuple[str, str] | None, list[AnyReq]] = {}  # (identifier, version) or root
        self.clashes: list[list[Any]] = []
        self._seen: set[tuple[str, str]] = set()
        self._edge_seen: set[tuple[tuple[str, str] | None, AnyReq]] = set()  # the causes of every backtrack, in order

    def check_time(self) -> None:
        """Stop at the wall. Called at every round and every requirement added, so that the first
        round, which adds every input line at once, cannot outlast the limit either."""
        if self.wall is not None and time.monotonic() > self.wall:
            seconds = round(self.wall - self.started, 1)
            raise LimitReached(
                f"resolution stopped after {seconds:g} s ({self.rounds} rounds)", limit="seconds", value=seconds
            )

    def starting_round(self, index: int) -> None:
        self.rounds = index + 1
        self.check_time()
        if self.on_progress:  # the caller throttles its writes
            self.on_progress({"rounds": self.rounds, "packages": len(self.pins), "requests": self.requests()})

    def adding_requirement(self, requirement: AnyReq, parent: AnyCandidate | None) -> None:
        self.check_time()
        key = None if parent is None else (parent.identifier, str(parent.version))
        if parent is not None:
            self.pinning(parent)
        if (key, requirement) not in self._edge_seen:
            self._edge_seen.add((key, requirement))
            self.edges.setdefault(key, []).append(requirement)

    def resolving_conflicts(self, causes: Any) -> None:
        self.backtracks += 1
        self.clashes.append(list(causes))

    def pinning(self, candidate: AnyCandidate) -> None:
        key = (candidate.identifier, str(candidate.version))
        if key not in self._seen:
            self._seen.add(key)
            self.pins.setdefault(candidate.identifier, []).append(candidate)

    def first_pin(self, identifier: str) -> AnyCandidate | None:
        tried = self.pins.get(identifier)
        return tried[0] if tried else None

    def versions_tried(self, name: str) -> list[str]:
        seen: dict[str, None] = {}
        for identifier, tried in self.pins.items():
            if identifier.split("[")[0] == name:
                seen.update((str(c.version), None) for c in tried)
        return list(seen)


def _edge_data(req: AnyReq) -> dict[str, Any]:
    data: dict[str, Any] = {
        "specifier": str(req.specifier),
        "marker": req.marker,
        "extras": sorted(req.extras),
        "text": req.text or req.format_for_error(),
    }
    if req.origin is not None:
        data["source"] = {"file": req.origin.file, "line": req.origin.line}
    return data


def add_requirement(graph: nx.DiGraph[str] | PlainGraph, parent: str, req: AnyReq) -> None:
    """Add one requirement edge, merging repeats (two lines, or `x` and `x[extra]`) into one."""
    if req.name == PYTHON or req.name == parent:
        return
    if req.name not in graph:
        graph.add_node(req.name, version=None)
    data = _edge_data(req)
    if not graph.has_edge(parent, req.name):
        graph.add_edge(parent, req.name, **data, sources=[data["source"]] if "source" in data else [])
        return
    edge = graph.edges[parent, req.name]
    specs = [s for s in (edge["specifier"], data["specifier"]) if s]
    edge["specifier"] = ",".join(dict.fromkeys(",".join(specs).split(","))) if specs else ""
    edge["extras"] = sorted(set(edge["extras"]) | set(data["extras"]))
    if "source" in data and data["source"] not in edge["sources"]:
        edge["sources"].append(data["source"])


def new_graph() -> nx.DiGraph[str]:
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_node(ROOT, version=None)
    return graph


class PlainGraph:
    """The few DiGraph operations `add_requirement` and `to_node_link` use, over two dicts.

    A successful resolution only builds its graph to write it out: importing networkx for that
    cost a seventh of a second per CLI run, more than some whole warm resolutions.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], dict[str, Any]] = {}

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def add_node(self, node: str, /, **attributes: Any) -> None:
        self.nodes.setdefault(node, {}).update(attributes)

    def has_edge(self, source: str, target: str) -> bool:
        return (source, target) in self.edges

    def add_edge(self, source: str, target: str, /, **attributes: Any) -> None:
        self.nodes.setdefault(source, {})
        self.nodes.setdefault(target, {})
        self.edges.setdefault((source, target), {}).update(attributes)


def success_graph(result: Any) -> PlainGraph:
    """The graph of a finished resolution, from resolvelib's final criteria."""
    graph = PlainGraph()
    graph.add_node(ROOT, version=None)
    for identifier, candidate in result.mapping.items():
        if identifier != PYTHON:
            graph.add_node(candidate.name, version=str(candidate.version), status="pinned")
    for criterion in result.criteria.values():
        for info in criterion.information:
            parent = ROOT if info.parent is None else info.parent.name
            add_requirement(graph, parent, info.requirement)
    return graph


def explored_graph(recorder: Recorder, roots: Iterable[Req]) -> nx.DiGraph[str]:
    """The graph of a failed resolution: each package at the first version the resolver tried.

    Edges are the union over every version tried, each remembering which versions asked for it
    (`via_versions`, newest first): the resolver may have stopped reading the newest version's
    requirements at the clash, so a chain to a culprit can run through an older one. The edge's
    `specifier` joins what all of them asked, which no single version may ask (`>=2.2,<4.0,>=4.2`):
    `parent_versions` keeps each tried version's own specifier (None: it does not ask for it).
    """
    graph = new_graph()
    for req in roots:
        add_requirement(graph, ROOT, req)
    frontier = [ROOT]
    visited = {ROOT}
    while frontier:
        node = frontier.pop(0)
        own: dict[str, dict[str, list[str]]] = {}  # child -> each version's own specifiers
        tried = _requirements_of(recorder, node)
        for candidate, reqs in tried:
            if candidate is not None and graph.nodes[node].get("status") != "tried":
                graph.nodes[node].update(version=str(candidate.version), status="tried")
            for asked in reqs:
                if asked.name in (PYTHON, node):  # `x[extra]` asks for `x` itself: not an edge
                    continue
                add_requirement(graph, node, asked)
                if candidate is not None:
                    via = graph.edges[node, asked.name].setdefault("via_versions", [])
                    if str(candidate.version) not in via:
                        via.append(str(candidate.version))
                    own.setdefault(asked.name, {}).setdefault(str(candidate.version), []).append(str(asked.specifier))
                if asked.name not in visited:
                    visited.add(asked.name)
                    frontier.append(asked.name)
        versions = list(dict.fromkeys(str(c.version) for c, _ in tried if c is not None))  # newest first
        for child, by_version in own.items():
            graph.edges[node, child]["parent_versions"] = [
                {"version": v, "specifier": _joined(by_version[v]) if v in by_version else None} for v in versions
            ]
    for node in graph.nodes:
        if node != ROOT:
            graph.nodes[node]["versions_tried"] = recorder.versions_tried(node)
    return graph


def _joined(specifiers: list[str]) -> str:
    """One version's specifiers for a package (two lines, or `x` and `x[extra]`), each clause once."""
    return ",".join(dict.fromkeys(c for s in specifiers for c in s.split(",") if c))


def _requirements_of(recorder: Recorder, node: str) -> Sequence[tuple[Candidate | None, list[AnyReq]]]:
    """Every tried version of a package (its extras included) with what it asked for, newest first."""
    if node == ROOT:
        return [(None, recorder.edges.get(None, []))]
    found: list[tuple[Candidate, list[AnyReq]]] = []
    for identifier, tried in recorder.pins.items():
        if identifier.split("[")[0] != node:
            continue
        for candidate in tried:
            if isinstance(candidate, Candidate):
                found.append((candidate, recorder.edges.get((identifier, str(candidate.version)), [])))
    found.sort(key=lambda item: item[0].version, reverse=True)
    return found


def node_label(graph: nx.DiGraph[str], node: str) -> str:
    version = graph.nodes[node].get("version")
    return f"{node}=={version}" if version else node


def path_labels(graph: nx.DiGraph[str], node: str) -> list[str]:
    """The chain from the user's line to `node`: `["requirements.in:7", "a==1.0", "node==2.0"]`.

    Each package on the way is shown at the newest version that asked for the next one.
    """
    import networkx as nx

    try:
        path = nx.shortest_path(graph, ROOT, node)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return [node_label(graph, node)] if node in graph else [node]
    first_edge = graph.edges[ROOT, path[1]]
    sources = first_edge.get("sources") or []
    head = [f"{sources[0]['file']}:{sources[0]['line']}"] if sources else []
    labels = []
    for here, after in zip(path[1:], [*path[2:], None], strict=True):
        via = graph.edges[here, after].get("via_versions") if after is not None else None
        labels.append(f"{here}=={via[0]}" if via else node_label(graph, here))
    return head + labels


def input_source(graph: nx.DiGraph[str], node: str) -> Source | None:
    """The user's line at the top of the shortest chain to `node`."""
    import networkx as nx

    try:
        path = nx.shortest_path(graph, ROOT, node)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    if len(path) < 2:
        return None
    sources: list[Source] = graph.edges[ROOT, path[1]].get("sources") or []
    return sources[0] if sources else None


def to_node_link(graph: nx.DiGraph[str] | PlainGraph) -> ReportGraph:
    """The node-link form of the JSON report: `{"nodes": [...], "edges": [...]}`, stable order."""
    if isinstance(graph, PlainGraph):  # the shape networkx's node_link_data gives, keys in its order
        data = {
            "nodes": [{**attributes, "id": node} for node, attributes in graph.nodes.items()],
            "edges": [{**attributes, "source": s, "target": t} for (s, t), attributes in graph.edges.items()],
        }
    else:
        import networkx as nx

        data = nx.node_link_data(graph, edges="edges")
    data["nodes"].sort(key=lambda n: (n["id"] != ROOT, n["id"]))
    data["edges"].sort(key=lambda e: (e["source"] != ROOT, e["source"], e["target"]))
    # The node and edge attributes are those report v1's GraphNode and GraphEdge list (checked in the tests).
    return cast("ReportGraph", {"nodes": data["nodes"], "edges": data["edges"]})


def from_node_link(data: dict[str, Any]) -> nx.DiGraph[str]:
    import networkx as nx

    # Directed, as said: node_link_graph's declared return is any graph.
    return cast("nx.DiGraph[str]", nx.node_link_graph({"directed": True, "multigraph": False, **data}, edges="edges"))
