"""The dependency graph as text trees, like pipdeptree's: what each of your lines pulls in, and why
a package is here at all.

A drawing of hundreds of packages is hard to read; a tree that can be folded is not. Each node
says which specifier asked for it and which version was picked (or tried, for a failed
resolution), and carries the clash flags so a page can mark the conflict in the tree too. A
package is expanded once: later occurrences say "(see above)" (or "(see below)" for one of your
own lines that comes later), so cycles end and a popular package does not repeat its whole
subtree; a depth cap bounds the rest.

`TreeNode` is a plain dataclass, so a Django template can render it recursively (one
`<details>`/`<summary>` per node with children) and the CLI can print `text_tree`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from resolver.resolution.graph import ROOT

DEFAULT_MAX_DEPTH = 12  # real graphs are under 10 deep; the cap only stops pathological ones


@dataclass
class TreeNode:
    """One line of a tree.

    In a dependency tree a node is a package its parent requires; in a reverse tree it is a
    package (or one of your lines, `is_input`) that requires its parent. Either way `specifier`,
    `marker`, `extras` and `clash` describe that requirement, and `source` is the user's line
    ("requirements.in:3") when the requirement is one.
    """

    name: str
    version: str | None = None
    status: str | None = None  # "pinned" (resolved) | "tried" (the first version tried, on failure)
    specifier: str = ""
    marker: str | None = None
    extras: list[str] = field(default_factory=list)
    source: str | None = None
    conflict: bool = False  # this package is the one that clashes
    culprit: bool = False  # this package supplies a clashing constraint
    clash: bool = False  # the requirement of this line is one of the clashing constraints
    is_input: bool = False  # this line is the user's own requirement (reverse trees)
    reverse: bool = False  # part of a reverse tree ("requires" rather than "required")
    repeat: Literal["above", "below"] | None = None  # expanded elsewhere, children not repeated
    cycle: bool = False  # an ancestor of itself: the tree stops here
    truncated: bool = False  # the depth cap stopped here; it has children not shown
    children: list[TreeNode] = field(default_factory=list)

    @property
    def label(self) -> str:
        """`name==version`, the name alone when no version, or the user's line for an input."""
        if self.is_input:
            return self.source or self.name
        return f"{self.name}=={self.version}" if self.version else self.name

    @property
    def requirement(self) -> str:
        """The requirement as written: `name[extras]specifier ; marker` (`any` when unconstrained)."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        return f"{extras}{self.specifier or ''}" + (f" ; {self.marker}" if self.marker else "")


def _sources(data: dict[str, Any]) -> list[str]:
    return [f"{s.get('file')}:{s.get('line')}" for s in data.get("sources") or ()]


def _source_key(graph: nx.DiGraph[str], name: str) -> tuple[str, int, str]:
    sources = graph.edges[ROOT, name].get("sources") or [] if graph.has_edge(ROOT, name) else []
    if not sources:
        return ("\uffff", 0, name)
    first = min(sources, key=lambda s: (str(s.get("file")), int(s.get("line") or 0)))
    return (str(first.get("file")), int(first.get("line") or 0), name)


def _asked(edge: dict[str, Any], version: str | None) -> str:
    """What the asking package's shown version itself asks: in a failed run an edge merges what every
    tried version of the parent asked (`parent_versions` keeps each one's own)."""
    for entry in edge.get("parent_versions") or ():
        if version is not None and entry.get("version") == version and entry.get("specifier") is not None:
            return str(entry["specifier"])
    return str(edge.get("specifier") or "")


def _package(
    graph: nx.DiGraph[str], name: str, edge: dict[str, Any], *, reverse: bool = False, asker: str | None = None
) -> TreeNode:
    data = graph.nodes[name]
    return TreeNode(
        name=name,
        version=data.get("version"),
        status=data.get("status"),
        specifier=_asked(edge, graph.nodes[asker].get("version") if asker is not None and asker in graph else None),
        marker=edge.get("marker"),
        extras=list(edge.get("extras") or []),
        conflict=bool(data.get("conflict")),
        culprit=bool(data.get("culprit")),
        clash=bool(edge.get("clash")),
        reverse=reverse,
    )


def dependency_tree(graph: nx.DiGraph[str], *, max_depth: int = DEFAULT_MAX_DEPTH) -> list[TreeNode]:
    """Each of the user's requirements in file order, then what it requires, recursively.

    A package's subtree is shown once, at its first appearance in reading order, except that
    one of the user's own requirements is always expanded at its own line; elsewhere it is
    marked `repeat` ("above" or "below"). Cycles are marked `cycle`. Nodes deeper than
    `max_depth` (the user's lines are depth 0) are not shown; their parent is `truncated`.
    """
    if ROOT not in graph:
        return []
    top = sorted(graph.successors(ROOT), key=lambda n: _source_key(graph, n))
    top_set = set(top)
    expanded: set[str] = set()

    def build(name: str, edge: dict[str, Any], depth: int, path: tuple[str, ...]) -> TreeNode:
        node = _package(graph, name, edge, asker=path[-1] if path else None)
        if depth == 0:
            sources = _sources(edge)
            node.source = ", ".join(sources) if sources else None
        if name in path:
            node.cycle, node.repeat = True, "above"
            return node
        if name in expanded:
            node.repeat = "above"
            return node
        if depth > 0 and name in top_set:
            node.repeat = "below"  # not expanded yet: it will be at the user's own line
            return node
        children = sorted(graph.successors(name))
        if depth >= max_depth:
            node.truncated = bool(children)
            return node
        expanded.add(name)
        node.children = [build(child, graph.edges[name, child], depth + 1, (*path, name)) for child in children]
        return node

    return [build(name, graph.edges[ROOT, name], 0, ()) for name in top]


def reverse_tree(graph: nx.DiGraph[str], name: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> TreeNode:
    """Why `name` is here: who requires it, with which specifier, up to the user's lines.

    The root is `name`; each child is a package that requires its parent node (with that
    requirement's specifier) or, as a leaf with `is_input`, the user's line that does. Repeats,
    cycles and the depth cap are handled as in `dependency_tree`. Raises KeyError for a name
    not in the graph.
    """
    if name not in graph or name == ROOT:
        raise KeyError(name)
    root = _package(graph, name, {}, reverse=True)
    expanded: set[str] = {name}

    def parents(child: str, depth: int, path: tuple[str, ...]) -> list[TreeNode]:
        found: list[TreeNode] = []
        preds = sorted(graph.predecessors(child), key=lambda p: (p != ROOT, p))
        for parent in preds:
            edge = graph.edges[parent, child]
            if parent == ROOT:
                sources: list[str | None] = [*_sources(edge)]
                for source in sources or [None]:
                    node = TreeNode(
                        name=source.rsplit(":", 1)[0] if source else "your requirements",
                        source=source,
                        specifier=str(edge.get("specifier") or ""),
                        marker=edge.get("marker"),
                        extras=list(edge.get("extras") or []),
                        clash=bool(edge.get("clash")),
                        is_input=True,
                        reverse=True,
                    )
                    found.append(node)
                continue
            node = _package(graph, parent, edge, reverse=True, asker=parent)
            if parent in path:
                node.cycle, node.repeat = True, "above"
            elif parent in expanded:
                node.repeat = "above"
            elif depth >= max_depth:
                node.truncated = any(True for _ in graph.predecessors(parent))
            else:
                expanded.add(parent)
                node.children = parents(parent, depth + 1, (*path, parent))
            found.append(node)
        return found

    root.children = parents(name, 1, (name,))
    return root


# -- text ------------------------------------------------------------------------------------


def _describe(node: TreeNode, parent: TreeNode | None) -> str:
    """One line: the node, the requirement that links it to its parent, and its flags."""
    if node.reverse and parent is not None:
        text = f"{node.label} [requires: {parent.name}{node.requirement}]"
    elif node.reverse:
        text = node.label
    elif parent is None:
        where = f", {node.source}" if node.source else ""
        text = f"{node.label} [required: {node.requirement or 'any'}{where}]"
    else:
        picked = "picked" if node.status == "pinned" else "tried"
        text = f"{node.name} [required: {node.requirement or 'any'}, {picked}: {node.version or 'none'}]"
    notes = [
        note
        for flag, note in (
            (node.conflict, "conflict"),
            (node.culprit and not node.clash, "supplies a clashing constraint"),
            (node.clash, "clashing constraint"),
            (node.cycle, "cycle"),
            (node.repeat, f"see {node.repeat}"),
            (node.truncated, "deeper levels not shown"),
        )
        if flag
    ]
    return text + (f"  ({'; '.join(notes)})" if notes else "")


def text_tree(tree: TreeNode | Iterable[TreeNode], *, ascii: bool = False) -> str:
    """A tree (or the list `dependency_tree` returns) as text, one line per node, like pipdeptree.

    Dependency trees read "child [required: >=2, picked: 2.1]" (or "tried:" for a failed
    resolution); reverse trees read "parent==1.0 [requires: child>=2]". `ascii=True` draws the
    branches with `|--` and `` `-- ``.
    """
    roots = [tree] if isinstance(tree, TreeNode) else list(tree)
    branch, last, pipe, space = ("|-- ", "`-- ", "|   ", "    ") if ascii else ("├── ", "└── ", "│   ", "    ")
    lines: list[str] = []

    def walk(node: TreeNode, parent: TreeNode, prefix: str, is_last: bool) -> None:
        lines.append(prefix + (last if is_last else branch) + _describe(node, parent))
        inner = prefix + (space if is_last else pipe)
        for i, child in enumerate(node.children):
            walk(child, node, inner, i == len(node.children) - 1)

    for root in roots:
        lines.append(_describe(root, None))
        for i, child in enumerate(root.children):
            walk(child, root, "", i == len(root.children) - 1)
    return "\n".join(lines) + ("\n" if lines else "")
