"""`--only-binary`/`--no-binary` through the whole engine, and index errors named back to a line.

Real resolutions against real loopback indexes: the options change which files count, the
diagnosis of an input left without files names the option, and the report records what was
in effect.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.index.limits import IndexLimits
from resolver.input.formats import format_control
from tests.support.server import IndexServer, serve_index
from tests.support.universe import build_index

TARGET = Target("3.11", "manylinux_2_28_x86_64")
SDIST_ONLY = {"wheel_tags": [], "sdist": True}
UNIVERSE = {
    "app": {"1.0": {"requires": ["legacy>=1"]}},
    "legacy": {"1.0": SDIST_ONLY, "1.1": SDIST_ONLY},
    "both": {"2.0": {"sdist": True}},
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    build_index(tmp_path / "index", UNIVERSE)
    with serve_index(tmp_path / "index") as running:
        yield running


@pytest.fixture
def client(server: IndexServer) -> Iterator[IndexClient]:
    index = IndexClient([server.simple_url])
    yield index
    index.close()


def test_without_options_an_sdist_only_package_resolves(client):
    report = resolve({"requirements.in": "app\n"}, index=client, target=TARGET)
    assert report["status"] == "resolved", report["diagnoses"]
    assert report["pins"] == {"app": "1.0", "legacy": "1.1"}
    assert (report["input"]["only_binary"], report["input"]["no_binary"]) == ([], [])


def test_only_binary_all_in_the_file_leaves_an_sdist_only_dependency_without_files(client):
    report = resolve({"requirements.in": "--only-binary :all:\napp\n"}, index=client, target=TARGET)
    assert report["status"] == "conflict"
    [diagnosis] = [d for d in report["diagnoses"] if d["package"] == "legacy"]
    assert diagnosis["kind"] == "no_compatible_distribution"
    assert "sdist excluded by --only-binary :all:" in diagnosis["message"]
    [constraint] = diagnosis["constraints"]
    assert constraint["source"] == {"file": "requirements.in", "line": 2}
    assert report["input"]["only_binary"] == [":all:"]
    assert report["input"]["format_options"] == [
        {"option": "--only-binary", "value": ":all:", "file": "requirements.in", "line": 1}
    ]
    assert report["input"]["ignored_options"] == []


def test_the_callers_only_binary_does_the_same_and_a_warm_client_does_not_mix_them_up(client):
    plain = resolve({"requirements.in": "app\n"}, index=client, target=TARGET)
    strict = resolve(
        {"requirements.in": "app\n"}, index=client, target=TARGET, formats=format_control(only_binary=[":all:"])
    )
    assert plain["status"] == "resolved"
    assert strict["status"] == "conflict"
    assert "--only-binary :all:" in strict["diagnoses"][0]["message"]
    assert strict["input"]["only_binary"] == [":all:"]


def test_a_file_line_lifts_the_callers_all_for_one_package(client):
    report = resolve(
        {"requirements.in": "--no-binary legacy\napp\n"},
        index=client,
        target=TARGET,
        formats=format_control(only_binary=[":all:"]),
    )
    assert report["status"] == "resolved", report["diagnoses"]
    assert report["distributions"]["legacy"]["kind"] == "sdist"
    assert report["distributions"]["app"]["kind"] == "wheel"


def test_no_binary_for_a_package_picks_its_sdist(client):
    wheel = resolve({"requirements.in": "both\n"}, index=client, target=TARGET)
    sdist = resolve({"requirements.in": "--no-binary=both\nboth\n"}, index=client, target=TARGET)
    assert wheel["distributions"]["both"]["filename"] == "both-2.0-py3-none-any.whl"
    assert sdist["status"] == "resolved", sdist["diagnoses"]
    assert sdist["distributions"]["both"]["filename"] == "both-2.0.tar.gz"
    assert sdist["input"]["no_binary"] == ["both"]


def test_a_bad_value_is_a_bad_input_naming_the_line(client):
    report = resolve({"requirements.in": "app\n--no-binary :everything:\n"}, index=client, target=TARGET)
    assert report["status"] == "error"
    [diagnosis] = report["diagnoses"]
    [error] = diagnosis["errors"]
    assert (diagnosis["kind"], error["line"], error["code"]) == ("bad_input", 2, "bad-format")


# -- an index error on a package the user never named -------------------------------------------


def test_an_index_error_on_a_dependency_names_the_line_and_the_chain(tmp_path):
    universe = {
        "celery": {"5.0": {"requires": ["kombu>=5"]}},
        "kombu": {"5.1": {}},
        "attrs": {"23.1": {}},
    }
    build_index(tmp_path / "index", universe)

    def fail_kombu(path: str) -> tuple[int, bytes] | None:
        return (500, b"down") if path.startswith("/simple/kombu") else None

    with serve_index(tmp_path / "index", fault=fail_kombu) as faulty:
        client = IndexClient([faulty.simple_url], limits=IndexLimits(retries=1, backoff=(0.0,)))
        try:
            report = resolve({"requirements.in": "attrs\ncelery\n"}, index=client, target=TARGET)
        finally:
            client.close()
    assert report["status"] == "error"
    [diagnosis] = report["diagnoses"]
    assert diagnosis["kind"] == "index_error"
    assert diagnosis["package"] == "kombu"
    [constraint] = diagnosis["constraints"]
    assert constraint["source"] == {"file": "requirements.in", "line": 2}
    assert constraint["path"] == ["requirements.in:2", "celery==5.0", "kombu"]
    from resolver.output.text import render_text

    assert "requirements.in:2" in render_text(report)


def test_an_index_error_on_a_users_own_line_names_that_line(tmp_path):
    build_index(tmp_path / "index", {"attrs": {"23.1": {}}, "kombu": {"5.1": {}}})

    def fail_kombu(path: str) -> tuple[int, bytes] | None:
        return (503, b"down") if path.startswith("/simple/kombu") else None

    with serve_index(tmp_path / "index", fault=fail_kombu) as faulty:
        client = IndexClient([faulty.simple_url], limits=IndexLimits(retries=1, backoff=(0.0,)))
        try:
            report = resolve({"requirements.in": "attrs\nkombu>=5\n"}, index=client, target=TARGET)
        finally:
            client.close()
    [diagnosis] = report["diagnoses"]
    assert diagnosis["package"] == "kombu"
    assert [c["source"]["line"] for c in diagnosis["constraints"]] == [2]


# -- the command line --------------------------------------------------------------------------


def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, *args: str) -> tuple[int, dict, str]:
    import argparse
    import io
    import json

    from resolver import cli

    monkeypatch.chdir(tmp_path)
    simple = build_index(tmp_path / "index", UNIVERSE, formats=("json",))
    (tmp_path / "requirements.in").write_text(text)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    options = parser.parse_args(["requirements.in", "--no-cache", "--format", "json", *args])
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(options, cli.Defaults(index_urls=[simple.as_uri() + "/"]), out, err)
    return code, json.loads(out.getvalue() or "{}"), err.getvalue()


def test_the_cli_takes_the_options_as_pip_spells_them(tmp_path, monkeypatch):
    code, report, _ = run_cli(tmp_path, monkeypatch, "app\n", "--only-binary=:all:")
    assert report["status"] == "conflict" and code != 0
    assert "--only-binary :all:" in report["diagnoses"][0]["message"]
    # in pip's order: the later --no-binary takes `legacy` out of :all:
    code, report, _ = run_cli(tmp_path, monkeypatch, "app\n", "--only-binary", ":all:", "--no-binary", "legacy,both")
    assert report["status"] == "resolved"
    assert (report["input"]["only_binary"], report["input"]["no_binary"]) == ([":all:"], ["both", "legacy"])
    _, report, _ = run_cli(tmp_path, monkeypatch, "app\n", "--no-binary", "legacy", "--only-binary", ":all:")
    assert report["status"] == "conflict"


def test_a_bad_value_on_the_cli_is_an_input_error(tmp_path, monkeypatch):
    code, report, err = run_cli(tmp_path, monkeypatch, "app\n", "--no-binary=lxml>=4")
    assert code == 2 and report == {}
    assert "--no-binary" in err and "lxml>=4" in err
