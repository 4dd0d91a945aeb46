"""The API's report models against the one definition of report v1, resolver.output.report's TypedDicts.

The models exist for the OpenAPI document (descriptions, formats); they must say what the engine
writes, neither more nor less: the same keys at every level, and nothing the API calls required
that the engine may leave out. (Old stored reports may lack a key the engine now always writes,
so the API may call optional what the TypedDict requires.) The stored reports themselves are
checked against the TypedDicts by tests/support/fixtures.py's `stored_reports_checked`.
"""

from __future__ import annotations

import types
from typing import Any, NotRequired, Union, get_args, get_origin, get_type_hints

import pytest
from pydantic import BaseModel
from typing_extensions import is_typeddict

from conflicts.api import report as api_report
from resolver.output import report

# Where the API's model has another name than the TypedDict.
MODEL_NAMES = {"Report": "ReportV1", "RequirementLine": "InputRequirement"}


def nested(annotation: Any, kind: str) -> dict[str, Any]:
    """The TypedDicts (kind "typeddict") or models ("model") an annotation holds, by the TypedDict's name."""
    found: dict[str, Any] = {}
    if kind == "typeddict" and is_typeddict(annotation):
        found[annotation.__name__] = annotation
    elif kind == "model" and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        names = {model: typed for typed, model in MODEL_NAMES.items()}
        found[names.get(annotation.__name__, annotation.__name__)] = annotation
    if get_origin(annotation) in (list, dict, NotRequired, Union, types.UnionType):
        for argument in get_args(annotation):
            found |= nested(argument, kind)
    return found


def differences(typed: Any, model: type[BaseModel], where: str) -> list[str]:
    hints = get_type_hints(typed, include_extras=True)
    fields = model.model_fields
    problems = [f"{where}.{key}: in the TypedDict only" for key in hints.keys() - fields.keys()]
    problems += [f"{where}.{key}: in the API model only" for key in fields.keys() - hints.keys()]
    for key in hints.keys() & fields.keys():
        if fields[key].is_required() and get_origin(hints[key]) is NotRequired:
            problems.append(f"{where}.{key}: the API requires what the engine may leave out")
        inner, documented = nested(hints[key], "typeddict"), nested(fields[key].annotation, "model")
        if inner.keys() != documented.keys():
            problems.append(f"{where}.{key}: {sorted(inner)} in the TypedDict, {sorted(documented)} in the API")
        for name in inner.keys() & documented.keys():
            problems += differences(inner[name], documented[name], f"{where}.{key}")
    return problems


def test_the_api_report_model_has_the_keys_of_the_typeddicts_at_every_level():
    assert differences(report.Report, api_report.ReportV1, "report") == []


@pytest.mark.parametrize(
    ("typed", "model", "expected"),
    [
        (report.Source, api_report.FixLine, []),
        (report.SourceLine, api_report.Source, ["s.text: in the TypedDict only"]),
        (report.Fix, api_report.FixLine, None),
    ],
)
def test_a_missing_key_is_a_difference(typed, model, expected):
    found = differences(typed, model, "s")
    assert found == expected if expected is not None else found
