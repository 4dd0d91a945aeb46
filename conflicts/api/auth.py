"""Who may call the JSON API, and how often: bearer tokens, throttled per token.

A token is checked against the stored digests (`ApiToken.find`); every refusal says why, with the
`WWW-Authenticate` challenge RFC 6750 asks for. Throttling is a fixed window per token counted in
Django's cache, done right after authentication so that every authenticated route counts and a
throttled client costs no body parsing.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from conflicts.api.problems import ApiProblem
from conflicts.models import ApiToken
from conflicts.throttling import over_limit, parse_rate


def unauthorized(detail: str, error: str = "") -> ApiProblem:
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    return ApiProblem("unauthorized", detail, headers={"WWW-Authenticate": challenge})


class TokenRequest(HttpRequest):
    """A request django-ninja let through `BearerToken`, which it sets as `auth`: the caller's token."""

    auth: ApiToken


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


def throttle(token: ApiToken) -> None:
    """A fixed window per token in Django's cache; over the limit, a 429 says when to come back."""
    wait = over_limit(f"api:{token.prefix}", settings.API_THROTTLE)
    if wait is not None:
        limit, period = parse_rate(settings.API_THROTTLE)
        raise ApiProblem(
            "too-many-requests",
            f"This token may make {limit} requests per {period} s; retry in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
