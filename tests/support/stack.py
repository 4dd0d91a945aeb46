"""The app as separate processes, for tests that kill them: Celery workers, and reports submitted
from another process, on a real database and broker chosen by environment variables.

The test process reads the Report rows with a plain database connection (psycopg or sqlite3),
never through Django, so it sees exactly what the workers committed and stays out of their way.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FINISHED = {"resolved", "conflict", "error", "failed"}

SUBMIT = """
import sys, django
django.setup()
from django.db import transaction
from conflicts.indexes import configured_indexes
from conflicts.jobs.submit import submit_report
with transaction.atomic():
    report = submit_report({"requirements.in": sys.argv[1]}, roots=["requirements.in"], python_version="3.11",
                           platform="manylinux_2_28_x86_64", index_name=configured_indexes()[0].name)
print(report.id)
"""


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.text():
            assert self.process.poll() is None, f"worker {self.name} exited:\n{self.text()[-3000:]}"
            assert time.monotonic() < deadline, f"worker {self.name} not ready in {timeout} s:\n{self.text()[-3000:]}"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no clean-up at all."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class Stack:
    """`env` holds DATABASE_URL, CELERY_BROKER_URL, PIP_INDEX_URL and the rest for every process."""

    env: dict[str, str]
    directory: Path
    workers: list[Worker] = field(default_factory=list)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**os.environ, **self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{args[:2]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        return done.stdout

    def migrate(self) -> None:
        self.run("manage.py", "migrate", "--noinput", "-v", "0")

    def submit(self, text: str) -> str:
        return self.run("-c", SUBMIT, text).strip().splitlines()[-1]

    def start_worker(self, name: str, *, beat: bool = False, env: dict[str, str] | None = None) -> Worker:
        log = self.directory / f"{name}.log"
        command = [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker",
                   "--pool", "solo", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-l", "INFO"]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(self.directory / f"{name}-beat-schedule")]
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env, **(env or {})},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so a kill reaches every process of it
            )
        worker = Worker(name, process, log)
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    # -- the rows ----------------------------------------------------------------------------

    def row(self, report_id: str) -> dict[str, Any]:
        query = "SELECT status, error, attempts, progress FROM conflicts_report WHERE id = {}"
        url = self.env["DATABASE_URL"]
        if url.startswith("sqlite:"):
            with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
                found = db.execute(query.format("?"), (uuid.UUID(report_id).hex,)).fetchone()
        else:
            import psycopg

            with psycopg.connect(url, connect_timeout=5) as db:
                found = db.execute(query.format("%s"), (report_id,)).fetchone()
        assert found is not None, f"no report {report_id}"
        status, error, attempts, progress = found
        progress = json.loads(progress) if isinstance(progress, str) else progress
        return {"status": status, "error": error, "attempts": attempts, "progress": progress}

    def wait(self, report_id: str, statuses: set[str], timeout: float) -> dict[str, Any]:
        """Poll the row until its status is one of `statuses`; fail with the workers' logs if not."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.row(report_id)
            if row["status"] in statuses:
                return row
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {w.name}\n{w.text()[-4000:]}" for w in self.workers)
                raise AssertionError(f"report {report_id} still {row} after {timeout} s\n{logs}")
            time.sleep(0.25)


def chain_universe(length: int) -> dict[str, dict[str, dict[str, Any]]]:
    """link0 -> link1 -> ... : each level is found only after the previous one's metadata, so a
    resolution makes at least 2 * `length` requests one after the other."""
    universe: dict[str, dict[str, dict[str, Any]]] = {}
    for level in range(length):
        requires = [f"link{level + 1}>=1"] if level + 1 < length else []
        universe[f"link{level}"] = {"1.0": {"requires": requires}, "1.1": {"requires": requires}}
    return universe
