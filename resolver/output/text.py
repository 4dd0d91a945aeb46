"""The report as a person reads it in a terminal: the verdict first, then each clash explained."""

from __future__ import annotations

from resolver.output.report import (
    Conflict,
    Constraint,
    Diagnosis,
    Distribution,
    Matrix,
    MinimalLines,
    MissingProjects,
    Report,
    Targets,
    WhatBroke,
)


def _constraint_lines(index: int, constraint: Constraint) -> list[str]:
    spec = constraint["specifier"] or "(any version)"
    if constraint["parent"] is None:
        who = "your line" if constraint.get("kind") != "constraint" else "your constraint"
        lines = [f"  [{index}] {spec:<20} {who} {constraint['path'][0]}: {constraint.get('text', '')}".rstrip()]
    else:
        lines = [f"  [{index}] {spec:<20} required by {constraint['parent']}"]
        lines.append(f"      {'':<20} via {' -> '.join(constraint['path'])}")
        tried = constraint.get("parent_versions") or []
        if len(tried) > 1:
            asked: dict[str, list[str]] = {}
            for entry in tried:
                asked.setdefault(entry["specifier"] or "nothing", []).append(entry["version"])
            summary = "; ".join(f"{', '.join(versions)} ask for {spec}" for spec, versions in asked.items())
            lines.append(
                f"      {'':<20} {len(tried)} versions of {constraint['parent'].split('==')[0]} tried: {summary}"
            )
    return lines


def _versions_line(conflict: Conflict) -> str:
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
        out += _declared_lines(report.get("distributions", {}))
    elif status == "conflict":
        problems = [d for d in report["diagnoses"] if d.get("severity") != "warning"]
        count = len(report["conflicts"]) + len(problems)
        out.append(f"Cannot resolve for {target}: {count} problem{'s' if count != 1 else ''}.")
    elif report.get("gaps"):
        out.append(f"Cannot tell whether this resolves for {target} on the {report['gaps']['index']}:")
        out.append(report["gaps"]["message"])
    elif any(d["kind"] == "metadata_unavailable" and "severity" not in d for d in report["diagnoses"]):
        out.append(
            f"Cannot tell whether this resolves for {target}: some dependencies can only be known by "
            "building packages, which Conflict Explorer never does (pip would build them)."
        )
    else:
        out.append(f"Could not resolve for {target}:")
    if report.get("minimal_lines"):
        out += _minimal_lines(report["minimal_lines"])
    grouped = _grouped_missing(report)
    if grouped:
        out += _missing_lines(report["missing_projects"])
    if report.get("combined_fix"):
        combined = report["combined_fix"]
        out += ["", f"{combined['title']} (proven by a re-resolution of the whole input):"]
        out += [f"  {line}" for line in combined["diff"].splitlines()]
    for conflict in report["conflicts"]:
        out += ["", conflict["message"]]
        if conflict.get("certain") is False:
            out.append("  (not proven: a version whose dependencies only a build can tell might avoid it)")
        if conflict.get("set_aside"):
            aside = ", ".join(conflict["set_aside"])
            out.append(f"  (found with {aside} set aside: it does not depend on the conflicts above)")
        for number, constraint in enumerate(conflict["constraints"]):
            out += _constraint_lines(number, constraint)
        out.append(_versions_line(conflict))
        if conflict.get("matrix"):
            out += _matrix_lines(conflict["package"], conflict["matrix"])
        if "fix_status" in conflict:
            out += _fix_lines(conflict, others=len(report["conflicts"]) - 1)
    for diagnosis in report["diagnoses"]:
        if diagnosis["kind"] == "not_found" and diagnosis.get("package") in grouped:
            continue  # said once above, with its line
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
        if "fix_status" in diagnosis:
            out += _fix_lines(diagnosis, others=len(report["conflicts"]))
    targets, broke = report.get("targets"), report.get("what_broke")
    if targets and "error" not in targets:
        out += _target_lines(targets)
    elif targets:  # an analysis that stopped: its reason
        out += ["", f"Targets: {targets.get('error')}"]
    if broke and "error" not in broke:
        out += _what_broke_lines(broke)
    elif broke:
        out += ["", f"What broke it: {broke.get('error')}"]
    stats = report["stats"]
    fetched = f"{stats['requests']} requests, {stats['cache_hits']} cache hits"
    if stats.get("stored_answer"):
        fetched = f"answer stored by an earlier run, its {stats['cache_hits']} index pages unchanged"
    out += ["", f"({stats['duration_ms']} ms, {fetched}, {stats['rounds']} rounds, {stats['backtracks']} backtracks)"]
    if report.get("analysis"):
        analysis = report["analysis"]
        stopped = f"; stopped early: {analysis['stopped']}" if analysis["stopped"] else ""
        if analysis.get("undecided"):
            stopped += f"; {analysis['undecided']} could not tell"
        out.append(f"(analyses: {analysis['resolutions']} re-resolutions in {analysis['duration_ms']} ms{stopped})")
    if report["input"].get("exclude_newer"):
        out.append(f"(as of {report['input']['exclude_newer']}: files uploaded later were ignored)")
    elif report.get("index_read_at"):
        out.append(f"(index read at {report['index_read_at']}; re-run with --exclude-newer {report['index_read_at']})")
    return "\n".join(out) + "\n"


DECLARED_SOURCES = ("egg-info", "pyproject", "setup.cfg", "setup.py")


