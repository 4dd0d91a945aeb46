"""The command line's new options and how the analyses read in a terminal and in the JSON report."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from resolver import cli
from tests.resolver.analysis.test_analysis_timeline import BREAKS
from tests.support.universe import CLASSIC, build_index


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the files are named as given, relative to here


def run_cli(tmp_path: Path, universe: dict, text: str, *args: str) -> tuple[int, str, str]:
    simple = build_index(tmp_path / "index", universe, formats=("json",))
    (tmp_path / "requirements.in").write_text(text)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    options = parser.parse_args(["requirements.in", "--no-cache", *args])
    out, err = io.StringIO(), io.StringIO()
    defaults = cli.Defaults(index_urls=[simple.as_uri() + "/"])
    return cli.run(options, defaults, out, err), out.getvalue(), err.getvalue()


def test_text_shows_minimal_lines_first_then_the_matrix_and_proven_fixes(tmp_path: Path) -> None:
    code, out, _ = run_cli(tmp_path, CLASSIC, "# site\ndjango==1.11.29\ndjangocms-blog\n")
    assert code == 1
    lines = out.splitlines()
    assert lines[2] == "These 2 of your 2 lines conflict:"
    assert lines[3].endswith("requirements.in:2: django==1.11.29")
    assert out.index("These 2 of your") < out.index("Could not find a version that matches django==1.11.29,>2.0")
    assert "  Which django versions each one accepts (x = accepts):" in out
    assert "    djangocms-blog 1.2.0    x      x       .      >2.0" in out
    # Least disturbing first, said truthfully: `>2.0` no longer allows 1.11, so it is an upgrade.
    assert "    1. Upgrade django 1.11 → 2.2, major: django==1.11.29 → django==2.2.28" in out
    assert (
        "    2. Upgrade django 1.11 \N{RIGHTWARDS ARROW} 3.2, major: django==1.11.29 \N{RIGHTWARDS ARROW} django>2.0"
        in out
    )
    assert "Loosen" not in out
    assert "       -django==1.11.29\n       +django>2.0\n" in out
    assert "       pins: django 1.11.29 -> 3.2.25" in out
    assert "(analyses: " in out and "re-resolutions in" in out


def test_no_single_change_and_no_analysis(tmp_path: Path) -> None:
    universe = {
        "x": {"1.0": {}, "2.0": {}, "3.0": {}},
        "p": {"1.0": {"requires": ["x<1.5"]}},
        "q": {"1.0": {"requires": ["x>2.5"]}},
    }
    code, out, _ = run_cli(tmp_path, universe, "x==2.0\np\nq\n")
    assert code == 1
    assert "  No single change fixes this (" in out and "candidate changes were each re-resolved)." in out
    code, out, _ = run_cli(tmp_path, universe, "x==2.0\np\nq\n", "--no-analysis", "--format", "json")
    report = json.loads(out)
    assert code == 1 and "minimal_lines" not in report and "fixes" not in report["conflicts"][0]


def test_targets_and_what_broke_in_text_and_json(tmp_path: Path) -> None:
    universe = {**BREAKS, "old": {"1.0": {"requires_python": ">=3.10", "upload_time": "2024-01-01T00:00:00Z"}}}
    args = ["--target", "3.8/manylinux_2_28_x86_64", "--target", "3.12/win_amd64", "--what-broke-since", "2024-03-01"]
    code, out, _ = run_cli(tmp_path, universe, "a\nb==1.0\nc\nold\n", *args)
    assert code == 1
    assert "Targets:\n  3.8 manylinux_2_28_x86_64  FAIL  " in out
    assert "\n  3.12 win_amd64             FAIL  Could not find a version that matches b==1.0,>=2" in out
    assert (
        "What broke it since 2024-03-01T23:59:59Z: It resolved as of 2024-03-01T23:59:59Z; the release of a 2.0" in out
    )
    assert "  a 2.0, uploaded 2024-05-01T00:00:00Z" in out
    code, out, _ = run_cli(tmp_path, universe, "a\nb==1.0\nc\nold\n", *args, "--format", "json", "--no-analysis")
    report = json.loads(out)
    assert [cell["status"] for cell in report["targets"]["cells"]] == ["conflict", "conflict"]
    assert report["what_broke"]["broken_by"] == [{"package": "a", "version": "2.0", "uploaded": "2024-05-01T00:00:00Z"}]


def test_exclude_newer_from_the_command_line(tmp_path: Path) -> None:
    code, out, _ = run_cli(tmp_path, BREAKS, "a\n", "--exclude-newer", "2024-03-01", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["pins"] == {"a": "2.0b1"}
    assert report["input"]["exclude_newer"] == "2024-03-01T23:59:59Z"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exclude-newer", "yesterday"], "error: --exclude-newer: 'yesterday' is not a date; give YYYY-MM-DD"),
        (["--what-broke-since", "2024-13-01"], "error: --what-broke-since: '2024-13-01' is not a date"),
        (["--target", "3.8/windows"], "error: --target: platform 'windows' is not a wheel platform tag"),
    ],
)
def test_bad_dates_and_targets_are_input_errors(tmp_path: Path, args: list[str], message: str) -> None:
    code, out, err = run_cli(tmp_path, CLASSIC, "django\n", *args)
    assert code == 2 and out == ""
    assert err.startswith(message)


def test_pin_changes_name_moves_and_removals_before_additions() -> None:
    from resolver.output.text import _pin_changes

    changes = {"a": [None, "1"], "django": ["1.11.29", "2.2.28"], "b": [None, "2"], "wagtail": ["4.2", None]}
    changes |= {name: [None, "1.0"] for name in ("c", "d", "e")}
    assert _pin_changes(changes) == "django 1.11.29 -> 2.2.28, -wagtail 4.2, +a 1, +b 2, +c 1.0 and 2 more"
    assert _pin_changes({"django": ["1.11.29", "2.2.28"]}) == "django 1.11.29 -> 2.2.28"
