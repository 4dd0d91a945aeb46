"""`manage.py resolve` without Django set up: same defaults, output and exit codes as with it."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from resolver import cli
from resolver.index.limits import IndexLimits
from resolver.limits import Limits
from tests.conflicts.test_resolve_command import index_url, resolve, write  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[2]


def fast(*args: str, environ: dict[str, str] | None = None) -> tuple[int | None, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), environ if environ is not None else {}, out, err)
    return code, out.getvalue(), err.getvalue()


def without_timing(report: dict) -> dict:
    report["stats"].pop("duration_ms")
    report.pop("index_read_at", None)
    if "analysis" in report:
        report["analysis"].pop("duration_ms")
    return report


def test_defaults_are_those_the_settings_give() -> None:
    defaults = cli.defaults_from_environ({})
    assert defaults.python_version == settings.RESOLVER_DEFAULT_PYTHON
    assert defaults.platform == settings.RESOLVER_DEFAULT_PLATFORM
    assert defaults.limits.max_rounds == settings.RESOLVER_MAX_ROUNDS
    assert defaults.limits.max_seconds == settings.RESOLVER_MAX_SECONDS
    assert defaults.max_requests == settings.RESOLVER_MAX_REQUESTS
    # Both read them from the engine, not from a copy of their own.
    assert (defaults.limits.max_rounds, defaults.limits.max_seconds) == (Limits().max_rounds, Limits().max_seconds)
    assert defaults.max_requests == IndexLimits().max_requests
    environ = {"PIP_INDEX_URL": "http://a/simple http://b/simple", "RESOLVER_MAX_ROUNDS": "7", "PIP_CERT": "ca.pem"}
    defaults = cli.defaults_from_environ(environ)
    assert (defaults.index_urls, defaults.limits.max_rounds, defaults.ca_bundle) == (
        ["http://a/simple", "http://b/simple"],
        7,
        "ca.pem",
    )


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_same_output_and_exit_code_as_the_django_command(tmp_path: Path, index_url: str, fmt: str) -> None:  # noqa: F811
    for text, expected in (("wagtail\n", 0), ("django==1.11.29\ndjangocms-blog\n", 1), ("django>=>1\n", 2)):
        infile = write(tmp_path, "requirements.in", text)
        args = (infile, "--index-url", index_url, "--no-cache", "--format", fmt)
        code, out, err = fast(*args)
        django_code, django_out, django_err = resolve(*args)
        assert code == django_code == expected
        assert err == django_err
        if fmt == "json":
            assert without_timing(json.loads(out)) == without_timing(json.loads(django_out))
        else:
            assert re.sub(r"\d+ ms", "N ms", out) == re.sub(r"\d+ ms", "N ms", django_out)


def test_bad_platform_exits_2_and_names_the_option(tmp_path: Path, index_url: str) -> None:  # noqa: F811
    code, _, err = fast(write(tmp_path, "r.in", "django\n"), "--index-url", index_url, "--platform", "linux")
    assert code == 2
    assert err.startswith("error: --platform: platform 'linux' is not a wheel platform tag")


@pytest.mark.parametrize(
    "args, environ",
    [
        (["r.in", "--index-url", "file:///x/", "--help"], {}),
        (["r.in", "--index-url", "file:///x/", "--verbosity=2"], {}),
        (["r.in", "--index-url", "file:///x/", "--format", "yaml"], {}),  # argparse's error names Django's usage
        ([], {"PIP_INDEX_URL": "file:///x/"}),
        (["r.in"], {}),  # the default is the bundled index, which Django's settings locate
        (["r.in", "--index-url", "file:///x/"], {"DJANGO_SETTINGS_MODULE": "other.settings"}),
        (["r.in", "--index-url", "file:///x/"], {"RESOLVER_MAX_ROUNDS": "many"}),
    ],
)
def test_hands_over_to_django_when_only_it_can_answer_the_same(args: list[str], environ: dict[str, str]) -> None:
    assert fast(*args, environ=environ) == (None, "", "")


def test_manage_py_takes_the_fast_path_with_exit_codes(tmp_path: Path, index_url: str) -> None:  # noqa: F811
    infile = write(tmp_path, "requirements.in", "django==1.11.29\ndjangocms-blog\n")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    command = [sys.executable, "-X", "importtime", "manage.py", "resolve", infile, "--index-url", index_url]
    done = subprocess.run([*command, "--no-cache"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Could not find a version that matches django==1.11.29,>2.0" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "django.conf" not in imported and "httpx" not in imported
    assert "networkx" in imported  # a conflict needs the explanation, which uses it
    done = subprocess.run(
        [*command, "--platform", "linux"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "error: --platform" in done.stderr
