"""The verdict harness (bench.verdicts) on a loopback index: verdicts, pin checks and redaction.

It is a measurement, not a test of the engine; these tests check that it reads each tool's
answer right, that its independent pin check catches a pin that breaks a requirement, and that
the file it writes for committing names no index and no path of the machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.verdicts import check_ours, diff, main
from tests.support.server import serve_index
from tests.support.universe import build_index

UNIVERSE = {
    "app": {"1.0": {"requires": ["lib>=2"]}},
    "lib": {"1.0": {}, "2.0": {}},
}


def test_ours_and_pip_verdicts_on_a_resolvable_and_a_conflicting_input(tmp_path: Path) -> None:
    build_index(tmp_path / "index", UNIVERSE)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fine.in").write_text("# a comment naming the source\napp\n")
    (corpus / "clash.in").write_text("app\nlib==1.0\n")
    results = tmp_path / "out" / "verdicts.json"
    with serve_index(tmp_path / "index") as index:
        code = main(
            [
                "--index-url", index.simple_url, "--cache-dir", str(tmp_path / "cache"), "--results", str(results),
                "--corpus", str(corpus), "--tools", "ours,pip", "--pip-python", sys.executable, "--jobs", "1",
            ]
        )  # fmt: skip
    assert code == 0
    text = results.read_text()
    data = json.loads(text)
    by_name = {item["name"]: item for item in data["inputs"]}
    fine, clash = by_name["corpus/fine.in"], by_name["corpus/clash.in"]
    assert fine["source"] == "a comment naming the source"
    assert fine["runs"]["ours"]["verdict"] == fine["runs"]["pip"]["verdict"] == "resolved"
    assert fine["runs"]["ours"]["pins"] == {"app": "1.0", "lib": "2.0"}
    assert fine["diff_pip"] == [] and fine["ours_unsatisfied"] == [] and fine["agree_pip"] is True
    assert clash["runs"]["ours"]["verdict"] == clash["runs"]["pip"]["verdict"] == "conflict"
    assert "127.0.0.1" not in text and str(tmp_path) not in text
    assert "| corpus/clash.in | conflict" in results.with_suffix(".md").read_text()


def test_pin_check_uses_pips_metadata_of_the_same_release(tmp_path: Path) -> None:
    """Our graph may have missed a dependency; pip's copy of the metadata still shows it broken."""
    (tmp_path / "r.in").write_text("app\n")
    ours = {"app": "1.0", "lib": "1.0"}
    pip_report = {"install": [{"metadata": {"name": "app", "version": "1.0", "requires_dist": ["lib>=2"]}}]}
    our_report = {"pins": ours, "graph": {"edges": []}, "input": {"python_version": "3.11"}}
    assert check_ours(tmp_path / "r.in", ours, pip_report, our_report) == ["app==1.0 needs lib>=2: pinned 1.0"]
    assert diff(ours, {"app": "1.0", "lib": "2.0", "extra": "1"}) == ["extra - 1", "lib 1.0 2.0"]
