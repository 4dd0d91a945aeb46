"""URL helpers shared by the index client and the reports: credentials never leave the engine."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact(url: str) -> str:
    """The URL with its whole user information (user name, password, token) replaced by `****`.

    `https://user:secret@host/simple/` becomes `https://****@host/simple/`: a user name on a
    private index is an account name, which a shared report or an error message must not give
    away either.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    hostport = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"****@{hostport}", parts.path, parts.query, parts.fragment))


def without_userinfo(url: str) -> str:
    """The URL with no user information at all: what a user can fetch with their own credentials."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, parts.fragment))


def host_of(url: str) -> str:
    """The lower-cased host name of a URL ('' for file:// URLs)."""
    return (urlsplit(url).hostname or "").lower()
