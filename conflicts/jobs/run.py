"""Running a report in a worker: claim the row, resolve with the engine, store the JSON report.

`run_report(id)` claims the row with a conditional update (so a second delivery of the same task
is harmless), resolves, and stores the result. The row, not the broker, says whether a report is
done: a worker beats on it while it resolves, so a task delivered again after its worker died
(Redis does that after the visibility timeout) takes the report over, and the sweeper
(`conflicts.jobs.sweep`) finishes what nobody took. Writes survive a database that drops its
connections for a few seconds (a restart, a failover), so such a blip neither fails a report
nor leaves it running.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from conflicts.indexes import InputIndexes, egress_policy, index_client, index_url
from conflicts.jobs import questions as analysis
from conflicts.models import Report, Status
from conflicts.submission.options import Options
from resolver.analysis.budget import STOPPED_BY_USER
from resolver.engine import resolve
from resolver.environment import Target
from resolver.limits import Limits
from resolver.output.report import AnalysisFailure
from resolver.output.report import Report as ReportV1

T = TypeVar("T")

logger = logging.getLogger(__name__)
WEBHOOK_TASK = "conflicts.deliver_webhook"
STOPPED_WORKER = "The worker resolving this report stopped; please re-run it."
TIME_LIMIT = (
    "The report was stopped at its time limit of {seconds:g} s (CELERY_TASK_SOFT_TIME_LIMIT); "
    "a smaller input, or fewer extra targets, may fit."
)
# Seconds between tries of a write whose database connection dropped: about 30 s in all, the
# length of a restart or a failover, not of an outage (the sweeper is there for those).
DB_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


def retrying(action: Callable[[], T], what: str) -> T:
    """`action()`, tried again on a fresh connection while the database is unreachable.

    Only outside a transaction: inside one, the work before the drop is lost and must not be
    half-redone here.
    """
    for delay in (*DB_RETRY_DELAYS, None):
        try:
            return action()
        except (OperationalError, InterfaceError) as error:
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("%s: the database is unavailable (%s); trying again in %g s", what, error, delay)
            with contextlib.suppress(DatabaseError):
                connection.close()
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def claim(report_id: Any) -> bool:
    """Take a queued report for this worker; False when another worker has it or it is done.

    A running report whose heartbeat stopped is taken over (its worker died and the broker
    delivered the task again), or failed once it has used its attempts.
    """
    now = timezone.now()
    claimed = Report.objects.filter(id=report_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started=now, heartbeat=now, attempts=F("attempts") + 1
    )
    if claimed:
        return True
    stale = Report.objects.filter(
        id=report_id, status=Status.RUNNING, heartbeat__lt=now - timedelta(seconds=settings.RESOLVER_STALE_SECONDS)
    )
    if stale.filter(attempts__gte=settings.RESOLVER_MAX_ATTEMPTS).update(
        status=Status.FAILED, error=STOPPED_WORKER, finished=now
    ):
        announce([report_id])
        return False
    taken = stale.update(started=now, heartbeat=now, attempts=F("attempts") + 1) == 1
    if taken:
        logger.warning("report %s: its worker stopped beating; resolving it here", report_id)
    return taken


class Heartbeat:
    """Beats on a running report's row from a thread, every `interval` seconds, until closed.

    Progress alone is no sign of life: one slow index request can outlast the stale limit. A
    failed beat is logged and the next one tries again on a fresh connection.
    """

    def __init__(self, report_id: Any, interval: float) -> None:
        self.report_id = report_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{report_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    Report.objects.filter(id=self.report_id, status=Status.RUNNING).update(heartbeat=timezone.now())
                except DatabaseError as error:
                    logger.warning("report %s: heartbeat not written (%s)", self.report_id, error)
                    with contextlib.suppress(DatabaseError):
                        connection.close()
        finally:
            with contextlib.suppress(DatabaseError):
                connection.close()  # this thread's own connection


class ProgressWriter:
    """Writes the engine's progress onto the row, at most every `interval` seconds.

    Once the resolution has failed, `verdict` stores the report as it is before the analyses
    (still "running"), and keeps its verdict and conflict messages in `progress`, so the page shows
    them during the seconds the analyses take. A new phase of the analyses is written at once,
    with the wall-clock moment they started (`analysis_started_at`), from which the page counts
    the seconds even while one long re-resolution sends no news.
    """

    def __init__(self, report_id: Any, interval: float = 0.5) -> None:
        self.report_id = report_id
        self.interval = interval
        self.last = 0.0
        self.phase: str | None = None
        self.known: dict[str, Any] = {}
        self.latest: dict[str, Any] = {}

    def __call__(self, progress: dict[str, Any], result: ReportV1 | None = None) -> None:
        now = time.monotonic()
        phase = progress.get("phase")
        if result is None and phase == self.phase and now - self.last < self.interval:
            return
        self.last, self.phase, self.latest = now, phase, progress
        if "analysis_seconds" in progress and "analysis_started_at" not in self.known:
            self.known["analysis_started_at"] = round(time.time() - progress["analysis_seconds"], 1)
        fields: dict[str, Any] = {"progress": {**progress, **self.known}, "heartbeat": timezone.now()}
        if result is not None:
            fields["result"] = result
        try:
            Report.objects.filter(id=self.report_id, status=Status.RUNNING).update(**fields)
        except DatabaseError as error:  # progress is a courtesy: the resolution goes on
            logger.warning("report %s: progress not written (%s)", self.report_id, error)
            with contextlib.suppress(DatabaseError):
                connection.close()

    def enter(self, phase: str) -> None:
        """A phase after the analyses: the resolution's figures, without the analyses' budget."""
        figures: dict[str, Any] = {k: v for k, v in self.latest.items() if k in ("rounds", "packages", "requests")}
        self({**figures, "phase": phase})

    def verdict(self, result: ReportV1) -> None:
        messages = [c["message"] for c in result["conflicts"]]
        messages += [d["message"] for d in result["diagnoses"] if d.get("severity") != "warning"]
        self.known = {"verdict": result["status"], "messages": messages}
        stats = result["stats"]
        packages = max(len(result["graph"]["nodes"]) - 1, 0)
        self({"rounds": stats["rounds"], "packages": packages, "requests": stats["requests"]}, result)


def stop_requested(report_id: Any) -> bool:
    """Whether the page's Stop button was pressed; a database blip is not a request to stop."""
    try:
        return Report.objects.filter(id=report_id, stop_requested=True).exists()
    except DatabaseError as error:
        logger.warning("report %s: the stop flag could not be read (%s)", report_id, error)
        with contextlib.suppress(DatabaseError):
            connection.close()
        return False


