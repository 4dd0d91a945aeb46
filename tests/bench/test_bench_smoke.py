"""The benchmark harness runs end to end and writes its JSON: a smoke test, not a timed test.

Speed is what the harness measures, never what a test asserts, so this
only checks that one tiny input on an index built by the test goes through our engine once per
mode, that the verdict and the pin check are recorded, and that the table is printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import check_pins, main
from tests.support.universe import build_index

UNIVERSE = {
    "app": {"1.0": {"requires": ["lib>=2"]}},
    "lib": {"1.0": {}, "2.0": {}, "2.1": {}},
}


def test_harness_runs_one_input_and_writes_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_index(tmp_path / "index", UNIVERSE)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.in").write_text("app\n")
    (corpus / "other.in").write_text("lib==1.0\n")  # left out by --only
    output = tmp_path / "results.json"

    code = main(
        [
            "--runs", "1", "--no-pip", "--latency-ms", "0", "--only", "tiny",
            "--corpus", str(corpus), "--index-root", str(tmp_path / "index"), "--output", str(output),
        ]
    )  # fmt: skip

    assert code == 0
    results = json.loads(output.read_text())
    [tiny] = results["inputs"]
    assert tiny["name"] == "tiny"
    assert tiny["ours_exit"] == 0 and tiny["packages"] == 2
    assert tiny["pins_satisfy"] is True
    kinds = [(r["tool"], r["mode"]) for r in tiny["runs"]]
    # uv: the second reference; rewarm: ours resolving again from the warm cache
    assert kinds == [("ours", "cold"), ("uv", "cold"), ("ours", "warm"), ("uv", "warm"), ("ours", "rewarm")]
    ours = [r for r in tiny["runs"] if r["tool"] == "ours"]
    assert ours[0]["requests"] > 0  # counted at the server
    assert ours[1]["cache_hits"] > 0 and ours[1]["requests"] == 0  # the answer the cold run stored
    assert ours[2]["cache_hits"] > ours[1]["cache_hits"]  # pages and metadata, read again from the cache
    uv = [r for r in tiny["runs"] if r["tool"] == "uv"]
    assert [r["exit_code"] for r in uv] == [0, 0] and uv[0]["requests"] > 0
    assert "| tiny | 2 | resolves / - |" in capsys.readouterr().out


def test_pin_check_names_a_pin_outside_a_constraint() -> None:
    report = {
        "pins": {"app": "1.0", "lib": "1.0"},
        "input": {"python_version": "3.11.7"},
        "graph": {
            "edges": [
                {"source": "app", "target": "lib", "specifier": ">=2", "marker": None},
                {"source": "app", "target": "win", "specifier": "", "marker": 'sys_platform == "win32"'},
            ]
        },
    }
    assert check_pins(report) == ["app needs lib>=2: pinned 1.0"]
