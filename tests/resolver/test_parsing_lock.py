"""Parses that reach CPython's `ast` never run in two threads at once (see resolver/input/parsing.py:
on Python 3.11 two concurrent ones can fail with "AST constructor recursion depth mismatch")."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

from resolver.input import parsing

ENGINE = Path(__file__).resolve().parents[2] / "resolver"
AST_CALLS = {("Requirement",), ("Marker",), ("ast", "parse"), ("ast", "literal_eval")}


def called(node: ast.Call) -> tuple[str, ...]:
    func = node.func
    if isinstance(func, ast.Name):
        return (func.id,)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return (func.value.id, func.attr)
    return ()


def test_the_engine_parses_requirements_markers_and_python_only_through_the_lock() -> None:
    direct = []
    for source in ENGINE.rglob("*.py"):
        if source.name == "parsing.py" and source.parent.name == "input":
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call) and called(node) in AST_CALLS:
                direct.append(f"{source.relative_to(ENGINE)}:{node.lineno} {'.'.join(called(node))}")
    assert direct == []


def test_a_parse_waits_while_another_thread_holds_the_lock() -> None:
    done = threading.Event()

    def parse() -> None:
        parsing.requirement("demo>=1; python_version >= '3.8'")
        done.set()

    with parsing.AST_LOCK:
        worker = threading.Thread(target=parse)
        worker.start()
        assert not done.wait(0.2)
    assert done.wait(5)
    worker.join()