def run_report(report_id: Any) -> None:
    """Resolve one queued report and store its result; safe to call twice for the same id."""
    if not retrying(lambda: claim(report_id), f"report {report_id}: claim"):
        logger.info("report %s is not queued any more; nothing to do", report_id)
        return
    report = retrying(lambda: Report.objects.get(id=report_id), f"report {report_id}: read")
    # The engine's own wall, checked inside the resolution and the analyses: it holds on every pool,
    # the threads pool of `make run` included, where Celery enforces no time limit at all.
    seconds = float(settings.CELERY_TASK_SOFT_TIME_LIMIT)
    deadline = time.monotonic() + seconds
    limits = Limits(
        max_rounds=settings.RESOLVER_MAX_ROUNDS, max_seconds=settings.RESOLVER_MAX_SECONDS, deadline=deadline
    )
    try:
        policy = egress_policy()
        configured = [index_url(report.index_name)]
        client = index_client(configured, policy)
        input_indexes = InputIndexes(policy, configured, report.index_name)
        try:
            with Heartbeat(report.id, max(1.0, settings.RESOLVER_STALE_SECONDS / 4)):
                result = resolve(
                    report.files,
                    index=client,
                    target=Target(report.python_version, report.platform),
                    index_name=report.index_name,
                    roots=report.roots or None,
                    pre=report.pre,
                    limits=limits,
                    on_progress=(progress := ProgressWriter(report.id)),
                    on_verdict=progress.verdict,
                    input_index=input_indexes,
                    should_stop=functools.partial(stop_requested, report.id),
                    **analysis.engine_options(report),
                )
                input_indexes.annotate(result)
                extend(result, report, client, limits, progress)
        finally:
            client.close()
            input_indexes.close()
    except SoftTimeLimitExceeded:  # a prefork worker's own limit, should it come first
        finish(report_id, status=Status.FAILED, error=TIME_LIMIT.format(seconds=seconds))
        return
    except Exception as error:  # the outermost edge: a report must never stay "running"
        logger.exception("report %s failed", report_id)
        finish(report_id, status=Status.FAILED, error=f"{type(error).__name__}: {error}")
        return
    if time.monotonic() >= deadline:  # whatever it found was cut short: not an answer to keep
        logger.warning("report %s stopped at its time limit of %g s", report_id, seconds)
        finish(report_id, status=Status.FAILED, error=TIME_LIMIT.format(seconds=seconds))
        return
    finish(report_id, status=Status(result["status"]), result=result)


def extend(result: ReportV1, report: Report, client: Any, limits: Limits, progress: ProgressWriter) -> None:
    """The extra questions (other targets, what broke), unless the user already said stop."""
    asked = Options.from_json(report.options)
    if not asked.targets and asked.good_date is None:
        return
    if stop_requested(report.id):
        stopped: AnalysisFailure = {"error": STOPPED_BY_USER}
        result.update({"targets": stopped} if asked.targets else {})
        result.update({"what_broke": stopped} if asked.good_date is not None else {})
        return
    phase = "resolving the other targets" if asked.targets else "searching for the release that broke it"
    progress.enter(phase)
    analysis.extend(result, report, client, limits)


def finish(report_id: Any, *, status: Status, result: ReportV1 | None = None, error: str = "") -> None:
    """Store the outcome, once: only a report still running is finished (a second run loses)."""
    finished = retrying(
        lambda: Report.objects.filter(id=report_id, status=Status.RUNNING).update(
            status=status, result=result, error=error, finished=timezone.now()
        ),
        f"report {report_id}: finish",
    )
    if finished:
        announce([report_id])


def announce(report_ids: list[Any]) -> None:
    """Queue the completion webhook of those finished reports that asked for one."""
    hooked = Report.objects.filter(id__in=report_ids).exclude(webhook_url="").values_list("id", flat=True)
    for report_id in hooked:
        transaction.on_commit(functools.partial(current_app.send_task, WEBHOOK_TASK, args=[str(report_id)]))
