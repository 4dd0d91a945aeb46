"""The project's Celery app with the stale-report sweeper every `SWEEP_SECONDS` (default 60).

Tests that kill workers start `celery -A tests.support.celeryapp worker --beat`, so the sweeper
runs often enough to be waited for. On Redis it also looks for unacknowledged tasks past their
visibility timeout every 10 s instead of kombu's default of every 100 s (10 s times a throttle of
10), so a task whose worker died comes back within the visibility timeout plus 10 s.
"""

import os

from config.celery import app

app.conf.beat_schedule = {
    "sweep-stale-reports": {"task": "conflicts.sweep_stale", "schedule": float(os.environ.get("SWEEP_SECONDS", "60"))}
}
if app.conf.broker_url.startswith("redis://"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }

__all__ = ["app"]
