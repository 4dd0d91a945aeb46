"""The egress policy: every spelling of a forbidden place is refused, with the reason as data.

The policy is what keeps uploaded `--index-url` lines and hostile index pages from making the
workers fetch loopback services, cloud metadata or the private network (issue 5, SSRF). Names are
resolved by a fake resolver here, so the table is deterministic and no query leaves the machine;
one test uses the system resolver for `localhost`.
"""

from __future__ import annotations

import socket
import time

import pytest

from resolver.index.egress import EgressPolicy, normalise_host, parse_ipv4

DNS = {
    "index.example": ["93.184.216.34"],
    "mirror.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "localhost": ["127.0.0.1", "::1"],
    "internal.example": ["10.0.0.7"],
    "rebind.example": ["93.184.216.34", "127.0.0.1"],
    "cgnat.example": ["100.64.1.1"],
    "linklocal.example": ["fe80::1%eth0"],
    "metadata.example": ["169.254.169.254"],
}
ALLOWED = set(DNS) | {"slow.example", "gone.example", "10.1.2.3", "127.0.0.1", "192.168.1.10"}
TRUSTED = [
    "file:///srv/offline/simple/",
    "https://trusted.example:8443/simple/",
    "http://nexus.internal:8081/repository/simple/",
]


def fake_resolver(host: str) -> list[str]:
    if host == "slow.example":
        time.sleep(1)
    if host not in DNS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return DNS[host]


@pytest.fixture
def policy() -> EgressPolicy:
    return EgressPolicy(ALLOWED, trusted_urls=TRUSTED, resolver=fake_resolver, resolve_timeout=0.2)


# Fullwidth spellings, which IDNA (NFKC) folds to their ASCII forms.
FULLWIDTH_LOCALHOST = "".join(chr(ord(c) + 0xFEE0) for c in "localhost")
FULLWIDTH_LOOPBACK = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in "127.0.0.1")

