"""The analysis a report asked for, run by the worker after the main resolution.

`run.run_report` resolves the input for its main target; the options stored on the Report
(`conflicts.submission.options`) add questions the engine answers with more resolutions: the same input for
other targets (`resolver.analysis.targets`), and which releases broke a file that used to resolve
(`resolver.analysis.timeline`). Their answers are added to the JSON report as `targets` and `what_broke`.
A failure of one of these extra questions is written into its own field rather than failing the
report, whose main answer stands on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from django.conf import settings

from conflicts.models import Report
from conflicts.submission.options import Options
from resolver.analysis.budget import AnalysisLimits
from resolver.analysis.targets import resolve_targets
from resolver.analysis.timeline import what_broke
from resolver.environment import Target
from resolver.errors import ResolverError
from resolver.index.client import IndexClient
from resolver.limits import Limits
from resolver.output.report import AnalysisFailure, Targets, WhatBroke
from resolver.output.report import Report as ReportV1

logger = logging.getLogger(__name__)


def engine_options(report: Report) -> dict[str, Any]:
    """Keyword arguments of `engine.resolve` for this report: the 'as of' moment, and the analyses'
    budget (RESOLVER_ANALYSIS_SECONDS, RESOLVER_ANALYSIS_RESOLUTIONS; the engine's defaults)."""
    options = Options.from_json(report.options)
    defaults = AnalysisLimits()
    limits = replace(
        defaults,
        max_seconds=float(getattr(settings, "RESOLVER_ANALYSIS_SECONDS", defaults.max_seconds)),
        max_resolutions=int(getattr(settings, "RESOLVER_ANALYSIS_RESOLUTIONS", defaults.max_resolutions)),
    )
    formats = options.formats()
    return {"exclude_newer": options.exclude_newer, "analyse": True, "analysis_limits": limits, "formats": formats}


def extend(result: ReportV1, report: Report, index: IndexClient, limits: Limits | None = None) -> None:
    """Add the extra targets' matrix and the 'what broke' answer to `result`, when asked for.

    They can take minutes; `run.run_report` calls this inside its heartbeat thread, so the
    sweeper does not take the worker for a dead one meanwhile."""
    options = Options.from_json(report.options)
    limits = limits or Limits(max_rounds=settings.RESOLVER_MAX_ROUNDS, max_seconds=settings.RESOLVER_MAX_SECONDS)
    main = Target(report.python_version, report.platform)
    common: dict[str, Any] = {
        "roots": report.roots or None,
        "pre": report.pre,
        "limits": limits,
        "index_name": report.index_name,
        "formats": options.formats(),
    }
    if options.targets:
        targets = [main, *(Target(py, platform) for py, platform in options.targets)]
        result["targets"] = _answer(
            "targets",
            lambda: resolve_targets(
                report.files, index=index, targets=targets, exclude_newer=options.exclude_newer, **common
            ),
        )
    if options.good_date is not None:
        # "Used to resolve on" a day: as of its start, as an "as of" date is (uv's --exclude-newer too).
        good = datetime.combine(options.good_date, time(0), tzinfo=UTC)
        result["what_broke"] = _answer(
            "what_broke",
            lambda: what_broke(
                report.files, index=index, target=main, good_date=good, now=options.exclude_newer, **common
            ),
        )


Answer = TypeVar("Answer", Targets, WhatBroke)


def _answer(name: str, compute: Callable[[], Answer]) -> Answer | AnalysisFailure:
    try:
        return compute()
    except ResolverError as error:
        logger.info("the %s analysis stopped: %s", name, error)
        return {"error": str(error)}
