"""Requirement lines that name an archive URL: taken as exactly the version they declare, at that URL.

The index is never asked for their name and the archive is never fetched: what they need is
unknown (only a build would tell), which the report says rather than hides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.version import Version

from resolver.index.urls import redact
from resolver.input.reqfile import ParsedInput

if TYPE_CHECKING:
    from resolver.output.report import Diagnosis, Source


def url_lines(parsed: ParsedInput, dropped: frozenset[tuple[str, int]]) -> dict[str, tuple[Version, str]]:
    """The packages given as a URL line: the version the line declares, at that URL."""
    found: dict[str, tuple[Version, str]] = {}
    for line in parsed.requirements:
        if line.url and (line.origin.file, line.origin.line) not in dropped:
            [pin] = [spec for spec in line.requirement.specifier if spec.operator == "=="]
            found.setdefault(line.name, (Version(pin.version), line.url))
    return found


def url_warnings(parsed: ParsedInput, urls: dict[str, tuple[Version, str]], pins: dict[str, str]) -> list[Diagnosis]:
    """A URL line is taken as the archive the user asked for, but what it needs is not read (only its
    build would tell): the resolution holds if it needs nothing that clashes. Said, not hidden."""
    warnings: list[Diagnosis] = []
    for line in parsed.requirements:
        if line.url and line.name in pins and urls.get(line.name, (None, None))[1] == line.url:
            source: Source = {"file": line.origin.file, "line": line.origin.line}
            warnings.append(
                {
                    "kind": "url_dependencies_unknown",
                    "severity": "warning",
                    "package": line.name,
                    "version": pins[line.name],
                    "url": redact(line.url),
                    "constraints": [
                        {
                            "specifier": f"=={pins[line.name]}",
                            "parent": None,
                            "source": source,
                            "path": [f"{line.origin}"],
                            "kind": "requirement",
                            "text": line.text,
                        }
                    ],
                    "message": (
                        f"{line.name} {pins[line.name]} is taken from the URL on {line.origin} as given, "
                        "without reading its dependencies (only its build would tell): these pins hold "
                        "if it needs nothing that clashes with them"
                    ),
                }
            )
    return warnings
