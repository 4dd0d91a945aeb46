"""The worker of `make run`: a Celery worker (threads pool) with the beat scheduler as a thread of
the same process.

`celery worker --beat` runs beat as a child process, which outlives a worker killed with SIGKILL;
the next `make run` then starts a second beat, and every periodic task runs twice. A thread dies
with its process, whatever kills it.

    python -m config.devworker [SCHEDULE_FILE]
"""

from __future__ import annotations

import sys

from celery.beat import EmbeddedService

from config.celery import app


def main(argv: list[str]) -> None:
    schedule = argv[0] if argv else ".cache/celerybeat-schedule"
    beat = EmbeddedService(app, thread=True, schedule_filename=schedule)
    beat.start()
    app.worker_main(["worker", "--pool", "threads", "--concurrency", "2", "--loglevel", "INFO"])


if __name__ == "__main__":
    main(sys.argv[1:])
