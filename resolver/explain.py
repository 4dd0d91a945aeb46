"""ResolutionImpossible -> the conflicts and diagnoses of the report, naming the real culprits.

resolvelib reports the requirements of the last clash only, with the parent versions it happened to
be trying when it gave up (after backtracking, usually the oldest). Users need the opposite: for
each clashing package, every constraint on it, the parent at the version they would get (the first
the resolver tried: the newest allowed), every version of that parent that was tried and what each
asked for, and the chain back to their own line. This module builds that from the provider's
classified index data and the recorder's full history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from resolver.graph import ROOT, Recorder, add_requirement, input_source, path_labels
from resolver.provider import Provider
from resolver.requirements import PYTHON, Candidate, Req
from resolver.urls import redact


def merged_specifier(specifiers: Iterable[str]) -> str:
    """Join specifiers in the order given, each clause once: pip-reqs's `==1.11.29,>2.0`."""
    clauses: dict[str, None] = {}
    for specifier in specifiers:
        for clause in specifier.split(","):
            if clause.strip():
                clauses[clause.strip()] = None
    return ",".join(clauses)


def _spec(text: str) -> SpecifierSet:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return SpecifierSet()


class Explainer:
    def __init__(self, provider: Provider, recorder: Recorder, graph: nx.DiGraph, roots: list[Req]) -> None:
        self.provider = provider
        self.recorder = recorder
        self.graph = graph
        self.roots = roots

    # -- constraints ------------------------------------------------------------------------

    def input_constraints(self, name: str) -> list[dict[str, Any]]:
        found = []
        for req in self.roots:
            if req.name == name and req.origin is not None:
                found.append(self._root_constraint(req, kind="requirement"))
        for constraint in self.provider.constraint_lines.get(name, []):
            found.append(self._root_constraint(constraint, kind="constraint"))
        return found

    def _root_constraint(self, req: Req, *, kind: str) -> dict[str, Any]:
        origin = req.origin
        assert origin is not None
        return {
            "specifier": str(req.specifier),
            "parent": None,
            "source": {"file": origin.file, "line": origin.line},
            "path": [str(origin)],
            "kind": kind,
            "text": req.text,
        }

    def parent_constraint(self, name: str, parent: Candidate, fallback: Req) -> dict[str, Any]:
        """The constraint a parent package puts on `name`, at the version the user would get."""
        tried = [c for c in self.recorder.pins.get(parent.identifier, []) if isinstance(c, Candidate)]
        first = tried[0] if tried else parent
        per_version = []
        for candidate in tried or [parent]:
            reqs = self.recorder.edges.get((candidate.identifier, str(candidate.version)), [])
            asked = [r for r in reqs if isinstance(r, Req) and r.name == name]
            per_version.append(
                {
                    "version": str(candidate.version),
                    "specifier": merged_specifier(str(r.specifier) for r in asked) if asked else None,
                }
            )
        first_reqs = [
            r
            for r in self.recorder.edges.get((first.identifier, str(first.version)), [])
            if isinstance(r, Req) and r.name == name
        ]
        req = first_reqs[0] if first_reqs else fallback
        if not first_reqs:
            first = parent
        parent_pin = first.pin()
        self._mark(first.name, str(first.version), name, req)
        return {
            "specifier": str(req.specifier),
            "parent": parent_pin,
            "source": input_source(self.graph, first.name),
            "path": path_labels(self.graph, first.name),
            "kind": "dependency",
            "text": req.text,
            "marker": req.marker,
            "parent_versions": per_version,
        }

    def _mark(self, parent: str, version: str, name: str, req: Req) -> None:
        """Highlight the clash in the graph: the parent, its edge to `name`, and `name`."""
        if parent not in self.graph:
            self.graph.add_node(parent, version=version)
        if not self.graph.has_edge(parent, name):
            add_requirement(self.graph, parent, req)
        self.graph.nodes[parent]["culprit"] = True
        self.graph.edges[parent, name]["clash"] = True

    def constraints_for(self, name: str, causes: list[Any]) -> list[dict[str, Any]]:
        constraints = self.input_constraints(name)
        seen_parents: set[str] = set()
        for cause in causes:
            parent = cause.parent
            if parent is None or not isinstance(parent, Candidate) or parent.identifier in seen_parents:
                continue
            if parent.name == name:
                continue  # `x[extra]` requiring its own base version
            seen_parents.add(parent.identifier)
            constraints.append(self.parent_constraint(name, parent, cause.requirement))
        if name in self.graph:
            self.graph.nodes[name]["conflict"] = True
            if self.graph.has_edge(ROOT, name):
                self.graph.edges[ROOT, name]["clash"] = True
        return constraints

    # -- classification ---------------------------------------------------------------------

    def explain(self, causes: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        by_name: dict[str, list[Any]] = {}
        for cause in causes:
            by_name.setdefault(cause.requirement.name, []).append(cause)
        conflicts: list[dict[str, Any]] = []
        diagnoses: list[dict[str, Any]] = []
        for name, group in by_name.items():
            if name == PYTHON:
                diagnoses.extend(self.python_diagnoses(group))
                continue
            constraints = self.constraints_for(name, group)
            kind, message = self.classify(name, constraints)
            if kind == "conflict":
                conflicts.append(self.conflict(name, constraints))
            else:
                diagnoses.append({"kind": kind, "package": name, "message": message, "constraints": constraints})
        return conflicts, diagnoses

    def conflict(self, name: str, constraints: list[dict[str, Any]]) -> dict[str, Any]:
        merged = merged_specifier(c["specifier"] for c in constraints)
        versions = []
        specs = [_spec(c["specifier"]) for c in constraints]
        pre = True if self.provider.pre else None
        for version in sorted(self.provider.version_files(name), reverse=True):
            entry = self.provider.version_files(name)[version]
            if not entry.available:
                continue
            satisfies = [i for i, spec in enumerate(specs) if spec.contains(version, prereleases=pre)]
            if satisfies:
                versions.append({"version": str(version), "satisfies": satisfies})
        return {
            "package": name,
            "specifier": merged,
            "message": f"Could not find a version that matches {name}{merged}",
            "constraints": constraints,
            "versions": versions,
        }

    def classify(self, name: str, constraints: list[dict[str, Any]]) -> tuple[str, str]:
        """Tell a conflict from a missing project, a missing version, or no usable file."""
        project = self.provider.project(name)
        if project is None:
            return "not_found", f"No project named {name!r} was found on the index"
        files = self.provider.version_files(name)
        all_versions = sorted(files, reverse=True)
        usable = [v for v in all_versions if files[v].available]
        pre = True if self.provider.pre else None
        unreadable = {version for (package, version) in self.provider.unavailable if package == name}
        for constraint in constraints:
            spec = _spec(constraint["specifier"])
            matching = [v for v in all_versions if spec.contains(v, prereleases=pre)]
            readable = [v for v in matching if v in usable and v not in unreadable]
            if matching and not readable and [v for v in matching if v in unreadable]:
                return "metadata_unavailable", (
                    f"{name} {_version_range([v for v in matching if v in unreadable])} match "
                    f"{name}{constraint['specifier']}, but their dependencies can only be known by running "
                    "their build, which Conflict Explorer never does"
                )
            who = constraint["parent"] or constraint["path"][0]
            if not matching:
                return "not_found", (
                    f"No version of {name} matches {name}{constraint['specifier']} "
                    f"(required by {who}); the index has {_version_range(all_versions)}"
                )
            if not [v for v in matching if v in usable]:
                return "no_compatible_distribution", self._unusable(name, matching)
        joint = SpecifierSet()
        for constraint in constraints:
            joint &= _spec(constraint["specifier"])
        together = [v for v in all_versions if joint.contains(v, prereleases=pre)]
        if together and not [v for v in together if v in usable]:
            return "no_compatible_distribution", self._unusable(name, together)
        return "conflict", ""

    def _unusable(self, name: str, versions: list[Version]) -> str:
        target = self.provider.target
        reasons: dict[str, None] = {}
        for version in versions[:5]:
            entry = self.provider.version_files(name)[version]
            reasons.update((reason, None) for reason in entry.rejected.values())
            if entry.yanked:
                reasons["yanked"] = None
        return (
            f"{name} {_version_range(versions)} exist but none can be installed on Python "
            f"{target.python_version} ({target.platform}): {'; '.join(reasons) or 'no files'}"
        )

    def python_diagnoses(self, causes: list[Any]) -> list[dict[str, Any]]:
        found = []
        target = self.provider.target.python_version
        for cause in causes:
            parent = cause.parent
            if not isinstance(parent, Candidate):
                continue
            found.append(
                {
                    "kind": "no_compatible_distribution",
                    "package": parent.name,
                    "message": (
                        f"{parent.pin()} requires Python {cause.requirement.specifier}, "
                        f"but the target is Python {target}"
                    ),
                    "constraints": [
                        {
                            "specifier": str(cause.requirement.specifier),
                            "parent": parent.pin(),
                            "source": input_source(self.graph, parent.name),
                            "path": path_labels(self.graph, parent.name),
                            "kind": "requires_python",
                        }
                    ],
                }
            )
        return found


def _version_range(versions: list[Version]) -> str:
    if not versions:
        return "no versions"
    if len(versions) == 1:
        return f"only version {versions[0]}"
    return f"versions {min(versions)} to {max(versions)} ({len(versions)} versions)"


def index_error_diagnosis(error: Any) -> dict[str, Any]:
    return {"kind": "index_error", "package": None, "message": error.message, "url": redact(error.url)}
