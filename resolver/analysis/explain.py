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
from typing import TYPE_CHECKING, Any

import networkx as nx
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from resolver.index.dists import parse_filename
from resolver.index.urls import redact
from resolver.resolution.finder import matching_versions
from resolver.resolution.graph import (
    ROOT,
    Recorder,
    add_requirement,
    explored_graph,
    input_source,
    node_label,
    path_labels,
)
from resolver.resolution.provider import Provider
from resolver.resolution.requirements import PYTHON, Candidate, Req

if TYPE_CHECKING:
    from resolver.output.report import Conflict, Constraint, Diagnosis, ParentVersion, VersionMatch


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
    def __init__(self, provider: Provider, recorder: Recorder, graph: nx.DiGraph[str], roots: list[Req]) -> None:
        self.provider = provider
        self.recorder = recorder
        self.graph = graph
        self.roots = roots

    # -- constraints ------------------------------------------------------------------------

    def input_constraints(self, name: str) -> list[Constraint]:
        found = []
        for req in self.roots:
            if req.name == name and req.origin is not None:
                found.append(self._root_constraint(req, kind="requirement"))
        for constraint in self.provider.constraint_lines.get(name, []):
            found.append(self._root_constraint(constraint, kind="constraint"))
        return found

    def _root_constraint(self, req: Req, *, kind: str) -> Constraint:
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

    def reached_through(self, name: str) -> list[Constraint]:
        """The chain from the user's line to a package none of their lines names, as a constraint."""
        if name not in self.graph:
            return []
        parents = sorted(self.graph.predecessors(name))
        specifier = merged_specifier(self.graph.edges[p, name].get("specifier", "") for p in parents)
        parent = next((p for p in parents if p != ROOT), None)
        return [
            {
                "specifier": specifier,
                "parent": node_label(self.graph, parent) if parent else None,
                "source": input_source(self.graph, name),
                "path": path_labels(self.graph, name),
                "kind": "dependency",
            }
        ]

    def parent_constraint(self, name: str, clashing: list[Any]) -> Constraint:
        """The constraint one parent package puts on `name`, shown at its newest clashing version.

        `clashing` are the resolver's causes from that parent (one per version that clashed);
        `parent_versions` lists every version of the parent the resolver tried and what each
        asked of `name`, so "every version of X needs Y>=3" is visible at a glance.
        """
        newest = max(clashing, key=lambda cause: cause.parent.version)
        parent, req = newest.parent, newest.requirement
        tried = [c for c in self.recorder.pins.get(parent.identifier, []) if isinstance(c, Candidate)]
        per_version: list[ParentVersion] = []
        for candidate in tried or [parent]:
            reqs = self.recorder.edges.get((candidate.identifier, str(candidate.version)), [])
            asked = [r for r in reqs if isinstance(r, Req) and r.name == name]
            specifier = merged_specifier(str(r.specifier) for r in asked) if asked else None
            per_version.append({"version": str(candidate.version), "specifier": specifier})
        self._mark(parent.name, str(parent.version), name, req)
        path = path_labels(self.graph, parent.name)
        path[-1] = parent.pin()
        return {
            "specifier": str(req.specifier),
            "parent": parent.pin(),
            "source": input_source(self.graph, parent.name),
            "path": path,
            "kind": "dependency",
            "text": req.text,
            "marker": req.marker,
            "parent_versions": per_version,
        }

    def _unmark(self, parent: str, name: str) -> None:
        if self.graph.has_edge(parent, name):
            self.graph.edges[parent, name]["clash"] = False
            if not any(self.graph.edges[parent, child].get("clash") for child in self.graph.successors(parent)):
                self.graph.nodes[parent]["culprit"] = False

    def _mark(self, parent: str, version: str, name: str, req: Req) -> None:
        """Highlight the clash in the graph: the parent, its edge to `name`, and `name`."""
        if parent not in self.graph:
            self.graph.add_node(parent, version=version)
        if not self.graph.has_edge(parent, name):
            add_requirement(self.graph, parent, req)
        self.graph.nodes[parent]["culprit"] = True
        self.graph.edges[parent, name]["clash"] = True

    def constraints_for(self, name: str, causes: list[Any]) -> list[Constraint]:
        constraints = self.input_constraints(name)
        by_parent: dict[str, list[Any]] = {}
        for cause in causes:
            parent = cause.parent
            if isinstance(parent, Candidate) and parent.name != name:  # not `x[extra]` -> `x`
                by_parent.setdefault(parent.identifier, []).append(cause)
        constraints += [self.parent_constraint(name, group) for group in by_parent.values()]
        if name in self.graph:
            self.graph.nodes[name]["conflict"] = True
            if self.graph.has_edge(ROOT, name):
                self.graph.edges[ROOT, name]["clash"] = True
        return constraints

    # -- which clashes are real ---------------------------------------------------------------

    def satisfiable(self, name: str, causes: list[Any]) -> bool:
        """Whether some readable, installable version meets every requirement of one clash.

        A clash that some version could meet only failed because earlier backtracking had ruled
        that version out: it is an echo of a real clash elsewhere, not a culprit.
        """
        if name == PYTHON:
            return False
        specifier = self.provider.specifier_for(name, [cause.requirement for cause in causes])
        found = matching_versions(self.provider.version_files(name).values(), specifier, pre=self.provider.pre)
        return any(self.provider.can_take(name, version) for version, _files in found)

    def real_clashes(self, final: list[Any]) -> dict[str, list[Any]]:
        """Every clash met during the whole resolution that no version could meet, by package.

        resolvelib's final causes describe only the last clash, often one that backtracking
        created; the recorder kept every clash, so the real culprits can be named, in the order
        they were first met, with the package the user pinned first.
        """
        real: dict[str, list[Any]] = {}
        for causes in [*self.recorder.clashes, list(final)]:
            by_name: dict[str, list[Any]] = {}
            for cause in causes:
                by_name.setdefault(cause.requirement.name, []).append(cause)
            for name, group in by_name.items():
                if not self.satisfiable(name, group):
                    bucket = real.setdefault(name, [])
                    bucket.extend(cause for cause in group if cause not in bucket)
        if not real:
            for cause in final:
                real.setdefault(cause.requirement.name, []).append(cause)
        pinned_by_user = {req.name for req in self.roots}
        return dict(sorted(real.items(), key=lambda item: item[0] not in pinned_by_user))

    # -- classification ---------------------------------------------------------------------

    def explain(self, causes: list[Any]) -> tuple[list[Conflict], list[Diagnosis]]:
        conflicts: list[Conflict] = []
        diagnoses: list[Diagnosis] = []
        for name, group in self.real_clashes(causes).items():
            if name == PYTHON:
                diagnoses.extend(self.python_diagnoses(group))
                continue
            constraints = self.constraints_for(name, group)
            kind, message = self.classify(name, constraints)
            if kind == "conflict":
                conflicts.append(self.conflict(name, self.minimal(name, constraints)))
            else:
                diagnoses.append({"kind": kind, "package": name, "message": message, "constraints": constraints})
        return conflicts, diagnoses

    def conflict(self, name: str, constraints: list[Constraint]) -> Conflict:
        merged = merged_specifier(c["specifier"] for c in constraints)
        versions: list[VersionMatch] = []
        specs = [_spec(c["specifier"]) for c in constraints]
        pre = True if self.provider.pre else None
        for version in sorted(self.provider.version_files(name), reverse=True):
            entry = self.provider.version_files(name)[version]
            if not entry.available:
                continue
            satisfies = [i for i, spec in enumerate(specs) if spec.contains(version, prereleases=pre)]
            if satisfies:
                match: VersionMatch = {"version": str(version), "satisfies": satisfies}
                if (name, version) in self.provider.invalid:
                    match["invalid_metadata"] = True
                versions.append(match)
        return {
            "package": name,
            "specifier": merged,
            "message": f"Could not find a version that matches {name}{merged}",
            "constraints": constraints,
            "versions": versions,
        }

    def candidates(self, name: str, specifier: SpecifierSet) -> list[Version]:
        """The versions the resolver could take for `specifier`, by the provider's own rules."""
        found = matching_versions(self.provider.version_files(name).values(), specifier, pre=self.provider.pre)
        return [version for version, _ in found if self.provider.can_take(name, version)]

    def why_none(self, name: str, specifier: SpecifierSet, who: str) -> tuple[str, str]:
        """Why no version meets one specifier: missing, unreadable, invalid, or not installable."""
        files = self.provider.version_files(name)
        all_versions = sorted(files, reverse=True)
        matching = [v for v in all_versions if specifier.contains(v, prereleases=True)]
        if not matching:
            return "not_found", (
                f"No version of {name} matches {name}{specifier} (required by {who}); "
                f"the index has {_version_range(all_versions)}"
            )
        invalid = [v for v in matching if (name, v) in self.provider.invalid]
        unreadable = [v for v in matching if not self.provider.can_take(name, v) and v not in invalid]
        if unreadable:
            return "metadata_unavailable", (
                f"{name} {_version_range(unreadable)} match {name}{specifier}, but their dependencies "
                "can only be known by running their build, which Conflict Explorer never does"
                + (f"; {self._ignored(name, invalid)}" if invalid else "")
            )
        if invalid:
            return "invalid_metadata", (
                f"No usable version of {name} matches {name}{specifier} (required by {who}): "
                + self._ignored(name, invalid)
            )
        return "no_compatible_distribution", self._unusable(name, matching)

    def _ignored(self, name: str, versions: list[Version]) -> str:
        """Which versions were ignored for invalid metadata, with the reason of the newest."""
        error = self.provider.invalid[(name, max(versions))]
        return f"{name} {_version_range(versions)} ignored for invalid metadata, as pip does ({error.message})"

    def classify(self, name: str, constraints: list[Constraint]) -> tuple[str, str]:
        """Tell a conflict from a missing project, a missing version, or no usable file."""
        if name in self.provider.urls:
            return "conflict", ""  # its one version, the URL line's, against the others
        if self.provider.project(name) is None:
            return "not_found", f"No project named {name!r} was found on the index"
        for constraint in constraints:
            specifier = _spec(constraint["specifier"])
            if not self.candidates(name, specifier):
                return self.why_none(name, specifier, constraint["parent"] or constraint["path"][0])
        joint = SpecifierSet()  # the constraints include the user's -c lines
        for constraint in constraints:
            joint &= _spec(constraint["specifier"])
        if [v for v in self.provider.version_files(name) if joint.contains(v, prereleases=True)]:
            return self.why_none(name, joint, "all of them together")
        return "conflict", ""

    def minimal(self, name: str, constraints: list[Constraint]) -> list[Constraint]:
        """Drop parents whose constraint is not needed for the clash; the user's lines stay.

        A parent listed by resolvelib may agree with every version that clashes (as
        `django-cms>=3.6` does with `django-cms==3.7.4`); naming it would send users after it.
        """
        kept = list(constraints)
        for constraint in constraints:
            if constraint["parent"] is None:
                continue
            rest = [c for c in kept if c is not constraint]
            joint = SpecifierSet()
            for other in rest:
                joint &= _spec(other["specifier"])
            if len(rest) > 1 and not self.candidates(name, joint):
                kept = rest
                self._unmark(constraint["parent"].split("==")[0], name)
        return kept

    def _unusable(self, name: str, versions: list[Version]) -> str:
        target = self.provider.target
        reasons: dict[str, None] = {}
        wheels: list[str] = []
        for version in versions[:5]:
            entry = self.provider.version_files(name)[version]
            reasons.update((reason, None) for reason in entry.rejected.values())
            wheels += [f for f, why in entry.rejected.items() if f.endswith(".whl") and why.startswith("no wheel")]
            for file in entry.yanked:
                reasons[f"yanked: {file.yanked!r}" if file.yanked else "yanked (no reason given)"] = None
        if wheels:
            reasons[_wheel_summary(wheels, target.python_version)] = None
        return (
            f"{name} {_version_range(versions)} exist but none can be installed on Python "
            f"{target.python_version} ({target.platform}): {'; '.join(reasons) or 'no files'}"
        )

    def python_diagnoses(self, causes: list[Any]) -> list[Diagnosis]:
        found: list[Diagnosis] = []
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


