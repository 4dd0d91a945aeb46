"""Submitting a report: save the row, then queue its resolution once the transaction commits.

Tasks are queued by name, so this module does not import the task module (which imports the
running side): views and the API reach the worker without an import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction

from conflicts.models import ApiToken, Report

RESOLVE_TASK = "conflicts.resolve_report"


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
    fields: dict[str, Any] = {"token": token, "idempotency_key": idempotency_key, "request_digest": request_digest}
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
    current_app.send_task(RESOLVE_TASK, args=[str(report.id)])
