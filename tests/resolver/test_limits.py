"""The defaults of a resolution's bounds, read by the CLI and the settings from `resolver` alone."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from resolver.limits import Limits


def pips_round_limit() -> int:
    """The `max_rounds` pip's resolver passes to resolvelib, read from pip's source (never run)."""
    spec = importlib.util.find_spec("pip._internal.resolution.resolvelib.resolver")
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and any(keyword.arg == "max_rounds" for keyword in node.keywords)
    ]
    assert len(calls) == 1
    (value,) = (keyword.value for keyword in calls[0].keywords if keyword.arg == "max_rounds")
    if isinstance(value, ast.Name):  # a local constant assigned just before the call
        (value,) = (
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == value.id for t in node.targets)
        )
    return int(ast.literal_eval(value))


def test_no_resolution_pip_finishes_stops_here_on_rounds() -> None:
    assert Limits().max_rounds >= pips_round_limit() >= 100_000
