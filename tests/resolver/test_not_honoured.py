"""Issue 14, item 9: every line the engine does not act on says why, in the report."""

from __future__ import annotations

from tests.resolver.conftest import Resolve


def test_index_options_not_honoured_say_why(run: Resolve) -> None:
    text = "-f ./wheels\n--no-index\n--index-url https://mirror.example/simple/\n--trusted-host x\na\n"
    report = run({"a": {"1.0": {}}}, text)
    assert report["status"] == "resolved"
    options = {o["option"]: o for o in report["input"]["index_options"]}
    assert set(options) == {"--find-links", "--no-index", "--index-url"}
    assert all(o["honoured"] is False for o in options.values())
    assert "never a directory or page of files" in options["--find-links"]["reason"]
    assert "always read from an index" in options["--no-index"]["reason"]
    assert "the index is the one chosen for this run" in options["--index-url"]["reason"]
    (ignored,) = report["input"]["ignored_options"]
    assert ignored["option"] == "--trusted-host" and ignored["reason"]
