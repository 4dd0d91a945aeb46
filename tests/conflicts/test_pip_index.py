"""The index pip uses on this server, offered beside the snapshot and the default when it answers.

pip is really asked (a child process reading a pip configuration file made here); the index it
names is a loopback HTTP index, so "answers" and "does not answer" are real probes.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from conflicts import indexes
from conflicts.indexes import configured_indexes, default_index_urls
from resolver.index import pipindex
from resolver.index.client import IndexClient
from resolver.snapshot import bundle
from resolver.snapshot.collect import collect
from tests.support.server import serve_index
from tests.support.universe import CLASSIC, build_index


@pytest.fixture
def server(tmp_path: Path):
    build_index(tmp_path / "index", CLASSIC)
    with serve_index(tmp_path / "index", credentials=("produser", "s3cret")) as running:
        yield running


@pytest.fixture
def app(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No PIP_INDEX_URL, a small bundled snapshot, pip asked afresh; returns a setter for pip's answer."""
    simple = build_index(tmp_path / "source", CLASSIC)
    with IndexClient([simple.as_uri() + "/"]) as client:
        bundle.write_archive(collect(client, ["django"]), tmp_path / "offline.tar.xz")
    settings.RESOLVER_INDEX_URLS = []
    settings.OFFLINE_INDEX_ARCHIVE = str(tmp_path / "offline.tar.xz")
    settings.OFFLINE_INDEX_DIR = str(tmp_path / "unpacked")
    settings.RESOLVER_ASK_PIP = True
    settings.RESOLVER_PROBE_PIP_INDEX = True
    monkeypatch.setattr(indexes, "_pip", {})

    def pip_says(url: str) -> None:
        monkeypatch.setattr(pipindex, "pip_index_urls", lambda: [url])

    return pip_says


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/simple/"


def test_pip_is_asked_which_index_it_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\nindex-url = http://127.0.0.1:9/private/simple\nextra-index-url = file:///nowhere/simple\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.setenv("PIP_INDEX_URL", "http://ignored.example/simple/")
    assert pipindex.pip_index_urls() == ["http://127.0.0.1:9/private/simple/", "file:///nowhere/simple/"]


def test_an_index_that_answers_becomes_the_default_named_without_credentials(app, server, client, db) -> None:
    url = server.simple_url.replace("http://", "http://produser:s3cret@")
    app(url)
    choices = configured_indexes()
    assert choices[0] == (f"the index pip uses: {server.simple_url.replace('http://', 'http://****@')}", url)
    assert choices[1].name.startswith("bundled snapshot: 1 Django-ecosystem projects, newest 60 versions each, taken ")
    body = client.get("/").content.decode()
    assert body.index("the index pip uses: http://****@127.0.0.1") < body.index("bundled snapshot: 1 Django")
    assert "produser" not in body and "s3cret" not in body
    assert default_index_urls() == [choices[1].url]  # the command line keeps the snapshot


@pytest.mark.parametrize("unreachable", [closed_port_url(), "file:///nowhere/simple/"], ids=["closed-port", "no-dir"])
def test_an_index_that_does_not_answer_is_not_offered(app, unreachable: str) -> None:
    app(unreachable)
    assert [choice.name.split(":")[0] for choice in configured_indexes()] == ["bundled snapshot"]


def test_without_the_probe_it_is_offered_after_the_snapshot(app, settings) -> None:
    settings.RESOLVER_PROBE_PIP_INDEX = False
    app(closed_port_url())
    assert [choice.name.split(":")[0] for choice in configured_indexes()] == ["bundled snapshot", "the index pip uses"]


def test_pip_is_not_asked_when_the_settings_say_so(app, settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.RESOLVER_ASK_PIP = False
    monkeypatch.setattr(pipindex, "pip_index_urls", lambda: pytest.fail("pip was asked"))
    assert len(configured_indexes()) == 1


def test_the_probe_gives_up_quickly_on_an_index_that_never_answers() -> None:
    with socket.socket() as listening:  # accepts connections, never answers
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        url = f"http://127.0.0.1:{listening.getsockname()[1]}/simple/"
        assert pipindex.answers(url, timeout=0.3) is False
