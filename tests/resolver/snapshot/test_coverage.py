"""What the snapshot holds: closed under what its kept versions need, its gaps recorded, and named.

The walk runs over a loopback HTTP index; the property checked is the one an answer on the bundle
relies on: every project that a kept version needs (without any extra) is in the bundle.
"""

from __future__ import annotations

import json
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from resolver.index.client import IndexClient
from resolver.index.coverage import FILE, coverage_of
from resolver.snapshot import bundle
from resolver.snapshot.collect import Scope, Snapshot, collect
from tests.support.server import serve_index
from tests.support.universe import Universe, build_index

# A cap of 4 projects: celery, kombu, then boto3 and redis (behind extras, by name); boto3 needs
# botocore, which the cap leaves out. web 2.0 needs "gone", on no index at all.
UNIVERSE: Universe = {
    "celery": {
        "5.2.0": {"requires": ["kombu>=5"]},
        "5.3.0": {
            "extras": ["redis", "sqs"],
            "requires": ["kombu>=5.3", "redis; extra == 'redis'", "boto3; extra == 'sqs'"],
        },
    },
    "kombu": {"5.0": {}, "5.3.0": {}, "5.4.0": {}},
    "boto3": {"1.0": {"requires": ["botocore"]}, "2.0": {"requires": ["botocore>=2"]}},
    "botocore": {"1.0": {}, "2.0": {}},
    "redis": {"5.0.0": {}},
    "web": {"1.0": {}, "2.0": {"requires": ["gone"]}},
}


def walk(tmp_path: Path, seeds: list[str], **scope: object) -> Snapshot:
    build_index(tmp_path / "source", UNIVERSE)
    with serve_index(tmp_path / "source") as server, IndexClient([server.simple_url]) as client:
        return collect(client, seeds, Scope(**scope))  # type: ignore[arg-type]


def plain_needs(tree: Path) -> dict[str, set[str]]:
    """Per bundled metadata file, the projects its Requires-Dist lines need without an extra."""
    found = {}
    for path in (tree / "files").glob("*.metadata"):
        lines = [line.split(": ", 1)[1] for line in path.read_text().splitlines() if line.startswith("Requires-Dist:")]
        needed = set()
        for line in lines:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or "extra" not in str(marker):
                needed.add(canonicalize_name(requirement.name))
        found[path.name] = needed
    return found


def test_the_bundle_is_closed_under_what_its_kept_versions_need(tmp_path: Path) -> None:
    snapshot = walk(tmp_path, ["celery", "web"], max_projects=4)
    tree = bundle.write_tree(snapshot, tmp_path / "bundle").parent
    held = {path.name for path in (tree / "simple").iterdir() if path.is_dir()}
    assert "boto3" not in held  # its every version needs botocore, which the cap left out
    for name, needed in plain_needs(tree).items():
        assert needed <= held | {"gone"}, name  # "gone" is on no index: the real answer is the same
    assert snapshot.absent == ["gone"]
    assert sorted(snapshot.dropped["boto3"]) == ["1.0", "2.0"]
    assert set(snapshot.unfollowed) == {"boto3", "gone", "redis"}  # asked for by kept metadata, not held
    assert json.loads((tree / FILE).read_text())["unfollowed"] == ["boto3", "gone", "redis"]


def test_the_coverage_file_says_what_is_held_and_which_versions_were_left_out(tmp_path: Path) -> None:
    snapshot = walk(tmp_path, ["celery"], max_versions=1)
    simple = bundle.write_tree(snapshot, tmp_path / "bundle")
    data = json.loads((simple.parent / FILE).read_text())
    # beyond the version cap: 5.4.0 is the newest, 5.3.0 the newest meeting celery's kombu>=5.3
    assert data["dropped"]["kombu"] == ["5.0"]
    assert data["dropped"]["celery"] == ["5.2.0"]
    assert data["unfollowed"] == []  # celery's extras were followed: nothing asked for is missing
    coverage = coverage_of([simple.as_uri() + "/"])
    assert coverage is not None and coverage.holds("Kombu") and not coverage.holds("flask")
    assert coverage.dropped_matching("kombu", ["<5.4"]) == ["5.0"]
    assert coverage.dropped_matching("kombu", [">5"]) == []
    assert (
        coverage.label()
        == f"bundled snapshot: 5 Django-ecosystem projects, newest 1 versions each, taken {snapshot.taken}"
    )


def test_an_index_without_a_coverage_file_is_taken_as_complete(tmp_path: Path) -> None:
    simple = build_index(tmp_path / "source", UNIVERSE)
    assert coverage_of([simple.as_uri() + "/"]) is None
    assert coverage_of(["https://index.example/simple/"]) is None


def test_the_archive_carries_the_coverage_file_and_extract_unpacks_it(tmp_path: Path) -> None:
    snapshot = walk(tmp_path, ["celery"], max_versions=1)
    bundle.write_archive(snapshot, tmp_path / "offline.tar.xz")
    simple = bundle.extract(tmp_path / "offline.tar.xz", tmp_path / "unpacked")
    coverage = coverage_of([simple.as_uri() + "/"])
    assert coverage is not None and coverage.projects == {"celery", "kombu", "boto3", "botocore", "redis"}
