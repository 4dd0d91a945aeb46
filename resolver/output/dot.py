"""The dependency graph as Graphviz DOT, to draw it (GraphML, to download it, is in `graphml`).

The web page draws the graph as an SVG made on the server by Graphviz `dot`:
it lays out a thousand nodes in about a second where browser-side layout takes many, and an SVG
whose nodes are real links works without JavaScript and in tests. This module only writes the DOT
text; running Graphviz is the web app's business (`conflicts/web/graphsvg.py`).

What the drawing must say at a glance: the clashing package, the constraints that clash and the
parents that supply them. Each is marked by colour *and* by a second signal (a double border, a
dashed border, a thick line, bold text), so the picture reads without colour too, and each carries
a CSS class and a stable id so the page can style and address it.

Every name, specifier and marker comes from untrusted index data, so every string is escaped for
the layer that will read it. Graphviz reads a string three times over: the DOT lexer (`\\"`),
then, in some attributes, escape sequences such as `\\N` (the node's name) and HTML entities, and
finally it writes the SVG, where it leaves entities it finds alone. So text goes into the DOT
already XML-escaped (no raw `<`, `>`, `&`, `"` reaches Graphviz, and `&amp;` in a name is drawn as
`&amp;`), labels are HTML-like labels (where a backslash is just a backslash), and the few plain
strings that Graphviz expands have their backslashes doubled or turned into entities.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

import networkx as nx

from resolver.output.ranges import asked_ranges
from resolver.resolution.graph import ROOT

Focus = Literal["conflict", "all"]

# Above this many drawn nodes `to_dot` draws compactly (see there): measured with Graphviz 2.43 on
# synthetic graphs shaped like real ones, the full drawing takes 0.3 s at 100 nodes, 0.7 s at 150
# and 2.6 s at 300 nodes.
COMPACT_ABOVE = 120
# Above this many, compact drawings use straight edges: spline routing is then a third of the
# time (of graphviz-pure's above all), and curves no longer make a hairball easier to follow.
STRAIGHT_ABOVE = 500
LABEL_RANGES = 3  # ranges of a parent's versions on an edge's label, the newest; the tooltip has all

# C0/C1 controls, lone surrogates and the two non-characters cannot appear in XML 1.0 (or would
# break the UTF-8 the renderer reads); they become U+FFFD so a hostile name still draws.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Characters a link may keep as they are; everything else is percent-encoded (see `_href`).
_URL_SAFE = "/:?#[]@!$&()*+,;=%-._~"
_CANONICAL = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

FONT = "Helvetica"  # Graphviz and graphviz-pure both have its metrics; the SVG says "Helvetica,sans-Serif"
# role: (line, fill, text). Text keeps a contrast of at least 4.5:1 on its fill (WCAG AA), dimmed
# text included; only dimmed lines are lighter.
COLOURS = {
    "conflict": ("#b00020", "#fde7ea", "#b00020"),
    "culprit": ("#a34700", "#fff1e0", "#8a3c00"),
    "path": ("#404040", "#ffffff", "#000000"),
    "package": ("#404040", "#ffffff", "#000000"),
    "dim": ("#b8b8b8", "#f6f6f6", "#636363"),
    "input": ("#1a4f8b", "#e8f0fb", "#1a4f8b"),
    "edge": ("#606060", "", "#505050"),
}


# -- escaping ---------------------------------------------------------------------------------


def _clean(text: object) -> str:
    return _UNSAFE.sub("\ufffd", str(text))


def _xml(text: object) -> str:
    """Text for an HTML-like label: XML-escaped, so it can only ever be text."""
    return html.escape(_clean(text), quote=True)


@functools.lru_cache(maxsize=4096)
def dot_id(text: object) -> str:
    """A quoted DOT identifier (node names): no quote or backslash is left for the lexer to read."""
    return '"' + _xml(text).replace("\\", "&#92;") + '"'


def tooltip(*lines: object) -> str:
    """A quoted DOT string for a tooltip, one line per argument.

    Graphviz expands tooltips twice (the lexer, then escapes such as `\\N`), so a backslash is
    written four times; lines are joined by an entity, which Graphviz copies into the SVG as is.
    """
    return '"' + "&#10;".join(_xml(line).replace("\\", "\\\\\\\\") for line in lines) + '"'


def html_label(*lines: str) -> str:
    """An HTML-like label from lines of markup that the caller built from `_xml`-escaped text."""
    return "<" + "<BR/>".join(lines) + ">"


def _href(url: str) -> str:
    """A link as a DOT string: percent-encoded, then `&` as an entity (Graphviz 2.43 copies URLs raw)."""
    return '"' + quote(_clean(url), safe=_URL_SAFE).replace("&", "&amp;") + '"'


def slug(name: str) -> str:
    """A part of an HTML id for a package: the canonical name itself, else `_` and a hash.

    Canonical names never contain `_` or `--`, so the ids built from slugs cannot collide.
    """
    if _CANONICAL.match(name):
        return name
    return "_" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def node_id(name: str, prefix: str = "") -> str:
    """The SVG id of a node: `input` for the user's files, `pkg-<name>` for a package."""
    return f"{prefix}input" if name == ROOT else f"{prefix}pkg-{slug(name)}"


