"""Benchmark: from pressing Explain to the finished report on screen, in a real browser.

    python -m bench.browser [--runs 3] [--only two-lines|django-site] [--port 0]

What a user waits for is not the resolution alone: it is the form post, the task reaching the
worker through the broker, the worker's resolution and analyses, and the page learning of the
answer. So this starts what `make run` starts (runserver, a Celery worker on the threads pool with
beat, the filesystem broker, SQLite), each in a temporary directory of its own, and times Debian's
chromium (driven by Playwright) from the click on Explain to the finished report in the page.

Two cases: a two-line conflict (the home page's Django 1.11 with a newer
REST framework) on a loopback HTTP index (the bundled snapshot served by `bench.server`), and the
home page's "Django 3.2 site ... two conflicts" example on the bundled snapshot itself (file://).
One untimed run first warms the worker (imports, the index cache); medians of the timed runs
follow. "Verdict" is when the page first names the conflict, "finished" when the report is done.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.__main__ import ARCHIVE, REPO, prepare_index
from bench.server import serve

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
OFFLINE_NAME = "bundled snapshot"  # the start of its label (conflicts.indexes.offline_choice)
# (case, example slug on the home page, index to pick: None for the default, the loopback one)
CASES = [("two-lines", "drf-on-django-1-11", None), ("django-site", "company-site-two-conflicts", OFFLINE_NAME)]
TARGETS = {"two-lines": 1.0, "django-site": 3.0}
TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def stack(index_url: str, port: int) -> Iterator[str]:
    """runserver and a worker as `make run` starts them, on their own database, broker and cache."""
    work = Path(tempfile.mkdtemp(prefix="ce-browser-bench-"))
    env = {
        **os.environ,
        "SQLITE_PATH": str(work / "db.sqlite3"),
        "BROKER_DIR": str(work / "broker"),
        "RESOLVER_CACHE_DIR": str(work / "index-cache"),
        "PIP_INDEX_URL": index_url,
        "DEBUG": "True",
        "PYTHONUNBUFFERED": "1",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True)
    log = (work / "stack.log").open("w")
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "config", "worker", "--beat", "--schedule", str(work / "beat"),
         "--pool", "threads", "--concurrency", "2", "--loglevel", "WARNING"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    web = subprocess.Popen(
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise RuntimeError(f"the server did not start; see {work / 'stack.log'}") from None
                time.sleep(0.2)
        yield base
    finally:
        for process in (web, worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def explain_once(browser, base: str, slug: str, index: str | None) -> tuple[float, float | None]:
    """Seconds from the click on Explain to the conflict named, and to the finished report."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{base}/?example={slug}")
        if index is not None:  # the snapshot is named by what it covers: pick it by that name's start
            label = page.locator("select[name=index] option", has_text=index).first.inner_text()
            page.select_option("select[name=index]", label=label.strip())
        verdict: list[float] = []
        page.expose_function("benchVerdict", lambda: verdict.append(time.perf_counter()))
        page.add_init_script(
            "new MutationObserver(() => { if (document.querySelector('.partial-verdict, #report'))"
            " { window.benchVerdict && window.benchVerdict(); } })"
            ".observe(document, {subtree: true, childList: true});"
        )
        started = time.perf_counter()
        page.get_by_role("button", name="Explain", exact=True).click()
        page.wait_for_selector("#report[data-status]", timeout=TIMEOUT_MS)
        finished = time.perf_counter() - started
        return finished, (verdict[0] - started) if verdict else None
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=[case for case, _, _ in CASES], action="append")
    parser.add_argument("--port", type=int, default=0, help="the web server's port (default: a free one)")
    options = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    root = prepare_index(ARCHIVE, None)
    rows = []
    with (
        serve(root) as index,
        stack(index.url + "/simple/", options.port or free_port()) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        for case, slug, index_name in CASES:
            if options.only and case not in options.only:
                continue
            explain_once(browser, base, slug, index_name)  # warm-up: imports, the index cache
            runs = [explain_once(browser, base, slug, index_name) for _ in range(options.runs)]
            finished = statistics.median(r[0] for r in runs)
            verdicts = [r[1] for r in runs if r[1] is not None]
            rows.append((case, finished, statistics.median(verdicts) if verdicts else None, runs))
            print(f"{case}: {[round(r[0], 2) for r in runs]}", file=sys.stderr, flush=True)
        browser.close()
    print("| case | verdict on screen (s) | finished report (s) | target (s) |")
    print("|---|---|---|---|")
    for case, finished, verdict, _ in rows:
        shown = f"{verdict:.2f}" if verdict is not None else "-"
        print(f"| {case} | {shown} | {finished:.2f} | ≤ {TARGETS[case]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