REFUSED = [
    ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://127.0.0.2/", "the host 127.0.0.2 is not an allowed index host (a loopback address)"),
    ("http://2130706433/", "127.0.0.1 is a loopback address"),
    ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
    ("http://0x7f000001/", "127.0.0.1 is a loopback address"),
    ("http://0177.0.0.1/", "127.0.0.1 is a loopback address"),
    ("http://127.1/", "127.0.0.1 is a loopback address"),
    ("http://127.0.1/", "127.0.0.1 is a loopback address"),
    ("http://[::1]/", "the host ::1 is not an allowed index host (a loopback address)"),
    ("http://[0:0:0:0:0:0:0:1]/", "the host ::1 is not an allowed index host (a loopback address)"),
    (
        "http://[::ffff:127.0.0.1]/",
        "the host ::ffff:7f00:1 is not an allowed index host (a loopback address, 127.0.0.1 embedded in IPv6)",
    ),
    (
        "http://[::ffff:7f00:1]/",
        "the host ::ffff:7f00:1 is not an allowed index host (a loopback address, 127.0.0.1 embedded in IPv6)",
    ),
    (
        "http://[::127.0.0.1]/",
        "the host ::7f00:1 is not an allowed index host (a loopback address, 127.0.0.1 embedded in IPv6)",
    ),
    (
        "http://[64:ff9b::7f00:1]/",
        "the host 64:ff9b::7f00:1 is not an allowed index host (a loopback address, 127.0.0.1 embedded in IPv6)",
    ),
    (
        "http://[2002:7f00:1::]/",
        "the host 2002:7f00:1:: is not an allowed index host (a loopback address, 127.0.0.1 embedded in IPv6)",
    ),
    ("http://0/", "the host 0.0.0.0 is not an allowed index host (an unspecified address)"),
    ("http://0.0.0.0/", "the host 0.0.0.0 is not an allowed index host (an unspecified address)"),
    ("http://[::]/", "the host :: is not an allowed index host (an unspecified address)"),
    ("http://169.254.169.254/latest/", "the host 169.254.169.254 is not an allowed index host (a link-local address)"),
    ("http://0xa9fea9fe/", "the host 169.254.169.254 is not an allowed index host (a link-local address)"),
    ("http://[fe80::1%25eth0]/", "the host fe80::1 is not an allowed index host (a link-local address)"),
    ("http://10.1.2.3/", "10.1.2.3 is a private address"),
    ("http://10.0.0.1/", "the host 10.0.0.1 is not an allowed index host (a private address)"),
    ("http://172.16.0.1/", "the host 172.16.0.1 is not an allowed index host (a private address)"),
    ("http://192.168.1.10/", "192.168.1.10 is a private address"),
    ("http://100.64.0.1/", "the host 100.64.0.1 is not an allowed index host (a shared address (CGNAT 100.64.0.0/10))"),
    ("http://224.0.0.1/", "the host 224.0.0.1 is not an allowed index host (a multicast address)"),
    ("http://240.0.0.1/", "the host 240.0.0.1 is not an allowed index host (a reserved address)"),
    ("http://255.255.255.255/", "the host 255.255.255.255 is not an allowed index host (a reserved address)"),
    ("http://localhost/", "localhost resolves to 127.0.0.1, a loopback address"),
    ("http://LocalHost./", "localhost resolves to 127.0.0.1, a loopback address"),
    ("http://" + FULLWIDTH_LOCALHOST + "/", "localhost resolves to 127.0.0.1, a loopback address"),
    ("http://" + FULLWIDTH_LOOPBACK + "/", "127.0.0.1 is a loopback address"),
    ("http://internal.example/", "internal.example resolves to 10.0.0.7, a private address"),
    ("http://rebind.example/", "rebind.example resolves to 127.0.0.1, a loopback address"),
    ("http://cgnat.example/", "cgnat.example resolves to 100.64.1.1, a shared address (CGNAT 100.64.0.0/10)"),
    ("http://linklocal.example/", "linklocal.example resolves to fe80::1, a link-local address"),
    ("http://metadata.example/", "metadata.example resolves to 169.254.169.254, a link-local address"),
    ("http://slow.example/", "slow.example did not resolve within 0.2 s"),
    ("http://gone.example/", "gone.example does not resolve: [Errno -2] Name or service not known"),
    (
        "http://index.example@127.0.0.1/",
        "user-info (user:password@) in the URL is not accepted; configure credentials in the settings",
    ),
    (
        "http://user:pw@index.example/",
        "user-info (user:password@) in the URL is not accepted; configure credentials in the settings",
    ),
    ("http://index.example\\@127.0.0.1/", "the URL's host part contains whitespace, control characters or backslashes"),
    ("http://index.example%09.evil/", "'index.example\\t.evil' is not a valid host name"),
    ("file:///etc/passwd", "file: URLs are allowed only inside a configured index"),
    ("file:///srv/offline/../../etc/passwd", "file: URLs are allowed only inside a configured index"),
    ("file://otherhost/srv/offline/files/x.whl", "a file: URL with a host (otherhost) is not allowed"),
    ("gopher://index.example/", "the scheme gopher: is not allowed; only http and https are"),
    ("ftp://index.example/simple/", "the scheme ftp: is not allowed; only http and https are"),
    ("dict://index.example:11211/", "the scheme dict: is not allowed; only http and https are"),
    ("http://index.example:22/", "port 22 is not allowed"),
    ("http://index.example:6379/", "port 6379 is not allowed"),
    ("http://index.example:0/", "port 0 is not allowed"),
    ("http://index.example:99999/", "the URL cannot be parsed: Port out of range 0-65535"),
    ("http://evil.example/", "the host evil.example is not an allowed index host"),
    ("http://256.0.0.1/", "'256.0.0.1' is an IPv4 address out of range"),
    ("http://1.2.3.4.5/", "'1.2.3.4.5' is neither a host name nor an IPv4 address"),
    ("http://0x/", "'0x' is a malformed IPv4 address"),
    ("http://example.0x7f/", "'example.0x7f' is neither a host name nor an IPv4 address"),
    ("http:///simple/", "the URL has no host"),
    ("//index.example/simple/", "the scheme (none) is not allowed; only http and https are"),
    ("http://93.184.216.34/", "the host 93.184.216.34 is not an allowed index host"),
    # A configured index is trusted by exact origin: its port opens nothing else, its host nothing
    # on other ports or schemes (issue 14, item 4).
    ("http://index.example:8443/", "port 8443 is not allowed"),
    ("http://trusted.example:8081/", "the host trusted.example is not an allowed index host"),
    ("http://trusted.example:8443/simple/", "the host trusted.example is not an allowed index host"),
    ("http://nexus.internal/simple/", "the host nexus.internal is not an allowed index host"),
]