def _declared_lines(distributions: dict[str, Distribution]) -> list[str]:
    """Which pins rest on what an sdist's files say rather than on metadata a build or PEP 643 gives."""
    by_source: dict[str, list[str]] = {}
    for name, dist in sorted(distributions.items()):
        if (source := dist.get("metadata_source")) and source in DECLARED_SOURCES:
            by_source.setdefault(source, []).append(name)
    if not by_source:
        return []
    count = sum(len(names) for names in by_source.values())
    parts = "; ".join(f"{source}: {', '.join(names)}" for source, names in by_source.items())
    rests = (
        "pin rests on dependencies its sdist declares"
        if count == 1
        else "pins rest on dependencies their sdists declare"
    )
    return [f"({count} {rests} ({parts}), not on a build)"]


def _minimal_lines(minimal: MinimalLines) -> list[str]:
    out = ["", minimal["message"] + ":"]
    out += [f"  {line['file']}:{line['line']}: {line['text']}" for line in minimal["lines"]]
    return out


def _grouped_missing(report: Report) -> set[str]:
    """The missing projects said as one group (when more than one), not one paragraph each."""
    missing = report.get("missing_projects")
    return set(missing["packages"]) if missing and missing["count"] > 1 else set()


def _missing_lines(missing: MissingProjects, shown: int = 20) -> list[str]:
    lines = missing["lines"]
    out = ["", f"not_found: {missing['message']}; drop or correct these lines:"]
    out += [f"  {line['file']}:{line['line']}: {line['text']}" for line in lines[:shown]]
    if len(lines) > shown:
        out.append(f"  … and {len(lines) - shown} more lines")
    return out


def _matrix_lines(package: str, matrix: Matrix) -> list[str]:
    """Versions of each parent (rows) against versions of the package (columns): x accepts it."""
    columns = matrix["versions"]
    if not columns or not matrix["parents"]:
        return []
    labels = []
    for parent in matrix["parents"]:
        for row in parent["rows"]:
            label = parent["label"] if row["version"] is None else f"{parent['label']} {row['version']}"
            labels.append((label, row))
    width = max(len(label) for label, _ in labels)
    out = [f"  Which {package} versions each one accepts (x = accepts):"]
    out.append("    " + " " * width + "  " + " ".join(columns))
    for label, row in labels:
        cells = " ".join(("x" if ok else ".").center(len(v)) for ok, v in zip(row["accepts"], columns, strict=True))
        spec = row["specifier"] if row["specifier"] is not None else "(no requirement)"
        out.append(f"    {label:<{width}}  {cells}   {spec}")
    if matrix.get("truncated") or any(p.get("truncated") for p in matrix["parents"]):
        out.append("    (the newest version of each release series is shown)")
    return out


def _fix_lines(conflict: Conflict | Diagnosis, *, others: int) -> list[str]:
    fixes = conflict.get("fixes") or []
    tried = conflict.get("fix_candidates", 0)
    undecided = conflict.get("fix_undecided", 0)
    if not fixes:
        if conflict["fix_status"] == "none":
            return [f"  No single change fixes this ({tried} candidate changes were each re-resolved)."]
        if undecided:
            return [
                f"  No fix found, but {undecided} of {tried} candidate changes could not be decided "
                "(a time limit, an index error, or metadata only a build gives)."
            ]
        return ["  Fixes were not searched: the analysis budget ran out."]
    out = [
        f"  Fixes, each proven by a re-resolution ({len(fixes)} of {tried} candidates resolve), least disturbing first:"
    ]
    shown = [fix for fix in fixes if not fix.get("same_as")]  # the same pins as a better fix: named under it
    for number, fix in enumerate(shown, 1):
        remain = {0: "other problems remain", 1: "the other conflict remains"}.get(
            others, f"the {others} other conflicts remain"
        )
        rest = "" if fix["complete"] else f" ({remain})"
        out.append(f"    {number}. {fix.get('headline') or fix['title']}{rest}")
        out += [f"       {line}" for line in fix["diff"].splitlines()]
        if fix["pin_changes"]:
            out.append(f"       pins: {_pin_changes(fix['pin_changes'])}")
        same = [other.get("headline") or other["title"] for other in fixes if other.get("same_as") == fix.get("rank")]
        if same:
            out.append(f"       same pins: {'; '.join(same)}")
    if conflict["fix_status"] == "skipped":
        out.append("    (the analysis budget ran out before every candidate was tried)")
    return out


def _pin_changes(changes: dict[str, list[str | None]], shown: int = 8) -> str:
    """`django 1.11.29 -> 2.2.28, -wagtail 4.2.4, +sqlparse 0.5.5 and 12 more added`.

    Moves and removals first, in full up to `shown`; packages the failed run never reached
    (added) are the least telling, so only the first few are named.
    """
    moved = [f"{n} {old} -> {new}" for n, (old, new) in changes.items() if old and new]
    removed = [f"-{n} {old}" for n, (old, new) in changes.items() if not new]
    added = [f"+{n} {new}" for n, (old, new) in changes.items() if not old]
    first = (moved + removed)[:shown]
    first_added = added[: max(0, min(3, shown - len(first)))]
    more = len(moved) + len(removed) + len(added) - len(first) - len(first_added)
    return ", ".join(first + first_added) + (f" and {more} more" if more else "")


def _target_lines(targets: Targets) -> list[str]:
    out = ["", "Targets:"]
    cells = targets["cells"]
    width = max((len(f"{c['python_version']} {c['platform']}") for c in cells), default=0)
    for cell in cells:
        verdict = "pass" if cell["status"] == "resolved" else "FAIL"
        out.append(f"  {cell['python_version'] + ' ' + cell['platform']:<{width}}  {verdict}  {cell['summary']}")
    return out


def _what_broke_lines(what: WhatBroke) -> list[str]:
    out = ["", f"What broke it since {what['good_date']}: {what['message']}"]
    out += [f"  {r['package']} {r['version']}, uploaded {r['uploaded']}" for r in what["broken_by"]]
    return out
