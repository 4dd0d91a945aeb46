"""'What broke my build': find the release whose arrival turned a resolving input into a failing one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from resolver.environment import Target
from resolver.index import IndexClient
from resolver.report import WhatBroke


def what_broke(
    files: Mapping[str, str], *, index: IndexClient, target: Target, good_date: datetime, **options: Any
) -> WhatBroke:
    """Resolve as of `good_date`; if it resolved then and fails now, bisect to the breaking release."""
    raise NotImplementedError
