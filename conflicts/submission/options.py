"""The analysis options of a submission, checked the same way for the HTML form and the JSON API.

Pip's `--only-binary`/`--no-binary` ride along too (`parse_formats`), kept as given so a re-run
reads them the same way. Three optional questions ride along with a requirements file: more targets to resolve it for (a
pass/fail matrix), a moment to resolve "as of" (files uploaded later are ignored, PEP 700 upload
times), and a date on which the file used to resolve (to find the release that broke it). They are
stored on the Report as `options`, in plain JSON, so a report re-runs with the same questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings

from conflicts.submission.inputs import Problem
from resolver.environment import Target
from resolver.errors import TargetError
from resolver.input.formats import FormatControl, FormatError

MAX_TARGETS = 8
MOMENT_FORMATS = "YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] in UTC (a trailing Z or +00:00 is accepted)"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class OptionsError(Exception):
    """Every problem with the options at once, each naming its field (and line, for targets)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Options:
    """What is stored in `Report.options`; an empty Options stores `{}`."""

    targets: tuple[tuple[str, str], ...] = ()
    exclude_newer: datetime | None = None
    good_date: date | None = None
    only_binary: tuple[str, ...] = ()  # pip's option values as given (`:all:`, `a,b`), in order
    no_binary: tuple[str, ...] = ()

    def formats(self) -> FormatControl:
        control = FormatControl()
        for option, values in (("--only-binary", self.only_binary), ("--no-binary", self.no_binary)):
            for value in values:
                control = control.add(option, value)
        return control

    def to_json(self) -> dict[str, Any]:
        stored: dict[str, Any] = {}
        for name in ("only_binary", "no_binary"):
            if getattr(self, name):
                stored[name] = list(getattr(self, name))
        if self.targets:
            stored["targets"] = [{"python_version": py, "platform": platform} for py, platform in self.targets]
        if self.exclude_newer is not None:
            stored["exclude_newer"] = self.exclude_newer.isoformat().replace("+00:00", "Z")
        if self.good_date is not None:
            stored["good_date"] = self.good_date.isoformat()
        return stored

    @classmethod
    def from_json(cls, stored: dict[str, Any] | None) -> Options:
        stored = stored or {}
        targets = tuple((t["python_version"], t["platform"]) for t in stored.get("targets", []))
        exclude_newer = parse_moment(stored["exclude_newer"], "exclude_newer") if stored.get("exclude_newer") else None
        good_date = date.fromisoformat(stored["good_date"]) if stored.get("good_date") else None
        binary = {name: tuple(stored.get(name, ())) for name in ("only_binary", "no_binary")}
        return cls(targets, exclude_newer, good_date, **binary)


def parse_formats(values: list[str], field: str, *, lines: bool = False) -> tuple[str, ...]:
    """Values of `--only-binary` (field `only_binary`) or `--no-binary` checked as pip reads them.

    Raises OptionsError naming the field (`field.N` for the API's list items unless `lines`).
    """
    option = "--" + field.replace("_", "-")
    problems: list[Problem] = []
    kept: list[str] = []
    for position, value in enumerate(values):
        text = value.strip()
        try:
            FormatControl().add(option, text)
        except FormatError as error:
            where = field if lines else f"{field}.{position}"
            problems.append(Problem(f"{error.message}.", field=where, code="bad-format"))
            continue
        if text:
            kept.append(text)
    if problems:
        raise OptionsError(problems)
    return tuple(kept)


def parse_moment(value: str, field: str) -> datetime:
    """An aware UTC datetime from a date (its midnight, UTC) or an ISO 8601 date and time.

    Raises OptionsError naming `field`. A time without an offset is taken as UTC, as index upload
    times are.
    """
    text = value.strip()
    try:
        if _DATE.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:  # OverflowError: an offset past year 9999
        raise OptionsError([Problem(f"{text!r} is not a date or time; use {MOMENT_FORMATS}.", field=field,
                                    code="bad-datetime")]) from error  # fmt: skip


def parse_day(value: str, field: str) -> date:
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as error:
        raise OptionsError(
            [Problem(f"{text!r} is not a date; use YYYY-MM-DD.", field=field, code="bad-date")]
        ) from error


def split_target(text: str) -> list[str]:
    """`3.12 win_amd64`, `3.12/win_amd64` (the command line's form) or `3.12` alone."""
    return text.replace("/", " ").replace(",", " ").split()


def parse_target_lines(text: str, field: str = "targets") -> list[tuple[str, str]]:
    """One target a line: `3.12 manylinux_2_28_x86_64`, `3.12/win_amd64`, or `3.12` alone for the
    main target's platform (left empty here, filled by `check_options`). Blank lines and `#`
    comments are skipped."""
    targets: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = split_target(line)
        if len(parts) > 2:
            message = (f"line {number}: {line!r} is not 'PYTHON PLATFORM'; "
                       "write for example '3.12 manylinux_2_28_x86_64', '3.9 win_amd64' or '3.12'.")  # fmt: skip
            problems.append(Problem(message, field=field, line=number, code="bad-target"))
            continue
        targets.append((parts[0], parts[1] if len(parts) == 2 else ""))
    if problems:
        raise OptionsError(problems)
    return targets


def check_options(
    *,
    targets: list[tuple[str, str]],
    main_target: tuple[str, str],
    exclude_newer: datetime | None,
    good_date: date | None,
    target_field: str = "targets",
    lines: bool = True,
) -> Options:
    """Check the options together: valid, distinct targets, dates in the past and in order.

    `lines` says whether `target_field` problems are numbered as lines (the form's textarea) or as
    list positions (`targets.0`, the API's list).
    """
    problems: list[Problem] = []
    seen = {main_target}
    kept: list[tuple[str, str]] = []
    for position, (python_version, given_platform) in enumerate(targets):
        platform = given_platform or main_target[1]
        field = target_field if lines else f"{target_field}.{position}"
        where = f"line {position + 1}: " if lines else ""
        line = position + 1 if lines else None
        try:
            Target(python_version, platform)
        except TargetError as error:
            problems.append(Problem(f"{where}{error.message}", field=field, line=line, code=error.code))
            continue
        if (python_version, platform) in seen:
            message = f"{where}Python {python_version} on {platform} is already a target; list each target once."
            problems.append(Problem(message, field=field, line=line, code="duplicate-target"))
            continue
        seen.add((python_version, platform))
        kept.append((python_version, platform))
    limit = getattr(settings, "ANALYSIS_MAX_TARGETS", MAX_TARGETS)
    if len(targets) > limit:
        message = f"{len(targets)} extra targets; at most {limit} are accepted (each is a full resolution)."
        problems.append(Problem(message, field=target_field, code="too-many-targets"))
    now = datetime.now(UTC)
    if exclude_newer is not None and exclude_newer > now:
        message = f"{exclude_newer:%Y-%m-%d %H:%M} UTC is in the future; 'as of' is a past moment (or leave it empty)."
        problems.append(Problem(message, field="exclude_newer", code="future-datetime"))
    if good_date is not None:
        if good_date >= now.date():
            message = f"{good_date} is not in the past; give a day on which the file used to resolve."
            problems.append(Problem(message, field="good_date", code="future-date"))
        elif exclude_newer is not None and good_date >= exclude_newer.date():
            message = f"{good_date} is not before the 'as of' moment {exclude_newer:%Y-%m-%d}; it must be earlier."
            problems.append(Problem(message, field="good_date", code="date-order"))
    if problems:
        raise OptionsError(problems)
    return Options(tuple(kept), exclude_newer, good_date)
