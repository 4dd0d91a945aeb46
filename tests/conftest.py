"""Test-wide setup: no broker server, a private index cache, no network beyond loopback."""

from __future__ import annotations

import os
import tempfile


def pytest_configure() -> None:
    # Tasks queued by views go to an in-memory broker nobody reads; tests run them directly.
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ.setdefault("RESOLVER_CACHE_DIR", tempfile.mkdtemp(prefix="ce-index-cache-"))
    # Offline tests: never ask pip for its index nor probe it (tests of that turn it on).
    os.environ.setdefault("RESOLVER_ASK_PIP", "false")


pytest_plugins = ["tests.support.fixtures"]
