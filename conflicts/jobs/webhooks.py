"""The completion webhook: one signed POST when a report that asked for it finishes.

The body is `{"id", "status", "summary", "permalink"}`, signed as Standard Webhooks sign: headers
`webhook-id` (the same on every retry of one delivery, for the receiver to drop duplicates),
`webhook-timestamp` (Unix seconds at sending, inside what is signed, so a captured delivery
cannot be replayed later) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
The key is `API_WEBHOOK_SECRET` (`whsec_<base64>` or any text) when set, else a secret per token
derived from `SECRET_KEY` and the token's prefix (`ApiToken.webhook_secret`): nothing stored in
the database signs, so a leaked database cannot forge a delivery. Redirects are not followed
(they could lead off the allow-list), and the host is checked again at delivery. It goes out
through the index's transport, so the proxies of the environment apply as they do to the index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

from django.conf import settings

from conflicts.api.request import webhook_problem
from conflicts.indexes import egress_policy
from conflicts.models import Report
from resolver.index.proxy import ProxyRefused
from resolver.index.transport import HttpTransport, TooLarge, TransportError

# What of a receiver's answer is read: only its status matters.
MAX_ANSWER_BYTES = 64 * 1024

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The receiver could not take the webhook now (network error, 5xx, 408, 429): try later."""


def key_bytes(secret: str) -> bytes:
    """The HMAC key of a secret: a `whsec_` secret is base64, as Standard Webhooks libraries read it."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def signature(message_id: str, timestamp: int, body: bytes, secret: str) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()).decode()


def signing_key(report: Report) -> str:
    if settings.API_WEBHOOK_SECRET:
        return settings.API_WEBHOOK_SECRET
    return report.token.webhook_secret() if report.token else ""


def payload(report: Report) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "status": report.status,
        "summary": report.summary(),
        "permalink": report.site_url + report.get_absolute_url(),
    }


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
    message_id, timestamp = f"report-{report.id}", int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "conflict-explorer-webhook",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(message_id, timestamp, body, key),
    }
    # One request, never redirected (the transport follows none); proxies as for the index.
    transport = HttpTransport(settings.API_WEBHOOK_TIMEOUT, max_connections=1, allow_proxy=_allow_proxy)
    try:
        response = transport.send("POST", report.webhook_url, headers=headers, body=body, max_bytes=MAX_ANSWER_BYTES)
    except TransportError as error:
        raise DeliveryFailed(str(error)) from error
    except (TooLarge, ProxyRefused) as error:
        logger.warning("webhook of report %s not delivered: %s; not retried", report_id, error)
        return False
    finally:
        transport.close()
    if response.status >= 500 or response.status in (408, 429):
        raise DeliveryFailed(f"the receiver answered {response.status}")
    if not 200 <= response.status < 300:
        logger.warning("webhook of report %s refused with %s; not retried", report_id, response.status)
        return False
    return True


def _allow_proxy(url: str) -> bool:
    return egress_policy().allow_proxy(url)  # the index's proxies, by the same setting
