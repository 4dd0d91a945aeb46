"""Load test on loopback: gunicorn (2 processes) and Celery on PostgreSQL and Redis, driven by wrk.

    .venv/bin/python loadtest/run.py                  # or: make loadtest
    .venv/bin/python loadtest/run.py --seconds 10     # a quick look

It empties and migrates its own database (LOADTEST_DATABASE_URL, default ce_loadtest on
127.0.0.1) and Redis databases 13 (broker) and 14 (Django's cache, which counts the API rate),
raises the API throttle for the run, and measures with `wrk` at `--connections` for `--seconds`:

1. report creation, `POST /api/v1/reports` with a bearer token (one Celery worker resolving);
   the thousands of reports it queues are then set aside (failed), so the rest runs on an idle queue;
2. status reads, `GET /api/v1/reports/{id}`;
   (and for 10 s at one connection, the time a read takes when it waits for nothing);
3. report pages, `GET /r/{id}/`;
4. the drain: `--drain` reports submitted at once, resolved by 2 worker processes; the time until
   the last one finished.

Targets: p95 <= 200 ms for 1, <= 100 ms for 2, no failed request. The figures go to stdout and to
.cache/loadtest.json, with the machine's CPU count and load average, which matter on a shared host.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORPUS = ["django-blog", "drf-api", "celery-worker", "drf-lts", "conflict-django111-drf"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int, cache_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ce_loadtest"),
        "CELERY_BROKER_URL": os.environ.get("LOADTEST_BROKER_URL", "redis://127.0.0.1:6379/13"),
        "CACHE_URL": os.environ.get("LOADTEST_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "API_THROTTLE": "1000000/min",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "RESOLVER_CACHE_DIR": cache_dir,
        "LOG_LEVEL": "WARNING",
    }


def reset_services(env: dict[str, str]) -> None:
    import psycopg
    import redis

    parts = urlsplit(env["DATABASE_URL"])
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    for url in (env["CELERY_BROKER_URL"], env["CACHE_URL"]):
        redis.Redis.from_url(url).flushdb()


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def start(env: dict[str, str], command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def request(url: str, token: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=30) as answer:
        return json.loads(answer.read())


def wait_finished(base: str, token: str, ids: list[str], timeout: float) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict] = {}
    while len(done) < len(ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(ids) - len(done)} reports not finished in {timeout} s")
        for report_id in ids:
            if report_id not in done:
                status = request(f"{base}/api/v1/reports/{report_id}", token)
                if status["status"] not in ("queued", "running"):
                    done[report_id] = status
        time.sleep(0.5)
    return done


def set_aside_backlog(env: dict[str, str]) -> int:
    import psycopg
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        return db.execute(
            "UPDATE conflicts_report SET status = 'failed', error = 'load test backlog' "
            "WHERE status IN ('queued', 'running')"
        ).rowcount


def wrk(url: str, seconds: int, connections: int, **lua_env: str) -> dict:
    env = {**os.environ, **{f"LOADTEST_{k.upper()}": v for k, v in lua_env.items()}}
    load_before = os.getloadavg()[0]
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(ROOT / "loadtest" / "api.lua"), url]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("LOADTEST "))
    result = json.loads(line.removeprefix("LOADTEST "))
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    result["failed"] = sum(result[k] for k in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    result["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(f"  {json.dumps(result)}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--drain", type=int, default=40, help="reports submitted at once for the drain")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    work = Path(tempfile.mkdtemp(prefix="ce-loadtest-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(port, str(work / "index-cache"))
    reset_services(env)
    manage(env, "migrate", "--noinput", "-v", "0")
    token = manage(env, "create_api_token", "load test").strip().splitlines()[-1]
    processes = [start(env, [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"], work / "web.log")]
    celery = [str(BIN / "celery"), "-A", "config", "worker", "--without-gossip", "--without-mingle", "-l", "WARNING"]
    worker = start(env, [*celery, "--concurrency", "1", "-n", "one@%h"], work / "worker1.log")
    results: dict = {"cpus": os.cpu_count(), "seconds": options.seconds, "connections": options.connections}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not answer; see {work / 'web.log'}") from None
                time.sleep(0.3)

        body = {"files": {"requirements.in": "django>=4.2,<5\n"}, "python_version": "3.11"}
        seed = request(f"{base}/api/v1/reports", token, body)["id"]
        wait_finished(base, token, [seed], timeout=120)

        print(f"POST /api/v1/reports for {options.seconds} s ...", flush=True)
        results["create"] = wrk(f"{base}/api/v1/reports", options.seconds, options.connections,
                                method="POST", token=token, body=json.dumps(body))  # fmt: skip
        # The creation run left thousands of reports queued: set them aside, so that the reads and
        # the drain are measured with an idle worker rather than one still resolving that backlog.
        stop(worker)
        results["create"]["backlog_set_aside"] = set_aside_backlog(env)
        worker = start(env, [*celery, "--concurrency", "1", "-n", "one@%h"], work / "worker1.log")
        print(f"GET /api/v1/reports/{{id}} for {options.seconds} s ...", flush=True)
        results["status"] = wrk(f"{base}/api/v1/reports/{seed}", options.seconds, options.connections, token=token)
        # One connection: the time a read takes when it waits for nothing, the floor under the p95.
        results["status_one_connection"] = wrk(f"{base}/api/v1/reports/{seed}", 10, 1, token=token)
        print(f"GET /r/{{id}}/ for {options.seconds} s ...", flush=True)
        results["page"] = wrk(f"{base}/r/{seed}/", options.seconds, options.connections)

        stop(worker)
        worker = start(env, [*celery, "--concurrency", "2", "-n", "two@%h"], work / "worker2.log")
        corpus = ROOT / "bench" / "corpus"
        texts = [(corpus / f"{CORPUS[i % len(CORPUS)]}.in").read_text() for i in range(options.drain)]
        print(f"drain: {options.drain} reports, 2 worker processes ...", flush=True)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        ids = [request(f"{base}/api/v1/reports", token, {"files": {"requirements.in": t}})["id"] for t in texts]
        finished = wait_finished(base, token, ids, timeout=900)
        results["drain"] = {
            "reports": options.drain,
            "worker_processes": 2,
            "seconds": round(time.monotonic() - started, 1),
            "statuses": sorted({s["status"] for s in finished.values()}),
            "failed": sum(1 for s in finished.values() if s["status"] == "failed"),
            "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
    finally:
        stop(worker)
        for process in processes:
            stop(process)
    results["targets_met"] = {
        "create_p95_200ms": results["create"]["p95_ms"] <= 200 and results["create"]["failed"] == 0,
        "status_p95_100ms": results["status"]["p95_ms"] <= 100 and results["status"]["failed"] == 0,
        "page_no_failures": results["page"]["failed"] == 0,
    }
    (ROOT / ".cache").mkdir(exist_ok=True)
    (ROOT / ".cache" / "loadtest.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
