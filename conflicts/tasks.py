"""Celery tasks: each takes an id and holds no logic of its own."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from conflicts.jobs import run, sweep, webhooks


@shared_task(name="conflicts.resolve_report", acks_late=True, ignore_result=True)
def resolve_report(report_id: str) -> None:
    run.run_report(report_id)


@shared_task(name="conflicts.sweep_stale", ignore_result=True)
def sweep_stale() -> None:
    sweep.sweep_stale()


# Celery retries a delivery the receiver could not take (DeliveryFailed: network error, 5xx, 408,
# 429) after 10 s, 20 s, 40 s, ... at most an hour, without jitter so the documented schedule holds;
# past API_WEBHOOK_MAX_RETRIES (read when the worker starts) the task fails with the last error.
@shared_task(
    name="conflicts.deliver_webhook",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(webhooks.DeliveryFailed,),
    retry_backoff=10,
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=settings.API_WEBHOOK_MAX_RETRIES,
)
def deliver_webhook(report_id: str) -> None:
    webhooks.deliver(report_id)
