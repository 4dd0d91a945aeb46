"""Resolve one input for several targets at once: a pass/fail matrix with the reason per cell."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resolver.environment import Target
from resolver.index import IndexClient
from resolver.report import Targets


def parse_target(text: str) -> Target:
    """`3.8/manylinux_2_28_x86_64`, `3.12/win_amd64` or `3.12` (the default platform)."""
    raise NotImplementedError


def resolve_targets(
    files: Mapping[str, str], *, index: IndexClient, targets: Sequence[Target], **options: Any
) -> Targets:
    """Resolve `files` for each target (without the analyses) on one warm index client.

    `options` are passed to `engine.resolve` (roots, pre, limits, exclude_newer, index_name...).
    """
    raise NotImplementedError