def edge_id(source: str, target: str, prefix: str = "") -> str:
    """The SVG id of an edge: `req-<name>` for the user's line, `dep-<parent>--<name>` otherwise."""
    if source == ROOT:
        return f"{prefix}req-{slug(target)}"
    return f"{prefix}dep-{slug(source)}--{slug(target)}"


# -- which nodes to draw ----------------------------------------------------------------------


def conflict_nodes(graph: nx.DiGraph[str]) -> set[str]:
    """The clashing packages."""
    return {n for n, data in graph.nodes(data=True) if data.get("conflict")}


def culprit_nodes(graph: nx.DiGraph[str]) -> set[str]:
    """The parents that supply a clashing constraint (the user's input itself is not one)."""
    culprits = {n for n, data in graph.nodes(data=True) if data.get("culprit")}
    culprits |= {u for u, _, data in graph.edges(data=True) if data.get("clash")}
    culprits.discard(ROOT)
    return culprits


def focus_nodes(graph: nx.DiGraph[str], focus: Focus = "conflict") -> set[str]:
    """The nodes a drawing with this focus shows.

    "conflict": the clashing packages, the culprit parents and every node on a path from the
    input to one of them (a node the input reaches and that reaches one of them), plus the input.
    A graph without a conflict has nothing to focus on, so it is shown whole, as with "all".
    """
    if focus not in ("conflict", "all"):
        raise ValueError(f"focus must be 'conflict' or 'all', not {focus!r}")
    targets = conflict_nodes(graph) | culprit_nodes(graph)
    if focus == "all" or not targets:
        return set(graph.nodes)
    keep = set(targets)
    if ROOT in graph:
        reachable = nx.descendants(graph, ROOT) | {ROOT}
        keep.add(ROOT)
        for target in targets:
            keep |= nx.ancestors(graph, target) & reachable
    return keep


def _tree(graph: nx.DiGraph[str], nodes: set[str]) -> dict[str, tuple[int, str | None]]:
    """A breadth-first tree of `nodes` from the input: node -> (depth, parent), sorted by name.

    Each node's parent is the first, by name, on a shortest path from the input.
    """
    if ROOT not in nodes:
        return {}
    tree: dict[str, tuple[int, str | None]] = {ROOT: (0, None)}
    frontier = [ROOT]
    while frontier:
        following = []
        for parent in frontier:
            for child in sorted(graph.successors(parent)):
                if child in nodes and child not in tree:
                    tree[child] = (tree[parent][0] + 1, parent)
                    following.append(child)
        frontier = following
    return tree


