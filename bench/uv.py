"""uv as a second reference beside pip in `python -m bench`.

pip is the reference for verdicts; uv is the speed to aim at. It runs as pip does, a fresh process
per run on the same loopback index, with its own cache directory (empty for cold runs, the last
cold run's for warm ones) and none of this machine's uv configuration. `uv pip compile` is the
closest of its commands to `manage.py resolve`: it resolves and writes pins, installs nothing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

UV_PLATFORM = "x86_64-manylinux_2_28"


def uv_binary() -> str | None:
    """The uv of the dev requirements (beside this interpreter), else one on PATH."""
    return shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def uv_command(uv: str, file: Path, index_url: str, python_version: str) -> list[str]:
    return [
        uv, "pip", "compile", str(file), "--index-url", index_url, "--python-version", python_version,
        "--python-platform", UV_PLATFORM, "--no-header", "--no-annotate", "--quiet",
    ]  # fmt: skip


def uv_env(base: dict[str, str], cache: Path) -> dict[str, str]:
    return base | {
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(cache),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_PROGRESS": "1",
        "NO_COLOR": "1",
        "HOME": os.environ.get("HOME", "/"),
    }
