"""What the views and tasks ask for: submit a report, run it, finish what a dead worker left.

Views validate and call `submit_report`; the task calls `run_report(id)`, which claims the row
with a conditional update (so a second delivery of the same task is harmless), resolves with the
engine, and stores the JSON report. Nothing here renders HTML.

The row, not the broker, says whether a report is done: a worker beats on it while it resolves,
so a task delivered again after its worker died (Redis does that after the visibility timeout)
takes the report over, and the sweeper finishes what nobody took. Writes survive a database that
drops its connections for a few seconds (a restart, a failover), so such a blip neither fails a
report nor leaves it running.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from conflicts.indexcache import index_cache
from conflicts.indexes import configured_indexes
from conflicts.jobs import questions as analysis
from conflicts.models import ApiToken, Report, Status
from resolver.engine import Limits, resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.index.egress import EgressPolicy
from resolver.index.limits import IndexLimits
from resolver.index.urls import host_of, redact

T = TypeVar("T")

logger = logging.getLogger(__name__)
STOPPED_WORKER = "The worker resolving this report stopped; please re-run it."
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


def submit_report(
    files: Mapping[str, str],
    *,
    roots: list[str],
    python_version: str,
    platform: str,
    index_name: str,
    pre: bool = False,
    rerun_of: Report | None = None,
    **api_fields: Any,
) -> Report:
    """Save a new report and queue its resolution once the transaction commits.

    `api_fields` are the API's own columns (token, idempotency_key, request_digest, webhook_url,
    site_url).
    """
    report = Report.objects.create(
        files=dict(files),
        roots=list(roots),
        python_version=python_version,
        platform=platform,
        index_name=index_name,
        pre=pre,
        rerun_of=rerun_of,
        **api_fields,
    )
    transaction.on_commit(lambda: enqueue(report))
    return report


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key of an earlier report came with a different request."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"the key made report {report.id} from a different request")
        self.report = report


def submit_once(
    files: Mapping[str, str],
    *,
    token: ApiToken,
    idempotency_key: str,
    request_digest: str,
    **options: Any,
) -> tuple[Report, bool]:
    """Submit a report, or find the one this token made with this key: (report, replayed).

    A client that retries after a timeout must not make a second report. Keys are per token and
    kept as long as the reports; a concurrent twin loses the race on the unique constraint and
    gets the winner's report. Raises IdempotencyKeyReused for a different request under a key.
    """
    fields = {"token": token, "idempotency_key": idempotency_key, "request_digest": request_digest}
    if idempotency_key:
        existing = Report.objects.filter(token=token, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, request_digest), True
    try:
        with transaction.atomic():
            return submit_report(files, **options, **fields), False
    except IntegrityError:
        if not idempotency_key:
            raise
        return _replay(Report.objects.get(token=token, idempotency_key=idempotency_key), request_digest), True


def _replay(report: Report, request_digest: str) -> Report:
    if report.request_digest != request_digest:
        raise IdempotencyKeyReused(report)
    return report


def enqueue(report: Report) -> None:
    from conflicts.tasks import resolve_report

    resolve_report.delay(str(report.id))


def index_url(name: str) -> str:
    """The URL of a configured index by its name; unknown names fall back to the default."""
    indexes = configured_indexes()
    return dict(indexes).get(name, indexes[0][1])


def allowed_hosts() -> set[str]:
    """Hosts an index URL in an uploaded file may name: only those the settings configure."""
    hosts = {host_of(url) for _, url in configured_indexes()}
    return (hosts | set(settings.RESOLVER_ALLOWED_INDEX_HOSTS)) - {""}


def egress_policy() -> EgressPolicy:
    """What the workers may fetch: the configured indexes (trusted as configured, file:// only
    inside them) and the allow-listed hosts, never a private address unless the settings say so."""
    return EgressPolicy(
        settings.RESOLVER_ALLOWED_INDEX_HOSTS,
        trusted_urls=[url for _, url in configured_indexes()],
        allow_private=settings.RESOLVER_ALLOW_PRIVATE_INDEXES,
    )


def index_client(urls: list[str], policy: EgressPolicy | None = None) -> IndexClient:
    return IndexClient(
        urls,
        cache=index_cache(),
        limits=IndexLimits(max_requests=settings.RESOLVER_MAX_REQUESTS),
        allow_url=policy or egress_policy(),
        ca_bundle=settings.RESOLVER_CA_BUNDLE,
    )


class InputIndexes:
    """The engine's `input_index`: honours the input's index URLs that the policy allows.

    A refused URL is never fetched: it is dropped (a refused `--index-url` leaves the configured
    index in its place) and its reason kept, for `annotate` to write into the report.
    """

    def __init__(self, policy: EgressPolicy, configured: list[str], name: str) -> None:
        self.policy, self.configured, self.name = policy, configured, name
        self.refused: dict[str, str] = {}  # redacted URL -> reason
        self.shown: list[str] = []
        self.clients: list[IndexClient] = []

    def __call__(self, urls: list[str]) -> IndexClient:
        kept: list[str] = []
        for url in urls:
            reason = None if url in self.configured else self.policy.check(url)
            if reason is None:
                kept.append(url)
            else:
                self.refused[redact(url)] = reason
        if not kept or kept[0] != urls[0]:
            kept = self.configured + [url for url in kept if url not in self.configured]
        self.shown = [self.name if url in self.configured else redact(url) for url in kept]
        self.clients.append(index_client(kept, self.policy))
        return self.clients[-1]

    def annotate(self, result: dict[str, Any]) -> None:
        if not self.refused:
            return
        for option in result["input"].get("index_options", []):
            if option.get("value") in self.refused:
                option["honoured"] = False
                option["reason"] = f"not fetched: {self.refused[option['value']]}"
        result["input"]["index"] = " ".join(dict.fromkeys(self.shown))

    def close(self) -> None:
        for client in self.clients:
            client.close()


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
    """Writes the engine's progress onto the row, at most every `interval` seconds."""

    def __init__(self, report_id: Any, interval: float = 0.5) -> None:
        self.report_id = report_id
        self.interval = interval
        self.last = 0.0

    def __call__(self, progress: dict[str, int]) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        try:
            Report.objects.filter(id=self.report_id, status=Status.RUNNING).update(
                progress=progress, heartbeat=timezone.now()
            )
        except DatabaseError as error:  # progress is a courtesy: the resolution goes on
            logger.warning("report %s: progress not written (%s)", self.report_id, error)
            with contextlib.suppress(DatabaseError):
                connection.close()