def _drawing_order(nodes: set[str], tree: dict[str, tuple[int, str | None]], targets: list[str]) -> list[str]:
    """The nodes by importance, for `max_nodes`: the input, the chains to each clash, then by depth.

    Any first part of this list holds the tree parent of each node in it, so cutting it keeps
    every drawn node's chain back to the input whole.
    """
    order: dict[str, None] = {}
    if ROOT in tree:
        order[ROOT] = None
    for target in targets:
        if target not in nodes:
            continue
        chain = []
        node: str | None = target
        while node is not None and node not in order:
            chain.append(node)
            node = tree[node][1] if node in tree else None
        order.update(dict.fromkeys(reversed(chain)))
    unreachable = len(nodes) + 1
    rest = sorted(nodes - order.keys(), key=lambda n: (tree[n][0] if n in tree else unreachable, n))
    order.update(dict.fromkeys(rest))
    return list(order)


# -- the drawing ------------------------------------------------------------------------------


def _input_label(graph: nx.DiGraph[str]) -> str:
    """The input's name: the files the user's lines came from, `requirements.in` when unknown."""
    files: dict[str, None] = {}
    for _, _, data in graph.out_edges(ROOT, data=True) if ROOT in graph else ():
        for source in data.get("sources") or ():
            files[str(source.get("file"))] = None
    return " + ".join(files) or "requirements.in"


def _source_lines(data: dict[str, Any]) -> list[str]:
    return [f"{s.get('file')}:{s.get('line')}" for s in data.get("sources") or ()]


