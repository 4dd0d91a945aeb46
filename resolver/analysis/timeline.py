"""'What broke my build': find the release whose arrival turned a resolving input into a failing one.

Given a date when the input used to resolve, it is resolved as of that date (every file uploaded
later ignored, PEP 700 upload times) and as of now. If it resolved then and fails now, the
releases uploaded in between, of every project either resolution looked at, are ordered by upload
time and bisected: each step is a real resolution as of one release's upload time, keeping
"resolves at lo, fails at hi" true, so the answer is a release whose arrival, with everything
uploaded before it, turns a resolving input into a failing one, found in log2(releases) steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from resolver.analysis.targets import summary
from resolver.engine import resolve
from resolver.environment import Target
from resolver.errors import ResolverError
from resolver.index.asof import as_utc, to_iso, upload_time
from resolver.index.client import IndexClient

if TYPE_CHECKING:
    from resolver.output.report import BrokenBy, Report, WhatBroke

MAX_STEPS = 40  # resolutions in the bisection; log2 of the releases is far below it


def _projects(*reports: Report) -> set[str]:
    names: set[str] = set()
    for report in reports:
        names |= set(report["pins"])
        names |= {node["id"] for node in report["graph"].get("nodes", []) if node["id"] != "<root>"}
    return names


def releases_between(index: IndexClient, names: set[str], start: datetime, end: datetime | None) -> list[BrokenBy]:
    """Releases of these projects first uploaded after `start` (and not after `end`), oldest first.

    A release's time is its earliest file's: that is when an installer could first pick it.
    """
    found: list[tuple[datetime, str, str]] = []
    for name in sorted(names):
        try:
            project = index.project(name)
        except ResolverError:
            continue
        if project is None:
            continue
        first: dict[str, datetime] = {}
        for file in project.files:
            uploaded = upload_time(file.upload_time)
            if uploaded is not None:
                version = str(file.version)
                first[version] = min(first.get(version, uploaded), uploaded)
        for version, uploaded in first.items():
            if uploaded > start and (end is None or uploaded <= end):
                found.append((uploaded, name, version))
    found.sort()
    return [{"package": name, "version": version, "uploaded": to_iso(when)} for when, name, version in found]


def what_broke(
    files: Mapping[str, str],
    *,
    index: IndexClient,
    target: Target,
    good_date: datetime,
    now: datetime | None = None,
    **options: Any,
) -> WhatBroke:
    """Resolve as of `good_date`; if it resolved then and fails now, bisect to the breaking release.

    `now` is the other end (default: everything on the index); `options` go to `engine.resolve`.
    """
    options = {**options, "analyse": False}
    now = now or options.pop("exclude_newer", None)  # a report re-run as of a time: that is "now"
    good_date, now = as_utc(good_date), now and as_utc(now)
    steps = 0

    def resolves(cutoff: datetime | None) -> tuple[bool, Report]:
        nonlocal steps
        steps += 1
        report = resolve(files, index=index, target=target, exclude_newer=cutoff, **options)
        return report["status"] == "resolved", report

    good = to_iso(good_date)
    then_ok, then = resolves(good_date)
    now_ok, current = resolves(now)
    answer: WhatBroke = {
        "good_date": good,
        "resolved_then": then_ok,
        "resolves_now": now_ok,
        "broken_by": [],
        "last_good": None,
        "message": "",
        "resolutions": 0,
    }
    if not then_ok:
        warnings = [d["message"] for d in then["diagnoses"] if d["kind"] == "exclude_newer"]
        answer["message"] = f"It did not resolve as of {good} either: {summary(then)}" + (
            f" ({warnings[0]})" if warnings else ""
        )
    elif now_ok:
        answer["message"] = f"It resolved as of {good} and still resolves: nothing broke it for this target"
    else:
        releases = releases_between(index, _projects(then, current), good_date, now)
        times = sorted({release["uploaded"] for release in releases})
        lo, hi = -1, len(times)  # resolves as of good_date (lo = -1); fails now (hi = len(times))
        while hi - lo > 1 and steps < MAX_STEPS:
            middle = (lo + hi) // 2
            ok, _ = resolves(datetime.fromisoformat(times[middle].replace("Z", "+00:00")))
            lo, hi = (middle, hi) if ok else (lo, middle)
        answer["last_good"] = times[lo] if lo >= 0 else good
        if hi - lo == 1 and hi < len(times):
            answer["broken_by"] = [release for release in releases if release["uploaded"] == times[hi]]
            names = ", ".join(f"{r['package']} {r['version']}" for r in answer["broken_by"])
            answer["message"] = (
                f"It resolved as of {good}; the release of {names} ({times[hi]}) broke it: {summary(current)}"
            )
        elif hi == len(times) and hi - lo == 1:
            answer["message"] = (
                f"It resolves with every release up to {answer['last_good']} but fails now, and no release "
                "with an upload time explains it (a file without one, or a change on the index)"
            )
        else:
            answer["message"] = f"Stopped after {steps} resolutions between {answer['last_good']} and {times[hi]}"
    answer["resolutions"] = steps
    return answer
