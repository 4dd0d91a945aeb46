"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

A real Celery worker runs in a thread on the in-memory broker, so an upload goes through the
same task path as in production; the index is served over loopback HTTP with a little latency,
so the progress view is visible. Every request the page makes to another host is aborted and
counted: the app must work offline. Screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings

from resolver.snapshot import bundle
from tests.support.fixtures import UNIVERSE
from tests.support.server import serve_index
from tests.support.universe import build_index

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BUNDLED = Path(django_settings.BASE_DIR) / "data" / "offline-index.tar.xz"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip

pytestmark = pytest.mark.browser

# Playwright's sync API keeps an event loop on the test thread; Django's database calls made by
# the test itself (fixtures, assertions) are still synchronous there, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

if not shutil.which(CHROMIUM):
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class OfflinePage:
    """A page that refuses every request to a host other than the live server's, and records it."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser, live_server) -> Iterator[OfflinePage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield OfflinePage(page, live_server.url)
    context.close()


@pytest.fixture
def slow_index(tmp_path: Path, settings) -> Iterator[str]:
    """The test universe over loopback HTTP, each request taking 150 ms (so progress shows)."""
    root = tmp_path / "index"
    build_index(root, UNIVERSE)
    with serve_index(root, latency=0.15) as server:
        settings.RESOLVER_INDEXES = [("test index", server.simple_url)]
        yield server.simple_url


@pytest.fixture
def worker(transactional_db) -> Iterator[None]:
    """A real Celery worker in a thread, consuming the in-memory broker of this process."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture(scope="session")
def bundled_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bundled") / "index"
    bundle.extract(BUNDLED, directory)
    return directory


@pytest.fixture
def bundled_index(settings, bundled_dir: Path) -> Iterator[Path]:
    """The bundled snapshot as the app's only index, as `make run` has it without PIP_INDEX_URL."""
    settings.RESOLVER_INDEXES = None
    settings.RESOLVER_INDEX_URLS = []
    settings.OFFLINE_INDEX_ARCHIVE = str(BUNDLED)
    settings.OFFLINE_INDEX_DIR = str(bundled_dir)
    yield bundled_dir