class _Drawing:
    """What every node and edge statement needs to know about the whole drawing."""

    def __init__(self, graph: nx.DiGraph[str], link: Callable[[str], str] | None, prefix: str) -> None:
        self.graph = graph
        self.link = link
        self.prefix = prefix
        self.conflicts = conflict_nodes(graph)
        self.culprits = culprit_nodes(graph)
        self.has_conflict = bool(self.conflicts | self.culprits)
        # The conflict's subgraph, whatever is drawn: outside it, nodes and edges are dimmed.
        self.in_focus = focus_nodes(graph, "conflict") if self.has_conflict else set(graph.nodes)

    def node_classes(self, name: str) -> list[str]:
        if name == ROOT:
            return ["input"]
        data = self.graph.nodes[name]
        classes = ["package"]
        if data.get("status") in ("pinned", "tried"):
            classes.append(data["status"])
        if name in self.conflicts:
            classes.append("conflict")
        elif name in self.culprits:
            classes.append("culprit")
        elif self.has_conflict:
            classes.append("path" if name in self.in_focus else "dim")
        return classes

    def node(self, name: str, *, compact: bool = False) -> str:
        """One node; `compact` moves the user's line from the input's edge into the label."""
        classes = self.node_classes(name)
        role = classes[-1] if classes[-1] in COLOURS else "package"
        colour, fill, text_colour = COLOURS[role]
        attrs: dict[str, str] = {
            "id": f'"{node_id(name, self.prefix)}"',
            "class": '"' + " ".join(classes) + '"',
            "color": f'"{colour}"',
            "fontcolor": f'"{text_colour}"',
            "fillcolor": f'"{fill}"',
        }
        if name == ROOT:
            text = _input_label(self.graph)
            attrs.update(shape="note", style='"filled"', penwidth="1.5")
            attrs["label"] = html_label(f"<B>{_xml(text)}</B>")
            attrs["tooltip"] = tooltip(text, "your requirements")
            return f"  {dot_id(name)} [{_attrs(attrs)}];"
        data = self.graph.nodes[name]
        version = data.get("version")
        name_markup = _xml(name)
        notes = [f"{name}=={version}" if version else name]
        if role == "conflict":
            # Second signal beyond colour: a double border, a thick pen and bold text.
            name_markup = f"<B>{name_markup}</B>"
            attrs.update(peripheries="2", penwidth="2.5", style='"rounded,filled,bold"')
            notes.append("conflict: no version meets every constraint")
        elif role == "culprit":
            # Second signal: a dashed, thick border and bold text.
            name_markup = f"<B>{name_markup}</B>"
            attrs.update(penwidth="2.5", style='"rounded,filled,dashed"')
            notes.append("supplies a clashing constraint")
        elif role == "dim":
            attrs["penwidth"] = "0.8"
        tried = data.get("versions_tried") or []
        if len(tried) > 1:
            notes.append("versions tried: " + ", ".join(map(str, tried)))
        label = [name_markup, _xml(version or "no version")]
        if compact and self.graph.has_edge(ROOT, name):
            edge = self.graph.edges[ROOT, name]
            asked = ", ".join(_source_lines(edge)) + " " + str(edge.get("specifier") or "")
            label.append(f'<FONT POINT-SIZE="9">{_xml(asked.strip())}</FONT>')
        attrs["label"] = html_label(*label)
        attrs["tooltip"] = tooltip(*notes)
        if self.link is not None:
            attrs["URL"] = _href(self.link(name))
            attrs["target"] = '"_top"'
        return f"  {dot_id(name)} [{_attrs(attrs)}];"

    def edge(self, u: str, v: str, *, compact: bool = False, ranks: bool = True) -> str:
        """One edge; `compact` keeps the clashing edges' labels only (the user's line moves into
        the node), and `ranks=False` lets the edge run free of the layout's ranks (see `to_dot`)."""
        data = self.graph.edges[u, v]
        classes = ["input"] if u == ROOT else []
        if data.get("clash"):
            # Second signal beyond colour: a thick line and a bold label.
            classes.append("clash")
            (colour, _, text_colour), pen, style = COLOURS["conflict"], "2.8", "bold"
        elif self.has_conflict and not (u in self.in_focus and v in self.in_focus):
            classes.append("dim")
            (colour, _, text_colour), pen, style = COLOURS["dim"], "0.8", "solid"
        else:
            if self.has_conflict:
                classes.append("path")
            (colour, _, text_colour), pen, style = COLOURS["edge"], "1.2", "solid"
        extras = data.get("extras") or []
        specifier = (f"[{','.join(map(str, extras))}]" if extras else "") + str(data.get("specifier") or "")
        # Versions of the parent asking different things: each range its own, never all joined.
        ranges = asked_ranges(data.get("parent_versions") or [])
        shown = ranges[-LABEL_RANGES:] if ranges else [specifier or "any"]
        lines = [f"<B>{_xml(line)}</B>" if data.get("clash") else _xml(line) for line in shown]
        if len(ranges) > LABEL_RANGES:
            lines.insert(0, _xml(f"… {len(ranges) - LABEL_RANGES} older ranges"))
        sources = _source_lines(data)
        if sources:
            lines.append(_xml(", ".join(sources)))
        notes = [f"{u} asks {v}: {'; '.join(ranges)}"] if ranges else [str(data.get("text") or f"{v}{specifier}")]
        if data.get("marker"):
            notes[0] += f" ; {data['marker']}"
        if sources:
            notes.append(", ".join(sources))
        if data.get("clash"):
            notes.append("clashing constraint")
        attrs = {
            "id": f'"{edge_id(u, v, self.prefix)}"',
            "class": '"' + " ".join(classes) + '"',
            "color": f'"{colour}"',
            "fontcolor": f'"{text_colour}"',
            "penwidth": pen,
            "style": style,
            "tooltip": tooltip(*notes),
        }
        if not compact:
            attrs["label"] = html_label(*lines)
            attrs["labeltooltip"] = attrs["tooltip"]
        elif data.get("clash"):
            # Any `label` doubles every edge's length in ranks (and the layout's work with it);
            # an external label is placed after the layout, at no such cost.
            attrs["xlabel"] = html_label(*lines)
        if not ranks:
            attrs["constraint"] = "false"
        if data.get("marker"):
            attrs["arrowhead"] = "empty"  # a conditional requirement: a hollow arrow
        return f"  {dot_id(u)} -> {dot_id(v)} [{_attrs(attrs)}];"


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in attrs.items())


