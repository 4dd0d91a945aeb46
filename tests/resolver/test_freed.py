"""What a resolution read is freed as soon as it is dropped, without waiting for the cycle collector.

A reference cycle through the provider or the index client (a view calling back into the
provider, an error kept with the frames it was raised through) left all of it to the collector:
a tenth of a second at the end of each large command-line run, and memory a worker holds between
resolutions.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.resolution.provider import Provider
from tests.support.server import serve_index
from tests.support.universe import build_index

UNIVERSE = {
    # 2.0 is an sdist whose dependencies only its build knows: set aside, its error kept.
    "app": {"2.0": {"wheel_tags": [], "sdist": True, "sdist_static": "none"}, "1.0": {"requires": ["lib"]}},
    "lib": {"1.0": {"metadata_file": False}},  # read from the wheel itself
}


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def alive(kind: type) -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, kind))


def test_a_dropped_resolution_leaves_nothing_for_the_cycle_collector(tmp_path: Path, no_collector: None) -> None:
    build_index(tmp_path / "index", UNIVERSE, formats=("json",))
    with serve_index(tmp_path / "index") as server:
        client = IndexClient([server.simple_url])
        report = resolve(
            {"requirements.in": "app\n"}, index=client, target=Target("3.11", "manylinux_2_28_x86_64"), analyse=False
        )
        assert report["status"] == "resolved"
        assert report["pins"] == {"app": "1.0", "lib": "1.0"}
        client.close()
        del client
    assert alive(Provider) == 0
    assert alive(IndexClient) == 0
