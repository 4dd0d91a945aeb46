"""`manage.py resolve`: exit codes, text and JSON output, written outputs, cache directory."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.support.server import serve_index
from tests.support.universe import CLASSIC, build_index


@pytest.fixture
def index_url(tmp_path: Path) -> str:
    universe = {**CLASSIC, "asgiref": {"3.8.1": {}}, "wagtail": {"6.0": {"requires": ["django>=3.2", "asgiref"]}}}
    return build_index(tmp_path / "index", universe).as_uri() + "/"


def resolve(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("resolve", *args, stdout=out, stderr=err)
    return exited.value.code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_resolvable_input_exits_0_and_writes_both_outputs(tmp_path: Path, index_url: str) -> None:
    infile = write(tmp_path, "requirements.in", "wagtail\n")
    txt, urls = tmp_path / "requirements.txt", tmp_path / "requirements.urls"
    root = Path(index_url.removeprefix("file://")).parent
    with serve_index(root, credentials=("alice", "s3cret")) as server:
        url = server.simple_url.replace("http://", "http://alice:s3cret@")
        code, out, _ = resolve(
            infile, "--index-url", url, "--cache-dir", str(tmp_path / "cache"),
            "--output-requirements", str(txt), "--output-urls", str(urls),
        )  # fmt: skip
    assert code == 0
    assert "Resolved 3 packages for Python 3.11 on manylinux_2_28_x86_64" in out
    assert "django==3.2.25\n    # via wagtail\n" in txt.read_text()
    lines = [line for line in urls.read_text().splitlines() if line.endswith(".whl#sha256=" + line[-64:])]
    assert len(lines) == 3 and all(line.startswith(server.url + "/") for line in lines)  # no user name
    assert "alice" not in urls.read_text() + out


def test_on_a_file_index_requirements_urls_says_why_it_lists_no_url(tmp_path: Path, index_url: str) -> None:
    infile, urls = write(tmp_path, "requirements.in", "wagtail\n"), tmp_path / "requirements.urls"
    code, _, _ = resolve(infile, "--index-url", index_url, "--no-cache", "--output-urls", str(urls))
    assert code == 0
    assert "file:" not in urls.read_text() and str(tmp_path) not in urls.read_text()
    assert urls.read_text().count(": no URL: resolved on an index with no package files") == 3


def test_conflict_exits_1_and_explains_it(tmp_path: Path, index_url: str) -> None:
    infile = write(tmp_path, "requirements.in", "django==1.11.29\ndjangocms-blog\n")
    code, out, _ = resolve(infile, "--index-url", index_url, "--no-cache")
    assert code == 1
    assert "Could not find a version that matches django==1.11.29,>2.0" in out


def test_json_format_prints_the_report_v1(tmp_path: Path, index_url: str) -> None:
    infile = write(tmp_path, "requirements.in", "django==1.11.29\ndjangocms-blog\n")
    code, out, _ = resolve(infile, "--index-url", index_url, "--no-cache", "--format", "json")
    report = json.loads(out)
    assert (code, report["schema_version"], report["status"]) == (1, 1, "conflict")
    assert report["conflicts"][0]["constraints"][1]["parent"] == "djangocms-blog==1.2.0"


def test_included_files_are_read_beside_the_input(tmp_path: Path, index_url: str) -> None:
    write(tmp_path, "base.txt", "django==1.11.29\n")
    infile = write(tmp_path, "requirements.in", "-r base.txt\ndjangocms-blog\n")
    _, out, _ = resolve(infile, "--index-url", index_url, "--no-cache", "--format", "json")
    constraints = json.loads(out)["conflicts"][0]["constraints"]
    assert constraints[0]["path"][0].endswith("base.txt:1")


def test_bad_line_exits_2_and_names_it(tmp_path: Path, index_url: str) -> None:
    infile = write(tmp_path, "requirements.in", "django>=>1\n")
    code, out, _ = resolve(infile, "--index-url", index_url, "--no-cache")
    assert code == 2
    assert "requirements.in:1:" in out


def test_bad_platform_exits_2_and_names_the_option(tmp_path: Path, index_url: str) -> None:
    infile = write(tmp_path, "requirements.in", "django\n")
    code, _, err = resolve(infile, "--index-url", index_url, "--platform", "linux")
    assert code == 2
    assert err.startswith("error: --platform: platform 'linux' is not a wheel platform tag")


def test_missing_index_is_an_error_that_says_how_to_set_one(tmp_path: Path, settings) -> None:
    settings.RESOLVER_INDEX_URLS = []
    settings.OFFLINE_INDEX_ARCHIVE = str(tmp_path / "no-bundled-index.tar.xz")  # else it is the default
    code, _, err = resolve(write(tmp_path, "requirements.in", "django\n"))
    assert code == 2
    assert "set PIP_INDEX_URL or pass --index-url" in err


def test_cache_dir_is_filled_and_reused(tmp_path: Path, index_url: str) -> None:
    infile = write(tmp_path, "requirements.in", "wagtail\n")
    cache = tmp_path / "cache"
    resolve(infile, "--index-url", index_url, "--cache-dir", str(cache))
    assert any(cache.rglob("*"))
    _, out, _ = resolve(infile, "--index-url", index_url, "--cache-dir", str(cache), "--format", "json")
    assert json.loads(out)["stats"]["cache_hits"] > 0


def test_default_cache_is_under_xdg_cache_home(tmp_path: Path, index_url: str, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    resolve(write(tmp_path, "requirements.in", "wagtail\n"), "--index-url", index_url)
    assert any((tmp_path / "xdg" / "conflict-explorer").rglob("*"))
