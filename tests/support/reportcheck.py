"""The JSON report v1 checked against its one definition, the TypedDicts of resolver.output.report.

Every report the engine makes and the app stores in the tests goes through `stored_reports_checked`
(a fixture of tests/support/fixtures.py): pydantic validates it strictly against `Report`, with no
key the TypedDicts do not declare, so a key written by a builder and missing from the contract (or
a value of another type) fails the test that made it. The API schema is compared with the same
TypedDicts key by key in tests/conflicts/api/test_report_contract.py.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from resolver.output.report import Report

# Wrapped in a list: pydantic takes a config only for a type that cannot carry its own, and the
# list's config reaches every TypedDict inside it.
REPORTS = TypeAdapter(list[Report], config=ConfigDict(extra="forbid", strict=True))


def report_problems(report: Any) -> str | None:
    """None when `report` is a JSON report v1 as the TypedDicts define it, else pydantic's account."""
    try:
        REPORTS.validate_python([report])
    except ValidationError as error:
        return str(error)
    return None
