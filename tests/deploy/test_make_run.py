"""Issue 14, item 12: what `make run` starts leaves nothing behind when it is killed.

The worker of `make run` (its RUN_WORKER) runs beat as a thread: a worker killed with SIGKILL
takes beat with it, so the next `make run` does not start a second one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.deployment import ROOT

pytestmark = pytest.mark.slow


def worker_command() -> list[str]:
    line = re.search(r"^RUN_WORKER = (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert line, "the Makefile names the worker of `make run` in RUN_WORKER"
    return shlex.split(line[1].replace("$(BIN)/python", sys.executable))


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(status.parent.name))
    return found


def test_the_worker_of_make_run_has_no_beat_process_to_orphan(tmp_path: Path) -> None:
    env = {**os.environ, "CELERY_BROKER_URL": "memory://", "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    command = [*worker_command()[:-1], str(tmp_path / "schedule")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "beat: Starting" not in output and "ready." not in output and time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            output += line
        time.sleep(2)  # beat (a child process with `--beat`) is up by now
        assert process.poll() is None, output
        assert children(process.pid) == [], output
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)  # nothing of its process group is left
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
