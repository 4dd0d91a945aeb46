"""Which proxy a request goes through, read from the environment as pip reads it.

Corporate networks often reach the outside only through a proxy named in HTTPS_PROXY/HTTP_PROXY
(ALL_PROXY for any scheme), with NO_PROXY listing what is reached directly. pip (through requests)
takes them from `urllib.request.getproxies()` and skips the proxy for a host that NO_PROXY names
(a domain and its subdomains, `host:port`, `*` for all, or an IP network such as `10.0.0.0/8`).
We read the same variables the same way, so a machine where pip works reaches the index too.

Only http:// proxies are spoken to: plain requests are sent to them in absolute form, https ones
go through a CONNECT tunnel, so TLS (and certificate checks) stays end to end with the target.
What may be fetched is still decided on the target URL (`resolver.index.egress`); whether a
proxy may be connected to at all is the policy's `allow_proxy`.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class ProxyRefused(Exception):
    """The request would go through a proxy that the policy does not allow, or cannot be spoken to."""


@dataclass(frozen=True)
class Proxy:
    url: str  # as configured, credentials included: never shown
    host: str
    port: int
    authorization: str | None  # a Proxy-Authorization header from the URL's user-info

    @property
    def shown(self) -> str:
        return f"http://{self.host}:{self.port}"


def environment_proxies() -> dict[str, str]:
    """The proxies of the environment (`{"https": ..., "no": ...}`), as pip takes them.

    Where getproxies reads nothing but the environment (not macOS nor Windows, which also ask the
    system) and no `*_proxy` variable is set, that is no proxy, known without importing
    urllib.request: every client asks, and that import cost each command-line run a few ms.
    """
    if sys.platform not in ("darwin", "win32") and not any(
        value and name.lower().endswith("_proxy") for name, value in os.environ.items()
    ):
        return {}
    import urllib.request

    return urllib.request.getproxies()


def proxy_for(url: str, proxies: Mapping[str, str]) -> Proxy | None:
    """The proxy `url` goes through, or None to connect directly; ProxyRefused if unusable."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname
    configured = proxies.get(scheme) or proxies.get("all")
    if not configured or not host or bypassed(host, parts.port, proxies.get("no", "")):
        return None
    return parse_proxy(configured)


def parse_proxy(configured: str) -> Proxy:
    # A bare `host:port` is an http proxy, as pip reads it.
    proxy = urlsplit(configured if "://" in configured else "http://" + configured)
    if proxy.scheme.lower() != "http" or not proxy.hostname:
        shown = f"{proxy.scheme}://{proxy.hostname}" if proxy.hostname else "(no host)"
        raise ProxyRefused(f"the proxy {shown} is not an http:// proxy; only those are supported")
    try:
        port = proxy.port or 80
    except ValueError as error:
        raise ProxyRefused(f"the proxy URL cannot be read: {error}") from None
    authorization = None
    if proxy.username is not None:
        pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return Proxy(configured, proxy.hostname, port, authorization)


def bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether NO_PROXY sends `host` directly: urllib's `proxy_bypass_environment` rules, plus the
    IP networks (`10.0.0.0/8`) that requests, and so pip, also accept."""
    from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]  # public since Python 2, not in typeshed

    host = host.strip("[]")
    entries = [entry.strip() for entry in no_proxy.split(",") if entry.strip()]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        for entry in entries:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    with_port = f"{host}:{port}" if port is not None else host
    return bool(proxy_bypass_environment(with_port, {"no": no_proxy}))
