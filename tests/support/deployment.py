"""Running manage.py as a deployment would: exactly the environment given, nothing of this shell's."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` with exactly `env` (and PATH), its caches and files under tmp_path."""
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "conflicts.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://conflicts.example.com",
        "DATABASE_URL": "postgres://conflicts:secret@db.invalid:5432/conflicts",
        "CELERY_BROKER_URL": "redis://broker.invalid:6379/0",
        "CACHE_URL": "redis://cache.invalid:6379/1",
        "RESOLVER_CACHE_URL": "redis://cache.invalid:6379/0",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
