"""Editing the user's input files: one line changed or commented out, a pin added, a diff shown.

Fixes are offered as changed files, so every edit keeps the other lines and their line endings
exactly as the user wrote them.
"""

from __future__ import annotations

import difflib
import re

from packaging.version import Version

from resolver.input.reqfile import InputRequirement

Line = tuple[str, int]  # (file, first physical line)


def set_line(files: dict[str, str], line: Line, new: str | None) -> dict[str, str]:
    """The files with one logical line replaced by `new`, or commented out when `new` is None."""
    file, number = line
    lines, seps = _split(files[file])
    start = number - 1
    end = start
    while end + 1 < len(lines) and lines[end].endswith("\\") and not lines[end].lstrip().startswith("#"):
        end += 1
    if new is None:
        replacement = ["# " + text for text in lines[start : end + 1]]
        new_seps = seps[start : end + 1]
    else:
        replacement, new_seps = [new], [seps[end]]
    lines[start : end + 1] = replacement
    seps[start : end + 1] = new_seps
    return {**files, file: "".join(text + sep for text, sep in zip(lines, seps, strict=True))}


def pin_parent(
    files: dict[str, str], lines: list[InputRequirement], parent: str, version: Version
) -> tuple[Line | None, dict[str, str]]:
    """Pin `parent==version`: on the user's own line for it if there is one, else a new line."""
    for item in lines:
        if item.name == parent and not item.url and not item.editable:
            line = (item.origin.file, item.origin.line)
            return line, set_line(files, line, requirement_text(item, f"=={version}"))
    root = lines[0].origin.file if lines else next(iter(files))
    text = files[root]
    if text and not text.endswith(("\n", "\r")):
        text += "\n"
    return None, {**files, root: text + f"{parent}=={version}\n"}


def requirement_text(item: InputRequirement, specifier: str) -> str:
    requirement = item.requirement
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    marker = f" ; {requirement.marker}" if requirement.marker else ""
    return f"{requirement.name}{extras}{specifier}{marker}"


_NEWLINE = re.compile(r"(\r\n|\r|\n)")


def _split(text: str) -> tuple[list[str], list[str]]:
    parts = _NEWLINE.split(text)
    return parts[0::2], [*parts[1::2], ""]


def diff(name: str, old: str, new: str) -> str:
    shown = name.lstrip("/")  # a path the CLI was given whole: "a/tmp/x.in", as git writes it
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=f"a/{shown}", tofile=f"b/{shown}"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
