"""Celery tasks: each takes an id and holds no logic of its own."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from conflicts.jobs import run, sweep, webhooks

logger = logging.getLogger(__name__)


@shared_task(name="conflicts.resolve_report", acks_late=True, ignore_result=True)
def resolve_report(report_id: str) -> None:
    run.run_report(report_id)


@shared_task(name="conflicts.sweep_stale", ignore_result=True)
def sweep_stale() -> None:
    sweep.sweep_stale()


@shared_task(name="conflicts.deliver_webhook", bind=True, acks_late=True, ignore_result=True, max_retries=None)
def deliver_webhook(self, report_id: str) -> None:
    """Retried with exponential backoff while the receiver is down, up to API_WEBHOOK_MAX_RETRIES times."""
    try:
        webhooks.deliver(report_id)
    except webhooks.DeliveryFailed as error:
        if self.request.retries >= settings.API_WEBHOOK_MAX_RETRIES:
            logger.warning(
                "webhook of report %s given up after %s attempts: %s", report_id, self.request.retries + 1, error
            )
            return
        raise self.retry(exc=error, countdown=webhooks.backoff(self.request.retries)) from error