ACCEPTED = [
    "https://index.example/simple/",
    "http://index.example/simple/",
    "https://INDEX.example./simple/",
    "https://mirror.example:443/simple/",
    "https://trusted.example:8443/simple/pkg/",
    "http://nexus.internal:8081/repository/simple/",
    "file:///srv/offline/files/pkg-1.0-py3-none-any.whl",
    "file:///srv/offline/simple/pkg/",
]


@pytest.mark.parametrize(
    ("url", "reason"), REFUSED, ids=[u.encode("ascii", "backslashreplace").decode() for u, _ in REFUSED]
)
def test_refused(policy: EgressPolicy, url: str, reason: str) -> None:
    assert policy.check(url) == reason
    assert policy(url) is False


@pytest.mark.parametrize("url", ACCEPTED)
def test_accepted(policy: EgressPolicy, url: str) -> None:
    assert policy.check(url) is None
    assert policy(url) is True


def test_enough_forms_are_covered() -> None:
    assert len(REFUSED) >= 20 and len(ACCEPTED) >= 5


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("10.0x10203", "10.1.2.3"),
        ("0", "0.0.0.0"),
    ],
)
def test_ipv4_is_read_as_inet_aton_reads_it(host: str, address: str) -> None:
    """The policy must agree with the resolver the HTTP stack calls, or a spelling slips through."""
    assert str(parse_ipv4(host)) == address
    assert socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][4][0] == address


def test_host_normalisation() -> None:
    assert normalise_host("Index.Example.") == "index.example"
    assert normalise_host("bücher.example") == "xn--bcher-kva.example"
    assert str(normalise_host("[::ffff:127.0.0.1]")) == "::ffff:7f00:1"
    assert str(normalise_host("fe80::1%25eth0")) == "fe80::1"


def test_allow_list_entries_are_normalised_too() -> None:
    policy = EgressPolicy(["Index.Example.", "0x7f.1"], allow_private=True, resolver=fake_resolver)
    assert policy.check("http://index.example/") is None
    assert policy.check("http://127.0.0.1/") is None
    assert policy.check("http://2130706433/") is None


def test_system_resolver_refuses_a_name_for_loopback() -> None:
    policy = EgressPolicy({"localhost"})
    assert policy.check("http://localhost/simple/") == "localhost resolves to 127.0.0.1, a loopback address" or (
        policy.check("http://localhost/simple/") == "localhost resolves to ::1, a loopback address"
    )


def test_allow_private_lets_an_allow_listed_internal_host_through() -> None:
    policy = EgressPolicy({"internal.example", "10.1.2.3"}, allow_private=True, resolver=fake_resolver)
    assert policy.check("http://internal.example/simple/") is None
    assert policy.check("http://10.1.2.3/simple/") is None
    assert (
        policy.check("http://10.0.0.1/simple/") == "the host 10.0.0.1 is not an allowed index host (a private address)"
    )