def run_report(report_id: Any) -> None:
    """Resolve one queued report and store its result; safe to call twice for the same id."""
    if not retrying(lambda: claim(report_id), f"report {report_id}: claim"):
        logger.info("report %s is not queued any more; nothing to do", report_id)
        return
    report = retrying(lambda: Report.objects.get(id=report_id), f"report {report_id}: read")
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
                    limits=Limits(max_rounds=settings.RESOLVER_MAX_ROUNDS, max_seconds=settings.RESOLVER_MAX_SECONDS),
                    on_progress=ProgressWriter(report.id),
                    input_index=input_indexes,
                    **analysis.engine_options(report),
                )
                input_indexes.annotate(result)
                analysis.extend(result, report, client)
        finally:
            client.close()
            input_indexes.close()
    except Exception as error:  # the outermost edge: a report must never stay "running"
        logger.exception("report %s failed", report_id)
        finish(report_id, status=Status.FAILED, error=f"{type(error).__name__}: {error}")
        return
    finish(report_id, status=Status(result["status"]), result=result)


def finish(report_id: Any, *, status: Status, result: dict[str, Any] | None = None, error: str = "") -> None:
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
    from conflicts.tasks import deliver_webhook

    hooked = Report.objects.filter(id__in=report_ids).exclude(webhook_url="").values_list("id", flat=True)
    for report_id in hooked:
        transaction.on_commit(lambda report_id=report_id: deliver_webhook.delay(str(report_id)))


def sweep_stale(max_age: timedelta | None = None) -> int:
    """Finish reports whose worker stopped sending heartbeats: requeue once, then fail.

    Brokers do not all redeliver a task whose worker died, so the row decides.
    """
    max_age = max_age or timedelta(seconds=settings.RESOLVER_STALE_SECONDS)
    now = timezone.now()
    cutoff = now - max_age
    # Queued for longer than that without a worker taking it: its message may be lost (a broker
    # restarted without persistence). Queue it again; `claim` makes a duplicate harmless, and the
    # heartbeat column remembers when, so each report is queued again at most once per `max_age`.
    lost = Report.objects.filter(status=Status.QUEUED).filter(
        Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, created__lt=cutoff)
    )
    for report_id in list(lost.values_list("id", flat=True)):
        if Report.objects.filter(id=report_id, status=Status.QUEUED).update(heartbeat=now):
            enqueue(Report.objects.get(id=report_id))
    stale = Report.objects.filter(status=Status.RUNNING, heartbeat__lt=cutoff)
    exhausted = stale.filter(attempts__gte=settings.RESOLVER_MAX_ATTEMPTS)
    hooked = list(exhausted.exclude(webhook_url="").values_list("id", flat=True))
    failed = exhausted.update(status=Status.FAILED, error=STOPPED_WORKER, finished=now)
    announce(list(Report.objects.filter(id__in=hooked, status=Status.FAILED).values_list("id", flat=True)))
    requeue = list(stale.values_list("id", flat=True))
    for report_id in requeue:
        if Report.objects.filter(id=report_id, status=Status.RUNNING, heartbeat__lt=cutoff).update(
            status=Status.QUEUED, heartbeat=now
        ):
            enqueue(Report.objects.get(id=report_id))
    return failed + len(requeue)
