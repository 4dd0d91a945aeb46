"""The pinned requirements: complete for what production imports, and free of any machine's paths
or index host (they are compiled on a developer's machine and installed everywhere)."""

from __future__ import annotations

import re

import pytest

from tests.support.deployment import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==\S+$", re.MULTILINE)


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_compiled_files_name_no_host_and_no_local_path(name: str) -> None:
    text = (ROOT / name).read_text()
    options = [line for line in text.splitlines() if line.startswith("-")]
    assert options == [], "no --index-url, --find-links or other option line"
    assert "://" not in text, "no URL"
    # An absolute path anywhere (a wheel built from a local folder, pip's "via -r /some/dir/…").
    assert re.search(r"(^|[\s(=])/[A-Za-z0-9_.-]+/", text, re.MULTILINE) is None


def test_every_production_dependency_is_pinned() -> None:
    pinned = {name.lower().replace("_", "-") for name in PIN.findall((ROOT / "requirements.txt").read_text())}
    production = {"django", "celery", "kombu", "psycopg", "psycopg-binary", "redis", "gunicorn", "whitenoise"}
    assert production <= pinned
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower().replace("_", "-")
            assert name in pinned, line
