"""Turn a stored Report into what the templates show; reads stored data only, never resolves.

The drawn graph is rendered from the stored node-link graph by Graphviz and cached (reports are
immutable); trees and node details come from the same graph.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html

from conflicts.indexes import configured_indexes, offline_choice
from conflicts.models import Report, Status
from conflicts.web.analysis_context import (
    analysis_context,
    combined_view,
    conflict_extras,
    grouped_missing,
    user_specifiers,
)
from conflicts.web.answer import answer, kind_words
from conflicts.web.graphsvg import GraphvizError, render_svg
from resolver.output.dot import Focus, to_dot
from resolver.output.graphml import to_graphml
from resolver.output.ranges import asked_ranges, version_ranges
from resolver.output.tree import dependency_tree, reverse_tree, text_tree
from resolver.resolution.graph import ROOT, from_node_link

# A real-world file with two independent conflicts and ten lines that take no part in them.
REAL_WORLD = """\
# Our company site: Django 3.2 LTS, pinned long ago, with an API and a task queue
django<4
django-filter>=24
djangorestframework
celery>=5.3
kombu<5
redis
whitenoise
gunicorn
psycopg2-binary
sentry-sdk
pillow
django-environ
"""

# One-click examples: real conflicts (and one success) against the bundled offline index.
EXAMPLES = [
    {
        "slug": "drf-on-django-1-11",
        "title": "Django 1.11 with Django REST framework 3.12 or newer (a conflict)",
        "text": "# A Django 1.11 site asking for a newer REST framework\ndjango==1.11.29\ndjangorestframework>=3.12\n",
        "python_version": "3.8",
    },
    {
        "slug": "wagtail-4-on-django-5",
        "title": "Wagtail 4 on Django 5 (a conflict)",
        "text": "django>=5.0\nwagtail<5\n",
        "python_version": "3.11",
    },
    {
        "slug": "django-cms-3-7",
        "title": "django CMS 3.7 on Django 1.11 (needs a build to tell)",
        "text": "# A django CMS 3.7 site on Django 1.11\ndjango==1.11.29\ndjango-cms>=3.7\ndjangocms-text-ckeditor\n",
        "python_version": "3.8",
    },
    {
        "slug": "company-site-two-conflicts",
        "title": "A Django 3.2 site with a current django-filter and Celery 5 (two conflicts)",
        "text": REAL_WORLD,
        "python_version": "3.11",
    },
    {
        "slug": "wagtail-site",
        "title": "A Wagtail, REST framework and Celery site (resolves)",
        "text": "django>=4.2,<5\ndjangorestframework\nwagtail\ncelery[redis]\ndjango-htmx\n",
        "python_version": "3.11",
    },
]
EXAMPLES_BY_SLUG = {example["slug"]: example for example in EXAMPLES}
LARGE_GRAPH = 60  # above this many packages the conflict's subgraph is drawn first
SVG_VERSION = 1  # bump when the drawing changes
LAZY_TREE = 150  # above this many packages the dependency tree is fetched when opened


def _graph(report: Report):
    if not report.result or not report.result.get("graph", {}).get("nodes"):
        return None
    return from_node_link(report.result["graph"])


def default_focus(report: Report, graph: Any) -> Focus:
    has_conflict = any(graph.nodes[n].get("conflict") for n in graph.nodes)
    return "conflict" if has_conflict and len(graph) > 1 else "all"


def dot_source(report: Report, *, focus: str, graph: Any = None) -> str:
    graph = graph if graph is not None else _graph(report)
    if graph is None:
        return "digraph {}\n"
    shown: Focus = "conflict" if focus == "conflict" else "all" if focus == "all" else default_focus(report, graph)

    def link(name: str) -> str:
        return reverse("conflicts:node", args=[report.id, name])

    return to_dot(graph, focus=shown, link=link)


def graph_svg(report: Report, *, focus: str, graph: Any = None) -> str:
    """The drawing, cached by report and focus: a report never changes, so neither does it."""
    key = f"report-svg:{SVG_VERSION}:{report.id}:{focus}"
    svg = cache.get(key)
    if svg is None:
        try:
            svg = render_svg(dot_source(report, focus=focus, graph=graph))
        except GraphvizError as error:
            return format_html('<p class="notice">The graph could not be drawn: {}</p>', error)
        cache.set(key, svg, timeout=None)
    return svg


def graphml(report: Report) -> str:
    graph = _graph(report)
    return to_graphml(graph) if graph is not None else ""


def _source_lines(result: dict[str, Any]) -> dict[str, set[int]]:
    """The user's lines that start a clashing chain, per file, to highlight in the input."""
    lines: dict[str, set[int]] = {}
    for conflict in result.get("conflicts", []) + result.get("diagnoses", []):
        for constraint in conflict.get("constraints", []):
            source = constraint.get("source")
            if source:
                lines.setdefault(source["file"], set()).add(source["line"])
    return lines


def input_files(report: Report) -> list[dict[str, Any]]:
    marked = _source_lines(report.result or {})
    return [
        {
            "name": name,
            "lines": [
                {"number": number, "text": text, "marked": number in marked.get(name, set())}
                for number, text in enumerate(content.splitlines(), start=1)
            ],
        }
        for name, content in report.files.items()
    ]


def _with_parent_names(conflict: dict[str, Any]) -> dict[str, Any]:
    """Each constraint also names its parent without the version ("djangocms-blog"), and groups the
    parent's versions tried into ranges asking for the same thing (each version's own requirement)."""
    constraints = [
        {
            **c,
            "parent_name": (c.get("parent") or "").split("==")[0],
            "ranges": version_ranges(c.get("parent_versions") or []),
        }
        for c in conflict.get("constraints", [])
    ]
    return {**conflict, "constraints": constraints}


