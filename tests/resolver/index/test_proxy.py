"""Proxies from the environment, honoured as pip honours them: whole resolutions through a loopback
forward proxy (absolute-form requests for http, CONNECT tunnels for https), NO_PROXY sending
requests around it, and the egress policy deciding whether the proxy may be used at all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.index.egress import EgressPolicy
from resolver.index.limits import IndexLimits
from resolver.index.proxy import ProxyRefused, bypassed, environment_proxies, proxy_for
from resolver.output.report import Report
from tests.support.proxy import Proxy, serve_proxy, tls_server_context
from tests.support.server import IndexServer, serve_index
from tests.support.universe import build_index

UNIVERSE = {"app": {"1.0": {"requires": ["lib>=1"]}}, "lib": {"1.0": {}, "2.0": {}}}
FAST = IndexLimits(timeout=5.0, retries=0, backoff=())
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUEST_METHOD")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    build_index(tmp_path / "index", UNIVERSE)
    return tmp_path / "index"


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    with serve_proxy() as proxy:
        yield proxy


def resolve_with(url: str, **options: object) -> Report:
    client = IndexClient([url], limits=FAST, **options)  # type: ignore[arg-type]
    try:
        return resolve({"requirements.in": "app\n"}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"))
    finally:
        client.close()


def pins(report: Report) -> dict[str, str]:
    assert report["status"] == "resolved", report["diagnoses"]
    return {node["id"]: node["version"] for node in report["graph"]["nodes"] if node.get("version")}


def origin(server: IndexServer) -> str:
    return server.url.split("://", 1)[1]


def test_an_http_index_is_read_through_the_proxy_of_the_environment(root, proxy, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with serve_index(root) as server:
        report = resolve_with(server.simple_url)
        served = server.total_requests()
    assert pins(report) == {"app": "1.0", "lib": "2.0"}
    assert served > 0 and len(proxy.seen) == served  # every request, none around it
    assert all(method == "GET" and target.startswith(server.url + "/") for method, target in proxy.seen)


def test_an_https_index_is_tunnelled_through_the_proxy(root, proxy, tmp_path, monkeypatch) -> None:
    """CONNECT, then TLS with the index itself: its certificate is checked as without a proxy."""
    context, certificate = tls_server_context(tmp_path)
    monkeypatch.setenv("https_proxy", proxy.url)
    with serve_index(root, tls=context) as server:
        report = resolve_with(server.simple_url, ca_bundle=str(certificate))
    assert pins(report) == {"app": "1.0", "lib": "2.0"}
    assert proxy.seen and set(proxy.seen) == {("CONNECT", origin(server))}


def test_the_proxy_login_in_its_url_is_sent(root, tmp_path, monkeypatch) -> None:
    context, certificate = tls_server_context(tmp_path)
    with serve_proxy(credentials=("corp", "s3cr:t")) as proxy, serve_index(root, tls=context) as https:
        login = proxy.url.replace("http://", "http://corp:s3cr%3At@")
        monkeypatch.setenv("HTTPS_PROXY", login)
        monkeypatch.setenv("HTTP_PROXY", login)
        assert pins(resolve_with(https.simple_url, ca_bundle=str(certificate)))
        with serve_index(root) as plain:
            assert pins(resolve_with(plain.simple_url))
        monkeypatch.setenv("HTTP_PROXY", proxy.url)  # no login: the proxy answers 407
        with serve_index(root) as plain:
            report = resolve_with(plain.simple_url)
    assert report["status"] == "error" and "407" in report["diagnoses"][0]["message"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8", "*", "example.org, 127.0.0.1"])
def test_no_proxy_sends_the_request_directly(root, proxy, monkeypatch, no_proxy: str) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with serve_index(root) as server:
        assert pins(resolve_with(server.simple_url)) == {"app": "1.0", "lib": "2.0"}
    assert proxy.seen == []


def test_a_proxy_the_policy_does_not_allow_is_never_connected_to(root, proxy, monkeypatch) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    policy = EgressPolicy(None, allow_private=True, allowed_ports=None, allowed_proxies=["http://10.0.0.1:3128"])
    with serve_index(root) as server:
        report = resolve_with(server.simple_url, allow_url=policy)
        assert server.total_requests() == 0
    assert proxy.seen == []
    assert report["status"] == "error"
    (message,) = [d["message"] for d in report["diagnoses"] if d["kind"] == "index_error"]
    assert f"the proxy {proxy.url} is not allowed by the egress policy" in message


def test_an_allowed_proxy_carries_what_the_policy_allows_of_the_target(root, proxy, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    port = int(proxy.url.rsplit(":", 1)[1])
    allowed = EgressPolicy(None, allow_private=True, allowed_ports=None, allowed_proxies=[f"127.0.0.1:{port}"])
    with serve_index(root) as server:
        assert pins(resolve_with(server.simple_url, allow_url=allowed))
        # The target is still judged: a loopback index refused by the policy is not fetched via the proxy.
        seen = len(proxy.seen)
        strict = EgressPolicy(None, allowed_ports=None, allowed_proxies=[proxy.url])
        report = resolve_with(server.simple_url, allow_url=strict)
    assert report["status"] == "error" and len(proxy.seen) == seen


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "expected"),
    [
        ("files.example.org", None, "example.org", True),  # a domain covers its subdomains
        ("files.example.org", None, ".example.org", True),
        ("example.org.evil", None, "example.org", False),
        ("badexample.org", None, "example.org", False),
        ("index.corp", 8080, "index.corp:8080", True),
        ("index.corp", 8443, "index.corp:8080", False),
        ("10.1.2.3", None, "10.0.0.0/8", True),
        ("11.1.2.3", None, "10.0.0.0/8", False),
        ("::1", None, "::1/128", True),
        ("anything", None, "*", True),
        ("anything", None, "", False),
    ],
)
def test_no_proxy_entries_match_as_pips(host: str, port: int | None, no_proxy: str, expected: bool) -> None:
    assert bypassed(host, port, no_proxy) is expected


def test_the_proxy_chosen_by_scheme_then_all() -> None:
    proxies = {"https": "http://secure:3128", "all": "corp:8080"}
    https = proxy_for("https://index.example/simple/", proxies)
    plain = proxy_for("http://index.example/simple/", proxies)
    assert https is not None and (https.host, https.port) == ("secure", 3128)
    assert plain is not None and (plain.host, plain.port) == ("corp", 8080)  # a bare host:port is http
    assert proxy_for("http://index.example/", {}) is None
    with pytest.raises(ProxyRefused, match="not an http:// proxy"):
        proxy_for("https://index.example/", {"https": "socks5://corp:1080"})


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"HTTPS_PROXY": ""},
        {"https_proxy": "http://proxy.example:3128"},
        {"HTTP_PROXY": "http://proxy.example:3128", "NO_PROXY": "localhost"},
        {"ALL_PROXY": "proxy.example:8080", "no_proxy": ""},
        {"NO_PROXY": "*"},
    ],
)
def test_the_environment_s_proxies_are_what_urllib_reads(monkeypatch: pytest.MonkeyPatch, variables: dict) -> None:
    import urllib.request

    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert environment_proxies() == urllib.request.getproxies()
