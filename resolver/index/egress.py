"""Which URLs the index client may fetch: the guard against server-side request forgery.

The web app resolves files that strangers upload, and those files may carry `--index-url` lines;
index pages (which we do not control either) link to files and redirect. Without a policy, an
upload saying `--index-url http://169.254.169.254/latest/` makes the worker fetch the cloud
metadata service, and a page redirecting to `http://127.0.0.1:6379/` pokes at Redis. So every URL
is vetted before any request (`resolver.index.fetch.Fetcher` asks `allow_url` for each hop).

`EgressPolicy` is framework-free: the Django side builds one from its settings, the CLI builds a
permissive one. A URL is refused unless its scheme is http(s) (or file:// inside a configured
file index, or anywhere with `allow_file`), it has no user-info, its port is allowed, and its host
is allowed. Hosts are compared the way the HTTP stack would read them: lower-cased, IDNA-encoded,
without a trailing dot, and with every IPv4 spelling that `inet_aton` (and so `getaddrinfo`)
accepts -- `2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1` -- turned into dotted quads, IPv6 with
its zone id dropped and embedded IPv4 (`::ffff:127.0.0.1`, 6to4, NAT64) unwrapped, so no spelling
sneaks past the list.

Configured index URLs (`trusted_urls`) are trusted as configured, by exact origin (scheme, host,
port): a URL on one of those origins skips the address check (an internal index on a private
network is legitimate when the settings name it). The same host on another port or scheme is
not trusted: it is an allow-listed host like any other, or refused -- otherwise an upload naming
`http://127.0.0.1/` reaches port 80 of a worker whose index runs on 127.0.0.1:8080. Allow-listed
hosts are checked: an IP literal directly, a name by resolving it (`getaddrinfo`, bounded by
`resolve_timeout`) and refusing if any address is loopback, private, link-local, shared (CGNAT
100.64/10), multicast, reserved, unspecified or otherwise not globally routable -- unless
`allow_private`.

Files of a configured index often live on another host (a CDN, a file server): the client tells
the policy which hosts a trusted origin's pages link to (`learn_links`), and those hosts are then
trusted as the index that links them is (on the allowed ports, without the address check: the
operator chose that index, and an upload cannot make it link elsewhere). Pages of an index named
in an upload are not trusted, so their links teach nothing.

DNS rebinding: a hostile DNS server may answer a public address when the name is vetted and a
private one a moment later, when the HTTP stack resolves it again to connect. So the addresses a
name was vetted with are kept, and `connect_address` gives the transport the one to connect to
(`resolver.index.transport.HttpTransport` opens its socket there, sending the name in `Host` and
TLS SNI): what is connected to is what was checked.
"""

from __future__ import annotations

import ipaddress
import logging
import posixpath
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import unquote, urlsplit

from resolver.index.urls import redact

logger = logging.getLogger("resolver.index.egress")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]

DEFAULT_PORTS = frozenset({80, 443})
SCHEME_PORTS = {"http": 80, "https": 443}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible addresses, e.g. ::127.0.0.1
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?")
_FORBIDDEN_IN_NETLOC = re.compile(r"[\s\\\x00-\x1f\x7f]")
_DNS_CACHE_SECONDS = 30.0


