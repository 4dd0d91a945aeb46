"""Finishing what a dead worker left: reports whose heartbeat stopped, and queued ones nobody took.

Brokers do not all redeliver a task whose worker died, so the row decides; the beat runs this
every `RESOLVER_SWEEP_SECONDS`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from conflicts.jobs.run import STOPPED_WORKER, announce
from conflicts.jobs.submit import enqueue
from conflicts.models import Report, Status


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
