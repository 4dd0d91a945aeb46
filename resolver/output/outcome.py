"""What a run needs of the report besides its shapes: the version it writes, the exit code it means.

`report`'s TypedDicts (typing_extensions with them) cost a command-line run 0.7 MB of its peak
memory, and the engine and the command line only annotate with them: these two names are all they
use of the report while running. `report` re-exports both, so its readers find them there too.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, as `resolver` does
if TYPE_CHECKING:
    from collections.abc import Mapping

SCHEMA_VERSION = 1


def exit_code(report: Mapping[str, object]) -> int:  # a `report.Report`, which imports this module
    """0 resolved, 1 not resolvable (conflict, not found, no compatible distribution), 2 otherwise."""
    if report["status"] == "resolved":
        return 0
    if report["status"] == "conflict":
        return 1
    return 2
