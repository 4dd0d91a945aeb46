"""URL helpers shared by the index client and the reports: credentials never leave the engine."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact(url: str) -> str:
    """The URL with any password (or token used as username) replaced by `****`.

    `https://user:secret@host/simple/` becomes `https://user:****@host/simple/`, and a lone token
    (`https://token@host/`) becomes `https://****@host/`, as pip and unearth show them.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, _password = userinfo.partition(":")
    shown = f"{user}:****" if sep else "****"
    return urlunsplit((parts.scheme, f"{shown}@{hostport}", parts.path, parts.query, parts.fragment))


def host_of(url: str) -> str:
    """The lower-cased host name of a URL ('' for file:// URLs)."""
    return (urlsplit(url).hostname or "").lower()