def _system_resolver(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """`host` read as `inet_aton` reads it (1-4 parts, decimal, 0x hex or 0 octal), else None.

    Raises ValueError for something that is numeric but out of range (`256.1.1.1`, `0x1ffffffff`),
    which a resolver would refuse or wrap: either way it is no host name we could allow.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    if any(p.lower() == "0x" for p in parts):
        raise ValueError(f"{host!r} is a malformed IPv4 address")
    numbers = [int(p, 16) if p[:2].lower() == "0x" else int(p, 8) if p.startswith("0") else int(p) for p in parts]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        raise ValueError(f"{host!r} is an IPv4 address out of range")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def normalise_host(host: str) -> str | IPAddress:
    """The host as the HTTP stack would connect to it: an IP address, or a lower-case ASCII name.

    Raises ValueError for hosts no resolver would accept as given (bad IDNA, odd characters).
    """
    host = unquote(host)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:  # IPv6, maybe with a zone id (fe80::1%eth0): the zone does not change the address
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise ValueError(f"{host!r} is not a valid IPv6 address") from None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"{host!r} is not a valid international host name") from None
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise ValueError("the URL has no host")
    address = parse_ipv4(host)
    if address is not None:
        return address
    labels = host.split(".")
    if re.fullmatch(r"[0-9]+|0x[0-9a-f]*", labels[-1]):  # a numeric last label is an IPv4 try (WHATWG)
        raise ValueError(f"{host!r} is neither a host name nor an IPv4 address")
    if not all(_LABEL.fullmatch(label) for label in labels) or len(host) > 253:
        raise ValueError(f"{host!r} is not a valid host name")
    return host


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or (address in _COMPAT and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def non_public(address: IPAddress) -> str | None:
    """What kind of non-public address `address` is ("a loopback address", ...), or None if public."""
    inner = embedded_ipv4(address)
    if inner is not None:
        kind = non_public(inner)
        return f"{kind}, {inner} embedded in IPv6" if kind else None
    checks = [
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a shared address (CGNAT 100.64.0.0/10)", isinstance(address, ipaddress.IPv4Address) and address in _CGNAT),
        ("a multicast address", address.is_multicast),
        ("a reserved address", address.is_reserved),
        ("a private address", address.is_private),
        ("an address that is not globally routable", not address.is_global),
    ]
    return next((kind for kind, hit in checks if hit), None)


class EgressPolicy:
    """Decides whether the index client may fetch a URL; `check` says why not.

    `allowed_hosts`: names or IP literals (any spelling) that index URLs may name; None allows any
    host. `trusted_urls`: the configured index URLs, trusted as configured (see the module doc).
    `allowed_ports`: None allows any port; the ports of `trusted_urls` are always added.
    `allow_file`: file:// anywhere (not only inside a trusted file index). `allow_private`: skip
    the address check. `allow_userinfo`: accept `user:password@` in URLs given to `check`.
    `allowed_proxies`: the proxies (`http://host:port` or `host:port`) that requests may go through
    when the environment names one (`resolver.index.proxy`); None allows any. A proxy is trusted
    as configured, like a configured index: it is usually on the private network by design.
    """

    def __init__(
        self,
        allowed_hosts: Iterable[str] | None,
        *,
        allow_file: bool = False,
        allowed_ports: Iterable[int] | None = DEFAULT_PORTS,
        allow_private: bool = False,
        allow_userinfo: bool = False,
        trusted_urls: Iterable[str] = (),
        resolver: Resolver | None = None,
        resolve_timeout: float = 2.0,
        allowed_proxies: Iterable[str] | None = None,
    ) -> None:
        self.allow_file = allow_file
        self.allowed_proxies = None
        if allowed_proxies is not None:
            self.allowed_proxies = {origin for p in allowed_proxies if (origin := _proxy_origin(p)) is not None}
        self.allow_private = allow_private
        self.allow_userinfo = allow_userinfo
        self.resolve_timeout = resolve_timeout
        self._resolver = resolver or _system_resolver
        self._trusted_origins: set[tuple[str, str | IPAddress, int]] = set()
        self._file_roots: list[str] = []
        for url in trusted_urls:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "file":
                root = posixpath.dirname(posixpath.normpath(unquote(parts.path)))  # the parent of simple/
                self._file_roots.append(root.rstrip("/") + "/")
            elif parts.hostname:
                port = parts.port or SCHEME_PORTS.get(scheme, 0)
                self._trusted_origins.add((scheme, normalise_host(parts.hostname), port))
        self.allowed_ports = None if allowed_ports is None else frozenset(allowed_ports)
        self.allowed_hosts: set[str | IPAddress] | None = None
        if allowed_hosts is not None:
            self.allowed_hosts = {normalise_host(h) for h in allowed_hosts if h}
        self._lock = threading.Lock()
        self._dns: dict[str, tuple[float, str | None]] = {}
        self._vetted: dict[str, str] = {}  # name -> the public address it was vetted with
        self._linked: set[str | IPAddress] = set()  # hosts a trusted origin's pages link files to

    @classmethod
    def permissive(cls) -> EgressPolicy:
        """A policy that forbids nothing parseable: for a trusted user on their own machine."""
        return cls(None, allow_file=True, allowed_ports=None, allow_private=True, allow_userinfo=True)

    def __call__(self, url: str) -> bool:
        reason = self.check(url)
        if reason is not None:  # the fetcher only learns "no": keep the why for the operator
            logger.warning("refused to fetch %s: %s", redact(url), reason)
        return reason is None

    def check(self, url: str) -> str | None:
        """Why `url` may not be fetched, or None when it may."""
        authority = re.match(r"[^:/?#]*:(?://)?([^/?#]*)", url)
        if authority and _FORBIDDEN_IN_NETLOC.search(authority[1]):  # parsers disagree on these
            return "the URL's host part contains whitespace, control characters or backslashes"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            return f"the URL cannot be parsed: {error}"
        scheme = parts.scheme.lower()
        if scheme == "file":
            return self._check_file(parts.netloc, parts.path)
        if scheme not in SCHEME_PORTS:
            return f"the scheme {scheme + ':' if scheme else '(none)'} is not allowed; only http and https are"
        netloc = parts.netloc
        if "@" in netloc and not self.allow_userinfo:
            return "user-info (user:password@) in the URL is not accepted; configure credentials in the settings"
        if netloc.rpartition("@")[0].count("@") or "@" in netloc.rpartition("@")[2]:
            return "the URL has more than one '@'"
        if not parts.hostname:
            return "the URL has no host"
        try:
            host = normalise_host(_raw_host(netloc))
        except ValueError as error:
            return str(error)
        effective_port = port if port is not None else SCHEME_PORTS[scheme]
        if (scheme, host, effective_port) in self._trusted_origins:
            return None
        if host in self._linked and (self.allowed_ports is None or effective_port in self.allowed_ports):
            return None
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            kind = None if isinstance(host, str) else non_public(host)
            return f"the host {host} is not an allowed index host" + (f" ({kind})" if kind else "")
        if self.allowed_ports is not None and effective_port not in self.allowed_ports:
            return f"port {effective_port} is not allowed"
        if self.allow_private:
            return None
        if not isinstance(host, str):
            kind = non_public(host)
            return f"{host} is {kind}" if kind else None
        return self._check_name(host)

    def learn_links(self, page_url: str, netlocs: Iterable[str]) -> None:
        """Trust the hosts of `netlocs` (as in `scheme://NETLOC/...`) when `page_url` is on a trusted
        origin: a configured index's own links, on the allowed ports."""
        try:
            parts = urlsplit(page_url)
            origin = (parts.scheme.lower(), normalise_host(parts.hostname or ""), parts.port)
        except ValueError:
            return
        scheme, host, port = origin
        if (scheme, host, port if port is not None else SCHEME_PORTS.get(scheme, 0)) not in self._trusted_origins:
            return
        found = set()
        for netloc in netlocs:
            try:
                found.add(normalise_host(_raw_host(netloc)))
            except ValueError:
                continue
        with self._lock:
            self._linked |= found

    def allow_proxy(self, url: str) -> bool:
        """Whether a connection may go to the proxy at `url` (its host and port are compared)."""
        if self.allowed_proxies is None:
            return True
        allowed = _proxy_origin(url) in self.allowed_proxies
        if not allowed:
            logger.warning("refused to go through the proxy %s: not an allowed proxy", redact(url))
        return allowed

    def connect_address(self, host: str) -> str | None:
        """The address to open a connection to for `host`: the one it was vetted with, or None to
        connect by name (an IP literal, a trusted origin, or a policy that checks no addresses)."""
        try:
            normal = normalise_host(host)
        except ValueError:
            return None
        if not isinstance(normal, str):
            return None
        with self._lock:
            return self._vetted.get(normal)

    def _check_file(self, netloc: str, path: str) -> str | None:
        if netloc not in ("", "localhost"):
            return f"a file: URL with a host ({netloc}) is not allowed"
        if self.allow_file:
            return None
        normal = posixpath.normpath(unquote(path))
        if any(normal.startswith(root) for root in self._file_roots):
            return None
        return "file: URLs are allowed only inside a configured index"

    def _check_name(self, host: str) -> str | None:
        """Resolve an allow-listed name and refuse it if any address is not public (cached briefly)."""
        now = time.monotonic()
        with self._lock:
            cached = self._dns.get(host)
        if cached is not None and now - cached[0] < _DNS_CACHE_SECONDS:
            return cached[1]
        reason = self._resolve_and_judge(host)
        with self._lock:
            self._dns[host] = (now, reason)
        return reason

    def _resolve_and_judge(self, host: str) -> str | None:
        # getaddrinfo has no timeout of its own: run it on a throwaway thread and stop waiting.
        executor = ThreadPoolExecutor(max_workers=1)
        try:
            addresses = executor.submit(self._resolver, host).result(timeout=self.resolve_timeout)
        except FutureTimeout:
            return f"{host} did not resolve within {self.resolve_timeout:g} s"
        except OSError as error:
            return f"{host} does not resolve: {error}"
        finally:
            executor.shutdown(wait=False)
        if not addresses:
            return f"{host} does not resolve"
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                return f"{host} resolves to an unreadable address {text!r}"
            kind = non_public(address)
            if kind:
                return f"{host} resolves to {address}, {kind}"
        with self._lock:
            self._vetted[host] = addresses[0].split("%", 1)[0]
        return None


def _proxy_origin(url: str) -> tuple[str | IPAddress, int] | None:
    parts = urlsplit(url if "://" in url else "http://" + url)
    try:
        return normalise_host(parts.hostname or ""), parts.port or 80
    except ValueError:
        return None


def _raw_host(netloc: str) -> str:
    """The host part of a netloc as written (case and brackets kept): urlsplit lower-cases it."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        return hostport[: hostport.find("]") + 1]
    return hostport.rpartition(":")[0] if ":" in hostport else hostport
