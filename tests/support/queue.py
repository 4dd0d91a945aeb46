"""What the app queued: tasks are sent by name (`current_app.send_task`), so tests record the sends."""

from __future__ import annotations

from typing import Any

import pytest
from celery import current_app


def record_sends(monkeypatch: pytest.MonkeyPatch, task: str) -> list[str]:
    """The report ids sent to `task` from now on; sends to other tasks are dropped."""
    sent: list[str] = []

    def send_task(name: str, args: Any = (), **options: Any) -> None:
        if name == task:
            sent.append(args[0])

    monkeypatch.setattr(current_app, "send_task", send_task)
    return sent
