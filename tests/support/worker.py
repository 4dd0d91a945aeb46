"""A real Celery worker in a thread of the test process, consuming its in-memory broker.

Tasks queued by the app under test (on commit, from the live server's thread) then run through the
same path as in production: the broker, the task, the services. Needs a transactional database, as
the worker's thread must see the rows the server committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def celery_worker() -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
