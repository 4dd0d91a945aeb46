"""Celery tasks: each takes an id and holds no logic of its own."""

from __future__ import annotations

from celery import shared_task

from conflicts import services


@shared_task(name="conflicts.resolve_report", acks_late=True, ignore_result=True)
def resolve_report(report_id: str) -> None:
    services.run_report(report_id)


@shared_task(name="conflicts.sweep_stale", ignore_result=True)
def sweep_stale() -> None:
    services.sweep_stale()
