"""Synthetic dependency graphs of any size, shaped like real ones, for drawing tests and benchmarks.

Real requirement graphs are shallow and wide with a few very popular leaves (`typing-extensions`,
`packaging`, `six`): each package here depends on a handful of later packages, chosen with a bias
towards the popular ones, and the input asks for about one package in twenty. One package clashes,
with two culprit parents, so the conflict's subgraph can be drawn too.
"""

from __future__ import annotations

import random

import networkx as nx

from resolver.resolution.graph import ROOT, new_graph

SPECIFIERS = ["", ">=1.0", ">=2.3,<3", "~=4.1", "!=1.5.0,>=1.2", "<5", "==2.2.*"]


def synthetic_graph(size: int, *, seed: int = 1, conflict: bool = True) -> nx.DiGraph:
    """A graph of `size` packages (plus the input) and about 2.5 edges per package."""
    rng = random.Random(seed)
    names = [f"package-{i:04d}-{rng.choice(['core', 'utils', 'client', 'django-app', 'py'])}" for i in range(size)]
    graph = new_graph()
    for name in names:
        graph.add_node(name, version=f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}", status="pinned")
    top = max(1, size // 20)
    for line, name in enumerate(names[:top], start=1):
        graph.add_edge(
            ROOT,
            name,
            specifier=rng.choice(SPECIFIERS),
            marker=None,
            extras=[],
            text=name,
            sources=[{"file": "requirements.in", "line": line}],
        )
    # Levels as deep as real graphs get (about 8): a package depends on packages one or two
    # levels down, most often, or on the popular leaves at the bottom.
    depth = 8
    level = [1 + min(depth - 1, int((i - top) * depth / max(1, size - top))) if i >= top else 0 for i in range(size)]
    by_level: dict[int, list[int]] = {}
    for i, lvl in enumerate(level):
        by_level.setdefault(lvl, []).append(i)
    popularity = [1.0] * size
    for i in range(size):
        levels = {lvl for lvl in (level[i] + 1, level[i] + 2, depth) if level[i] < lvl <= depth}
        deeper = [j for lvl in sorted(levels) for j in by_level.get(lvl, [])]
        if not deeper:
            continue
        weights = [popularity[j] for j in deeper]
        for j in set(rng.choices(deeper, weights=weights, k=rng.choice([0, 1, 2, 3, 3, 4, 6]))):
            graph.add_edge(
                names[i],
                names[j],
                specifier=rng.choice(SPECIFIERS),
                marker='python_version < "3.12"' if rng.random() < 0.05 else None,
                extras=[],
                text=names[j],
                sources=[],
            )
            popularity[j] += 1.0
    # Every package is there because something asked for it.
    for j in range(top, size):
        if graph.in_degree(names[j]) == 0:
            parent = rng.choice([i for lvl in range(level[j]) for i in by_level.get(lvl, [])])
            graph.add_edge(names[parent], names[j], specifier="", marker=None, extras=[], text=names[j], sources=[])
    if conflict and size >= 4:
        target = max(range(top, size), key=lambda j: graph.in_degree(names[j]))
        graph.nodes[names[target]].update(conflict=True, status="tried")
        for parent in sorted(graph.predecessors(names[target]))[:2]:
            graph.edges[parent, names[target]]["clash"] = True
            if parent != ROOT:
                graph.nodes[parent]["culprit"] = True
    return graph