def _waited(report: Report) -> str | None:
    """What the user waited, from the upload to the answer (queue, resolution and analyses): '2.4 s'."""
    if not (report.created and report.finished):
        return None
    ms = max(0, int((report.finished - report.created).total_seconds() * 1000))
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def full_index_name() -> str | None:
    """The first configured index that is not the bundled snapshot: where a snapshot's gap is settled."""
    offline = offline_choice()
    return next((choice.name for choice in configured_indexes() if offline is None or choice.url != offline.url), None)


def report_context(report: Report, *, focus: str) -> dict[str, Any]:
    result = report.result or {}
    graph = _graph(report)
    context: dict[str, Any] = {
        "report": report,
        "result": result,
        "finished": report.is_finished,
        "input_files": input_files(report),
        "downloads": [],
    }
    if not report.is_finished:
        return context
    diagnoses = result.get("diagnoses", [])
    allowed = user_specifiers(result)
    grouped = set((grouped_missing(result) or {}).get("packages", []))  # shown as one card
    problems = (
        d
        for d in diagnoses
        if d.get("severity") != "warning" and not (d["kind"] == "not_found" and d.get("package") in grouped)
    )
    context["problems"] = [
        {
            **conflict_extras(d, allowed),
            "kind_words": kind_words("gap" if d.get("gap") else d.get("kind")),
            "anchor": f"problem-{i}",
        }
        for i, d in enumerate(problems, 1)
    ]
    context["warnings"] = [
        {**d, "kind_words": kind_words(d.get("kind"))} for d in diagnoses if d.get("severity") == "warning"
    ]
    context["conflicts"] = [
        {**conflict_extras(_with_parent_names(conflict), allowed), "anchor": f"conflict-{i}"}
        for i, conflict in enumerate(result.get("conflicts", []), 1)
    ]
    context.update(analysis_context(report, result))
    context["waited"] = _waited(report)
    if report.status != Status.RESOLVED and (context["conflicts"] or context["problems"]):
        context["answer"] = answer(context["conflicts"], context["problems"], report.files)
        context["answer"]["combined"] = combined_view(result)
        if result.get("gaps"):  # the answer is "ask an index that holds everything"
            context["answer"]["full_index"] = full_index_name()
    downloads = ["report.json"]
    if graph is not None:
        focus = focus if focus in ("conflict", "all") else default_focus(report, graph)
        context["focus"] = focus
        context["node_count"] = len(graph) - 1
        context["graph_svg"] = graph_svg(report, focus=focus, graph=graph)
        context["tree_lazy"] = len(graph) > LAZY_TREE
        if not context["tree_lazy"]:
            context["tree"] = dependency_tree(graph)
        clashing = [n for n in graph.nodes if graph.nodes[n].get("conflict")]
        context["why"] = [reverse_tree(graph, name) for name in clashing]
        downloads += ["graph.json", "graph.graphml", "graph.dot"]
    if report.status == Status.RESOLVED:
        downloads = ["requirements.txt", "requirements.urls", *downloads]
    context["downloads"] = downloads
    return context


def tree_context(report: Report) -> dict[str, Any]:
    """The whole dependency tree; as text for big graphs, where nested HTML costs seconds."""
    graph = _graph(report)
    if graph is None:
        return {"report": report, "tree": [], "tree_text": ""}
    tree = dependency_tree(graph)
    if len(graph) > LAZY_TREE:
        return {"report": report, "tree": [], "tree_text": text_tree(tree)}
    return {"report": report, "tree": tree, "tree_text": ""}


def node_context(report: Report, name: str) -> dict[str, Any] | None:
    graph = _graph(report)
    if graph is None or name not in graph or name == ROOT:
        return None
    data = graph.nodes[name]
    required_by = []
    for parent in graph.predecessors(name):
        edge = graph.edges[parent, name]
        where = [f"{s['file']}:{s['line']}" for s in edge.get("sources", [])]
        ranges = asked_ranges(edge.get("parent_versions") or [])
        required_by.append(
            {
                "parent": "your input" if parent == ROOT else parent,
                "parent_version": None if parent == ROOT or ranges else graph.nodes[parent].get("version"),
                "specifier": edge.get("specifier") or "any version",
                "ranges": ranges,  # versions of the parent asking different things: each its own
                "marker": edge.get("marker"),
                "where": where,
                "clash": edge.get("clash", False),
            }
        )
    version = data.get("version")
    requires = [_requires(version, child, graph.edges[name, child]) for child in graph.successors(name)]
    return {
        "report": report,
        "name": name,
        "node": data,
        "required_by": sorted(required_by, key=lambda r: (not r["clash"], r["parent"])),
        "requires": sorted(requires, key=lambda r: r["name"]),
        "why": reverse_tree(graph, name),
    }


def _requires(version: str | None, child: str, edge: dict[str, Any]) -> dict[str, Any]:
    """What a package at its shown version asks of `child`, and what its other versions ask when
    that differs (the edge's own specifier joins them all)."""
    entries = edge.get("parent_versions") or []
    own = next((e for e in entries if e["version"] == version), None)
    ranges = asked_ranges(entries)
    if own is None:  # the edge's joined specifier only when no version asks something else
        specifier = None if ranges else edge.get("specifier") or "any version"
    else:
        specifier = "not at this version" if own["specifier"] is None else own["specifier"] or "any version"
    return {"name": child, "specifier": specifier, "ranges": ranges}
