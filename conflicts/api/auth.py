"""Who may call the JSON API, and how often: bearer tokens, throttled per token.

A token is checked against the stored digests (`ApiToken.find`); every refusal says why, with the
`WWW-Authenticate` challenge RFC 6750 asks for. Throttling is a fixed window per token counted in
Django's cache, done right after authentication so that every authenticated route counts and a
throttled client costs no body parsing.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer

from conflicts.api.problems import ApiProblem
from conflicts.models import ApiToken


def unauthorized(detail: str, error: str = "") -> ApiProblem:
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    return ApiProblem("unauthorized", detail, headers={"WWW-Authenticate": challenge})


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, checked against the stored digests, then throttled.

    Throttling happens here, where the token is known, so every authenticated route counts.
    """

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get("Authorization", "")
        if not header:
            raise unauthorized("Send your API token as `Authorization: Bearer <token>`.")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise unauthorized("The Authorization header must be `Bearer <token>`.", "invalid_request")
        token = ApiToken.find(raw.strip())
        if token is None:
            raise unauthorized("This token is unknown or revoked.", "invalid_token")
        token.touch()
        throttle(token)
        return token

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:  # pragma: no cover
        return ApiToken.find(token)  # unused: __call__ above does it all, with reasons


PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400,
           "day": 86400}  # fmt: skip


def parse_rate(rate: str) -> tuple[int, int]:
    """Requests per window and the window in seconds: "60/min" is (60, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def throttle(token: ApiToken) -> None:
    """A fixed window per token in Django's cache; over the limit, a 429 says when to come back."""
    limit, period = parse_rate(settings.API_THROTTLE)
    now = time.time()
    window = int(now // period)
    key = f"api-throttle:{token.prefix}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count > limit:
        wait = max(1, math.ceil((window + 1) * period - now))
        raise ApiProblem(
            "too-many-requests",
            f"This token may make {limit} requests per {period} s; retry in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