def test_configured_hosts_are_trusted_without_a_lookup() -> None:
    def no_dns(host: str) -> list[str]:
        raise AssertionError(f"{host} was resolved")

    policy = EgressPolicy(set(), trusted_urls=["http://127.0.0.1:8081/simple/"], resolver=no_dns)
    assert policy.check("http://127.0.0.1:8081/simple/pkg/") is None
    assert policy.check("http://127.0.0.1:8082/simple/") == (
        "the host 127.0.0.1 is not an allowed index host (a loopback address)"
    )
    assert policy.check("http://127.0.0.1/latest/meta-data/") == (
        "the host 127.0.0.1 is not an allowed index host (a loopback address)"
    )
    assert policy.check("http://[::1]:8081/simple/") == "the host ::1 is not an allowed index host (a loopback address)"


def test_lookups_are_cached_briefly() -> None:
    calls: list[str] = []

    def counting(host: str) -> list[str]:
        calls.append(host)
        return ["93.184.216.34"]

    policy = EgressPolicy({"index.example"}, resolver=counting)
    for _ in range(5):
        assert policy("https://index.example/simple/pkg/")
    assert calls == ["index.example"]


def test_allow_file_and_ports() -> None:
    policy = EgressPolicy({"index.example"}, allow_file=True, allowed_ports={443, 8080}, resolver=fake_resolver)
    assert policy.check("file:///anywhere/simple/") is None
    assert policy.check("http://index.example:8080/") is None
    assert policy.check("http://index.example/") == "port 80 is not allowed"


def test_permissive_policy_forbids_nothing_parseable() -> None:
    """The CLI's policy: a trusted local user may name any index, local ones included."""
    policy = EgressPolicy.permissive()
    for url in [
        "http://127.0.0.1:3141/simple/",
        "http://localhost:8080/simple/",
        "https://user:token@index.example/simple/",
        "file:///home/me/wheelhouse/simple/",
        "http://10.0.0.5:8081/repository/simple/",
    ]:
        assert policy.check(url) is None, url
    assert policy.check("http://index.example:99999/") == "the URL cannot be parsed: Port out of range 0-65535"


def test_the_connection_goes_to_the_address_that_was_vetted() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # a rebinding DNS server: public, then loopback
    policy = EgressPolicy({"rebind.example"}, resolver=lambda host: next(answers))
    assert policy.check("https://rebind.example/simple/") is None
    assert policy.connect_address("REBIND.example.") == "93.184.216.34"
    assert policy.connect_address("other.example") is None
    assert policy.connect_address("127.0.0.1") is None  # an IP literal is connected to as written


def test_a_configured_index_may_link_its_files_to_another_host() -> None:
    # Files of an index often live on a file host of their own: links from a configured index's
    # pages are trusted as that index is, on the allowed ports.
    policy = EgressPolicy(set(), trusted_urls=["https://trusted.example:8443/simple/"], resolver=fake_resolver)
    file_url = "https://index.example/packages/a-1.0-py3-none-any.whl"
    assert policy.check(file_url) is not None
    policy.learn_links("https://trusted.example:8443/simple/", ["index.example", "internal.example:443"])
    assert policy.check(file_url) is None
    assert policy.check("https://internal.example/x.whl") is None  # the operator's index chose it
    assert policy.check("https://metadata.example/x.whl") is not None  # not linked: checked as ever
    assert policy.check("https://index.example:8080/x.whl") is not None  # another port of it: not linked


def test_links_from_an_origin_not_configured_teach_nothing() -> None:
    policy = EgressPolicy(set(), trusted_urls=["https://trusted.example:8443/simple/"], resolver=fake_resolver)
    for page in ("https://index.example/simple/", "https://trusted.example/simple/", "http://trusted.example:8443/"):
        policy.learn_links(page, ["mirror.example"])
    assert policy.check("https://mirror.example/x.whl") is not None
