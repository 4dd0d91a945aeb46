"""What a run needs of the report besides its shapes: the version it writes, the exit code it
means, and whether it is settled enough to be stored as the answer to its question.

`report`'s TypedDicts (typing_extensions with them) cost a command-line run 0.7 MB of its peak
memory, and the engine and the command line only annotate with them: these two names are all they
use of the report while running. `report` re-exports both, so its readers find them there too.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, as `resolver` does
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

SCHEMA_VERSION = 1


def exit_code(report: Mapping[str, object]) -> int:  # a `report.Report`, which imports this module
    """0 resolved, 1 not resolvable (conflict, not found, no compatible distribution), 2 otherwise."""
    if report["status"] == "resolved":
        return 0
    if report["status"] == "conflict":
        return 1
    return 2


def settled(report: Mapping[str, object]) -> bool:
    """Whether the answer depends on nothing but the question and the index pages it read: not on
    a limit or a time budget that was reached, nor on an index that failed to answer. Only such an
    answer is given again to the same question (`resolver.index.answers`)."""
    analysis = report.get("analysis")
    if isinstance(analysis, dict) and not analysis.get("complete"):
        return False
    for part in (report.get("targets"), report.get("what_broke")):
        if isinstance(part, dict) and "error" in part:
            return False
    return not any(kind in ("limit", "index_error") for kind in _kinds(report))


def _kinds(value: object) -> Iterator[object]:
    if isinstance(value, dict):
        if "kind" in value:
            yield value["kind"]
        for item in value.values():
            yield from _kinds(item)
    elif isinstance(value, list):
        for item in value:
            yield from _kinds(item)
