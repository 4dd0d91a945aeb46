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


def host_of(url: str) -> str:
    """The lower-cased host name of a URL ('' for file:// URLs)."""
    return (urlsplit(url).hostname or "").lower()
