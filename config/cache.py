"""The warning that the cache is down, once per 30 seconds rather than once per operation.

django-redis, with IGNORE_EXCEPTIONS, logs every ignored error with its traceback; during an
outage that is several records per request. This filter on its logger (`DJANGO_REDIS_LOGGER`)
lets one through per period, worded for an operator.
"""

from __future__ import annotations

import logging
import threading
import time

WARN_EVERY = 30.0


class OncePerPeriod(logging.Filter):
    def __init__(self, seconds: float = WARN_EVERY) -> None:
        super().__init__()
        self.seconds = seconds
        self._last = float("-inf")
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.seconds:
                return False
            self._last = now
        error = record.exc_info[1] if record.exc_info else None
        cause = (error.__cause__ or error) if error else None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = (
            "the cache is unavailable (%s); going on without it",
            (f"{type(cause).__name__}: {cause}" if cause else "no detail",),
        )
        record.exc_info = record.exc_text = None
        return True
