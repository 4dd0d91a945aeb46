"""The completion webhook: one signed POST when a report that asked for it finishes.

The body is `{"id", "status", "summary", "permalink"}`; the header
`X-Conflict-Explorer-Signature: sha256=<hex>` is the HMAC-SHA256 of the exact body bytes, keyed by
`API_WEBHOOK_SECRET` when set, else by the SHA-256 hex digest of the API token that created the
report (the server keeps only that digest; the client can compute it from its token). Redirects
are not followed (they could lead off the allow-list), and the host is checked again at delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
from django.conf import settings

from conflicts.api.request import webhook_problem
from conflicts.models import Report

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Conflict-Explorer-Signature"


class DeliveryFailed(Exception):
    """The receiver could not take the webhook now (network error, 5xx, 408, 429): try later."""


def signature(body: bytes, key: str) -> str:
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signing_key(report: Report) -> str:
    if settings.API_WEBHOOK_SECRET:
        return settings.API_WEBHOOK_SECRET
    return report.token.hashed if report.token else ""


def payload(report: Report) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "status": report.status,
        "summary": report.summary(),
        "permalink": report.site_url + report.get_absolute_url(),
    }


def backoff(retries: int) -> int:
    """Seconds before the next attempt: 10 s, 20 s, 40 s, ... at most an hour."""
    return min(10 * 2**retries, 3600)


def deliver(report_id: str) -> bool:
    """POST the webhook once; True when delivered, False when it never will be.

    Raises DeliveryFailed when a later attempt may succeed.
    """
    report = Report.objects.select_related("token").get(id=report_id)
    if not report.webhook_url or not report.is_finished:
        return False
    if problem := webhook_problem(report.webhook_url):
        logger.warning("webhook of report %s not sent: %s", report_id, problem)
        return False
    key = signing_key(report)
    if not key:
        logger.warning("webhook of report %s not sent: no signing key (its token was deleted)", report_id)
        return False
    body = json.dumps(payload(report)).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(body, key),
               "User-Agent": "conflict-explorer-webhook"}  # fmt: skip
    try:
        response = httpx.post(
            report.webhook_url,
            content=body,
            headers=headers,
            timeout=settings.API_WEBHOOK_TIMEOUT,
            follow_redirects=False,
        )
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise DeliveryFailed(f"the receiver answered {response.status_code}")
    if not response.is_success:
        logger.warning("webhook of report %s refused with %s; not retried", report_id, response.status_code)
        return False
    return True
