"""Conflict Explorer's resolution engine.

A framework-free library: it never imports Django, Celery, `conflicts` or `config` (the import
contracts in `.importlinter` check it), so the CLI, the Celery task, the benchmarks and other
programs can use it alone. The layers, each a subpackage, lowest first:

- `input`: requirements-file syntax and files, no I/O;
- `index`: the only I/O (transport, egress policy, pages, metadata, caches);
- `resolution`: resolvelib's provider and the graph it records;
- `analysis`: what a failure means (conflicts, smallest clash, proven fixes, other targets);
- `output`: the JSON report v1, text, trees, DOT and GraphML;
- `snapshot`: the bundled offline index.

The public API is re-exported here: `resolve` and its `Limits`, the `Target`, the `IndexClient`
with its `IndexLimits`, the `Report` type and the error tree. They are loaded on first use, so
importing one subpackage does not import them all.
"""

from __future__ import annotations

import importlib

# typing.TYPE_CHECKING without importing typing: every program that uses the engine imports this
# package first, and a warm command line that gives back a stored answer has no time to spare.
TYPE_CHECKING = False

_PUBLIC = {
    "resolve": "resolver.engine",
    "Limits": "resolver.limits",
    "Target": "resolver.environment",
    "IndexClient": "resolver.index.client",
    "IndexLimits": "resolver.index.limits",
    "Report": "resolver.output.report",
    "ResolverError": "resolver.errors",
    "InputError": "resolver.errors",
    "LineError": "resolver.errors",
    "TargetError": "resolver.errors",
    "IndexAccessError": "resolver.errors",
    "MetadataUnavailable": "resolver.errors",
    "LimitReached": "resolver.errors",
}
__all__ = [
    "IndexAccessError",
    "IndexClient",
    "IndexLimits",
    "InputError",
    "LimitReached",
    "Limits",
    "LineError",
    "MetadataUnavailable",
    "Report",
    "ResolverError",
    "Target",
    "TargetError",
    "resolve",
]

if TYPE_CHECKING:
    from typing import Any

    from resolver.engine import resolve
    from resolver.environment import Target
    from resolver.errors import (
        IndexAccessError,
        InputError,
        LimitReached,
        LineError,
        MetadataUnavailable,
        ResolverError,
        TargetError,
    )
    from resolver.index.client import IndexClient
    from resolver.index.limits import IndexLimits
    from resolver.limits import Limits
    from resolver.output.report import Report


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'resolver' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
