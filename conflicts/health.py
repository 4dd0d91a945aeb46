"""Health probes for the container engine and load balancers: /healthz and /readyz.

`/healthz` (liveness) says the process serves requests and reaches its database: restart it when
this fails. `/readyz` (readiness) also checks what a submission needs, the broker that queues the
resolution, and reports on the caches (Django's and the shared index cache), which never make the
app unready: it works without them.

They answer from a middleware placed first: probes come by IP address over plain HTTP, which
ALLOWED_HOSTS and the HTTPS redirect would refuse. They say only "ok" or which check failed and
why (the exception's class), never a URL or a password.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds for the broker's connection; the others have their own short timeouts


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    from config.celery import app

    with app.connection_for_write(connect_timeout=CHECK_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=CHECK_TIMEOUT)


def check_cache() -> None:
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("the value written was not read back")


def check_index_cache() -> None:
    if not settings.RESOLVER_CACHE_URL:
        return
    from conflicts.indexcache import shared_index_cache

    shared = shared_index_cache()
    if shared is not None and not shared.ping():
        raise ConnectionError("the shared index cache does not answer")


LIVENESS: dict[str, Callable[[], None]] = {"database": check_database}
READINESS: dict[str, Callable[[], None]] = {"database": check_database, "broker": check_broker}
# Reported, never unready: without them the app works, only slower (django-redis misses while
# Redis is down: no rate counting, graphs redrawn; the workers resolve without the index cache).
OPTIONAL: dict[str, Callable[[], None]] = {"cache": check_cache, "index_cache": check_index_cache}


def run_checks(required: dict[str, Callable[[], None]], optional: dict[str, Callable[[], None]]) -> tuple[bool, dict]:
    results: dict[str, dict] = {}
    healthy = True
    for group, checks in ((True, required), (False, optional)):
        for name, check in checks.items():
            started = time.monotonic()
            try:
                check()
            except Exception as error:
                logger.warning("health check %s failed: %s: %s", name, type(error).__name__, error)
                results[name] = {"ok": False, "error": type(error).__name__}
                healthy = healthy and not group
            else:
                results[name] = {"ok": True}
            results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return healthy, results


PROBES = {
    "/healthz": (LIVENESS, {}),
    "/readyz": (READINESS, OPTIONAL),
}


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
            return response
        healthy, results = run_checks(*probe)
        body = {"status": "ok" if healthy else "unavailable", "checks": results}
        response = HttpResponse(json.dumps(body), content_type="application/json", status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        response["X-Content-Type-Options"] = "nosniff"
        return response
