"""Leaf parts of the JSON report v1's API models (conflicts.api.schemas holds the rest).

Like every part of the report they list the keys the engine writes (resolver/output/report.py,
checked by tests/conflicts/api/test_report_contract.py) and allow more within version 1.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class LineError(Part):
    """One bad line of the input."""

    code: str = Field(description="A kebab-case code: `bad-line`, `too-many-lines`, ...")
    file: str
    line: int
    text: str
    span: list[int] = Field(description="[start, end) of the bad part in `text`.")
    message: str


class IndexOption(Part):
    """An index option line of the input (`--index-url`, `--extra-index-url`, ...)."""

    option: str
    value: str | None = Field(description="Its value, credentials redacted.")
    file: str
    line: int
    honoured: bool = Field(description="Whether the server fetched from it.")
    reason: str | None = Field(default=None, description="Why it was not fetched.")


class IgnoredOption(Part):
    """A pip option of the input that a resolution does not use."""

    option: str
    value: str | None
    file: str
    line: int
    reason: str


class ParentVersion(Part):
    version: str
    specifier: str | None = Field(description="What this version asks of the package; null: nothing.")


class Analysis(Part):
    """What the analyses of a failure cost, and whether a budget stopped them."""

    resolutions: int
    duration_ms: int
    complete: bool
    stopped: str | None = Field(description="What stopped them early, if anything.")
    undecided: int = Field(description="Re-resolutions that could not tell (a limit, an index error, a build).")


Severity = Literal["warning"]