def to_dot(
    graph: nx.DiGraph[str],
    *,
    focus: Focus = "conflict",
    link: Callable[[str], str] | None = None,
    max_nodes: int | None = None,
    id_prefix: str = "",
    compact: bool | None = None,
) -> str:
    """The graph as Graphviz DOT text, deterministic for a given graph (so it can key a cache).

    `focus="conflict"` draws the conflict's subgraph (`focus_nodes`); a graph without a conflict
    is drawn whole. `link(name)` gives each package node's URL (the SVG then holds real `<a>`
    links); it should return a path or URL, which is percent-encoded here. `max_nodes` keeps the
    most important nodes (`_drawing_order`) and adds a node saying how many were left out.
    `id_prefix` is put before every id, so two drawings can share one HTML page.

    SVG classes (Graphviz puts `node`/`edge` first): nodes `input`, `package` plus `pinned` or
    `tried`, and one of `conflict`, `culprit`, `path` (on a chain to the clash) or `dim`; edges
    `input` (from the user's line) and one of `clash`, `path` or `dim`; the cut-off note `more`.
    `path` and `dim` appear only when the graph has a conflict.

    `compact` (by default: more than `COMPACT_ABOVE` nodes drawn) trades looks for layout time,
    which `dot` spends on edges that span many ranks and on edge labels: only a breadth-first
    tree of edges from the input sets the ranks (a package sits at its shortest distance from
    your lines), only clashing edges keep their labels, as external labels placed after the
    layout (the user's line moves into its package's label; every edge keeps its tooltip), and
    the crossing and positioning searches are cut short; above `STRAIGHT_ABOVE` nodes edges are
    straight lines. That keeps a 1,000-node graph near one second, not over a minute.
    """
    if max_nodes is not None and max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    if id_prefix and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        raise ValueError("id_prefix must be a letter followed by letters, digits, '-' or '_'")
    drawing = _Drawing(graph, link, id_prefix)
    drawn = focus_nodes(graph, focus)
    tree = _tree(graph, drawn)
    order = _drawing_order(drawn, tree, sorted(drawing.conflicts) + sorted(drawing.culprits))
    left_out = 0
    if max_nodes is not None and len(order) > max_nodes:
        left_out = len(order) - max_nodes
        order = order[:max_nodes]
    kept = set(order)
    if compact is None:
        compact = len(kept) > COMPACT_ABOVE
    rank_edges = {(parent, child) for child, (_, parent) in tree.items() if parent is not None} if compact else None
    # Layout tuning for big drawings: fewer crossing-minimisation and positioning iterations.
    tuning = ", mclimit=0.1, nslimit=0.2, searchsize=10" if compact else ""
    if compact and len(kept) > STRAIGHT_ABOVE:
        tuning += ", splines=line"
    lines = [
        "digraph dependencies {",
        f'  graph [id="{id_prefix}graph", rankdir=LR, nodesep=0.18, ranksep=0.45, '
        f'fontname="{FONT}", bgcolor="transparent", pad=0.1{tuning}];',
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=11, '
        'margin="0.08,0.03", height=0.3, penwidth=1.2];',
        f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.6];',
    ]
    lines.extend(drawing.node(name, compact=compact) for name in order)
    # Highlighted edges last, so they are drawn on top of the others.
    edges = sorted(
        ((u, v) for u, v in graph.edges if u in kept and v in kept),
        key=lambda e: (bool(graph.edges[e].get("clash")), e[0] != ROOT, e),
    )
    lines.extend(
        drawing.edge(u, v, compact=compact, ranks=rank_edges is None or (u, v) in rank_edges) for u, v in edges
    )
    if left_out:
        noun = "package" if left_out == 1 else "packages"
        lines.append(
            f'  "&lt;more&gt;" [id="{id_prefix}more", class="more", shape=plaintext, style="", '
            f'label="{left_out} more {noun} not drawn", fontcolor="#404040"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
