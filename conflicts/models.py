"""The one model: a Report, an immutable record of one resolution and its result.

The row is the source of truth for background work: a task claims it with a conditional update
(`queued -> running`), writes progress onto it, and finishes it; a sweeper can finish rows whose
worker died. The permalink page renders the stored JSON report and never resolves again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.urls import reverse


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Resolving"
    RESOLVED = "resolved", "Resolved"
    CONFLICT = "conflict", "Conflict"
    ERROR = "error", "Could not resolve"
    FAILED = "failed", "Failed"


FINISHED = {Status.RESOLVED, Status.CONFLICT, Status.ERROR, Status.FAILED}


class Report(models.Model):
    # A random UUID (122 random bits) makes the permalink impossible to guess.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)

    # The input as submitted: every file by name, which of them are top level, and the target.
    files = models.JSONField(default=dict)
    roots = models.JSONField(default=list)
    python_version = models.CharField(max_length=8)
    platform = models.CharField(max_length=64)
    index_name = models.CharField(max_length=200, help_text="Which configured index (never a URL with credentials).")
    pre = models.BooleanField(default=False)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")

    # The work: claimed by a worker, with progress while it runs.
    attempts = models.PositiveSmallIntegerField(default=0)
    started = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True)

    # The result: the JSON report v1, or why there is none.
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

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
        messages += [d["message"] for d in result.get("diagnoses", []) if d.get("severity") != "warning"]
        if messages:
            extra = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
            return messages[0] + extra
        return self.error or self.get_status_display()