def _wheel_summary(filenames: list[str], python: str) -> str:
    """Which Pythons and platforms the wheels that exist are for, so the user sees what would work."""
    pythons: dict[str, None] = {}
    platforms: dict[str, None] = {}
    for filename in filenames:
        try:
            tags = parse_wheel_filename(filename)[3]
        except InvalidWheelFilename:
            continue
        pythons.update((tag.interpreter, None) for tag in tags)
        platforms.update((tag.platform, None) for tag in tags)
    shown = sorted(pythons, key=lambda tag: (len(tag), tag))
    wanted = "cp" + python.replace(".", "")
    return f"wheels exist for {', '.join(shown)} on {', '.join(sorted(platforms))}; none for {wanted}"


def _version_range(versions: list[Version]) -> str:
    if not versions:
        return "no versions"
    if len(versions) == 1:
        return f"only version {versions[0]}"
    return f"versions {min(versions)} to {max(versions)} ({len(versions)} versions)"


def place_index_error(error: Any, provider: Provider, recorder: Recorder, roots: list[Req]) -> None:
    """Set `package` and `constraints` on an index error: the project whose page or file failed and
    the user's line (and chain) that brought it in, so the diagnosis says which line to look at.

    The project is read from the URL: its page (`…/name/`) or one of its files. A URL of neither
    kind, or a project the resolution had not reached, leaves the error as it was.
    """
    path = error.url.split("#")[0].split("?")[0]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if path.endswith("/"):
        name = canonicalize_name(last)
    else:
        try:
            name = parse_filename(last.removesuffix(".metadata"), "")[0]
        except (ValueError, IndexError):
            return
    explainer = Explainer(provider, recorder, explored_graph(recorder, roots), roots)
    constraints = explainer.input_constraints(name) or explainer.reached_through(name)
    if constraints:
        error.package, error.constraints = name, constraints


def index_error_diagnosis(error: Any) -> Diagnosis:
    diagnosis: Diagnosis = {"kind": "index_error", "package": None, "message": error.message, "url": redact(error.url)}
    if constraints := getattr(error, "constraints", None):  # the message stays the index's own words
        diagnosis |= {"package": error.package, "constraints": constraints}
    return diagnosis
