"""The one model: a Report, an immutable record of one resolution and its result.

The row is the source of truth for background work: a task claims it with a conditional update
(`queued -> running`), writes progress onto it, and finishes it; a sweeper can finish rows whose
worker died. The permalink page renders the stored JSON report and never resolves again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Resolving"
    RESOLVED = "resolved", "Resolved"
    CONFLICT = "conflict", "Conflict"
    ERROR = "error", "Could not resolve"
    FAILED = "failed", "Failed"


FINISHED = {Status.RESOLVED, Status.CONFLICT, Status.ERROR, Status.FAILED}


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _scrub(value: Any) -> Any:
    """`value` with every lone surrogate replaced by U+FFFD: such text cannot be encoded as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


class TextJSONField(models.JSONField):
    """A JSONField whose strings can always be rendered.

    Lone surrogates are refused on submission now, but reports stored before then hold them (SQLite
    kept the `\\ud800` escape), and a page or an API answer with one fails to encode: reading
    replaces them, so those reports render instead of answering 500 forever.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        decoded = super().from_db_value(value, expression, connection)
        if isinstance(value, str) and not _SURROGATE_ESCAPE.search(value):
            return decoded
        return _scrub(decoded)


class Report(models.Model):
    # A random UUID (122 random bits) makes the permalink impossible to guess.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)

    # The input as submitted: every file by name, which of them are top level, and the target.
    files = TextJSONField(default=dict)
    roots = models.JSONField(default=list)
    python_version = models.CharField(max_length=8)
    platform = models.CharField(max_length=64)
    index_name = models.CharField(max_length=200, help_text="Which configured index (never a URL with credentials).")
    pre = models.BooleanField(default=False)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")
    # The analysis asked for (conflicts.submission.options.Options as JSON): extra targets, "as of", "used to
    # resolve on". Empty for a plain resolution.
    options = models.JSONField(default=dict, blank=True)

    # The work: claimed by a worker, with progress while it runs.
    attempts = models.PositiveSmallIntegerField(default=0)
    started = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    # Set by the page's Stop button: the worker's analyses end at their next re-resolution and the
    # report keeps what they proved.
    stop_requested = models.BooleanField(default=False)

    # The result: the JSON report v1, or why there is none.
    result = TextJSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    # Set by the API: the token that created the report, its Idempotency-Key with a digest of the
    # request (a retry must match it), where to announce the end, and the site's address as the
    # client saw it (the webhook has no request to build absolute links from).
    token = models.ForeignKey("ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)
    webhook_url = models.URLField(max_length=2000, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            # A retried create finds the first report instead of making a second (API, Idempotency-Key).
            models.UniqueConstraint(
                fields=["token", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="unique_idempotency_key_per_token",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("conflicts:report", args=[self.id])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def duration_ms(self) -> int | None:
        if self.result:
            return self.result.get("stats", {}).get("duration_ms")
        return None

    def summary(self) -> str:
        """One line fit for a deployment log."""
        if not self.is_finished:
            return f"{self.get_status_display()}"
        result: dict[str, Any] = self.result or {}
        if self.status == Status.RESOLVED:
            return f"Resolved {len(result.get('pins', {}))} packages for Python {self.python_version}"
        messages = [c["message"] for c in result.get("conflicts", [])]
        missing = result.get("missing_projects") or {}
        grouped = set(missing.get("packages", [])) if missing.get("count", 0) > 1 else set()
        messages += [missing["message"]] if grouped else []  # one line for them all, as on the page
        messages += [
            d["message"]
            for d in result.get("diagnoses", [])
            if d.get("severity") != "warning" and not (d["kind"] == "not_found" and d.get("package") in grouped)
        ]
        if messages:
            extra = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
            return messages[0] + extra
        return self.error or self.get_status_display()


TOKEN_PREFIX = "ce_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


def token_digest(raw: str) -> str:
    """SHA-256 is enough for a random 256-bit token: there is nothing to guess or brute-force."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A client's bearer token for the JSON API.

    Only a digest of the token is stored, so a leaked database leaks no usable token; the first
    characters are kept in clear to find the row and to tell tokens apart in the admin.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.DateTimeField(null=True, blank=True)

    # Writing last_used on every request would make every API read a database write.
    TOUCH_EVERY = timedelta(minutes=1)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def webhook_secret(self) -> str:
        """The key of this token's webhook signatures (when API_WEBHOOK_SECRET is unset).

        Derived from SECRET_KEY, never stored: the database alone cannot sign. It changes when
        SECRET_KEY does; `create_api_token` prints it with the token.
        """
        digest = hmac.new(settings.SECRET_KEY.encode(), f"webhook-secret:{self.prefix}".encode(), hashlib.sha256)
        return "whsec_" + base64.b64encode(digest.digest()).decode()

    @classmethod
    def issue(cls, name: str) -> tuple[ApiToken, str]:
        """A new token and its clear text, which is shown once and never stored."""
        while True:
            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            try:
                with transaction.atomic():
                    token = cls.objects.create(name=name, prefix=raw[:PREFIX_LENGTH], hashed=token_digest(raw))
            except IntegrityError:  # the 48-bit prefix of another token: draw again
                continue
            return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """The live token matching `raw`, compared in constant time; None if unknown or revoked."""
        if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
            return None
        token = cls.objects.filter(prefix=raw[:PREFIX_LENGTH], revoked__isnull=True).first()
        if token is None or not hmac.compare_digest(token.hashed, token_digest(raw)):
            return None
        return token

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used is None or now - self.last_used > self.TOUCH_EVERY:
            ApiToken.objects.filter(pk=self.pk).update(last_used=now)
            self.last_used = now

    def revoke(self) -> None:
        self.revoked = timezone.now()
        self.save(update_fields=["revoked"])
