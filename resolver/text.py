"""The report as a person reads it in a terminal: the verdict first, then each clash explained."""

from __future__ import annotations

from typing import Any

from resolver.report import Report


def _constraint_lines(index: int, constraint: dict[str, Any]) -> list[str]:
    spec = constraint["specifier"] or "(any version)"
    if constraint["parent"] is None:
        who = "your line" if constraint.get("kind") != "constraint" else "your constraint"
        lines = [f"  [{index}] {spec:<20} {who} {constraint['path'][0]}: {constraint.get('text', '')}".rstrip()]
    else:
        lines = [f"  [{index}] {spec:<20} required by {constraint['parent']}"]
        lines.append(f"      {'':<20} via {' -> '.join(constraint['path'])}")
        tried = constraint.get("parent_versions") or []
        if len(tried) > 1:
            asked = {}
            for entry in tried:
                asked.setdefault(entry["specifier"] or "nothing", []).append(entry["version"])
            summary = "; ".join(f"{', '.join(versions)} ask for {spec}" for spec, versions in asked.items())
            lines.append(
                f"      {'':<20} {len(tried)} versions of {constraint['parent'].split('==')[0]} tried: {summary}"
            )
    return lines


def _versions_line(conflict: dict[str, Any]) -> str:
    groups: dict[tuple[int, ...], list[str]] = {}
    for entry in conflict["versions"]:
        groups.setdefault(tuple(entry["satisfies"]), []).append(entry["version"])
    if not groups:
        return "  No available version meets any of these."
    parts = []
    for satisfies, versions in groups.items():
        shown = ", ".join(versions[:3]) + (f" and {len(versions) - 3} more" if len(versions) > 3 else "")
        parts.append(f"{shown} meet {', '.join(f'[{i}]' for i in satisfies)}")
    return "  Versions: " + "; ".join(parts)


def render_text(report: Report) -> str:
    target = f"Python {report['input']['python_version']} on {report['input']['platform']}"
    out: list[str] = []
    status = report["status"]
    if status == "resolved":
        out.append(f"Resolved {len(report['pins'])} packages for {target}:")
        out += [f"  {name}=={version}" for name, version in report["pins"].items()]
    elif status == "conflict":
        problems = [d for d in report["diagnoses"] if d.get("severity") != "warning"]
        count = len(report["conflicts"]) + len(problems)
        out.append(f"Cannot resolve for {target}: {count} problem{'s' if count != 1 else ''}.")
    elif any(d["kind"] == "metadata_unavailable" and "severity" not in d for d in report["diagnoses"]):
        out.append(
            f"Cannot tell whether this resolves for {target}: some dependencies can only be known by "
            "building packages, which Conflict Explorer never does (pip would build them)."
        )
    else:
        out.append(f"Could not resolve for {target}:")
    for conflict in report["conflicts"]:
        out += ["", conflict["message"]]
        for number, constraint in enumerate(conflict["constraints"]):
            out += _constraint_lines(number, constraint)
        out.append(_versions_line(conflict))
    for diagnosis in report["diagnoses"]:
        out += ["", f"{diagnosis['kind']}: {diagnosis['message']}"]
        for error in diagnosis.get("errors", []):
            start, end = error["span"]
            out += [
                f"  {error['file']}:{error['line']}: {error['message']}",
                f"      {error['text']}",
                "      " + " " * start + "^" + "~" * max(0, end - start - 1),
            ]
        for number, constraint in enumerate(diagnosis.get("constraints", [])):
            out += _constraint_lines(number, constraint)
        if diagnosis.get("url"):
            out.append(f"  URL: {diagnosis['url']}")
    stats = report["stats"]
    out += [
        "",
        f"({stats['duration_ms']} ms, {stats['requests']} requests, {stats['cache_hits']} cache hits, "
        f"{stats['rounds']} rounds, {stats['backtracks']} backtracks)",
    ]
    return "\n".join(out) + "\n"
