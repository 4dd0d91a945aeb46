"""Every parse that reaches CPython's `ast` module goes through one lock.

CPython 3.11 keeps the depth counter of the code that turns a parsed tree into `ast` objects in
state shared by all threads; a thread switch in the middle of that conversion (a collection that
runs a finaliser is enough) lets another thread's parse move the counter, and the first one fails
with "SystemError: AST constructor recursion depth mismatch". It happened in a Celery worker on the
threads pool, where resolutions, their prefetch threads and the analyses parse at the same time.
`packaging` parses every quoted string of an environment marker with `ast.literal_eval`, and the
static `setup.py` reader uses `ast.parse`: so `Requirement`, `Marker` and `ast` are called through
here, and nowhere else in the engine (tests/resolver/test_parsing_lock.py checks).
"""

from __future__ import annotations

import ast
import threading

from packaging.markers import Marker
from packaging.requirements import Requirement

AST_LOCK = threading.RLock()  # re-entrant: a parse inside a parse (a marker in a requirement) is fine


def requirement(text: str) -> Requirement:
    with AST_LOCK:
        return Requirement(text)


def marker(text: str) -> Marker:
    with AST_LOCK:
        return Marker(text)


def python_source(source: str | bytes) -> ast.Module:
    with AST_LOCK:
        return ast.parse(source)


def literal(text: str) -> object:
    with AST_LOCK:
        return ast.literal_eval(text)
