"""The offline snapshot: walking a closure on an index, and the static tree and archive it becomes.

The decisive property: the engine answers the same on the bundled tree as on the index it was
taken from (same pins, same clashes, same set-aside versions with the same reasons).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index import pages
from resolver.index.client import IndexClient
from resolver.snapshot import bundle
from resolver.snapshot.collect import Scope, Snapshot, collect
from tests.support.server import serve_index
from tests.support.universe import Universe, build_index

UNIVERSE: Universe = {
    "django": {
        "1.11.29": {"requires": ["pytz"]},
        "2.2.28": {"requires": ["pytz", "sqlparse>=0.2.2"], "sdist": True},
        "3.2.25": {"requires": ["asgiref>=3.3.2,<4", "pytz", "sqlparse>=0.2.2"], "requires_python": ">=3.6"},
    },
    "djangocms-blog": {
        "1.1.0": {"requires": ["django>2.0"]},
        "1.2.0": {"requires": ["django>2.0", "django-taggit<1.0"], "extras": ["search"]},
    },
    "django-taggit": {"0.9": {}, "0.24.0": {}, "1.0.0": {}, "2.0.0": {}, "3.0.0": {}},
    "asgiref": {"3.8.1": {"sdist": True}},
    "pytz": {"2024.1": {}},
    "sqlparse": {"0.5.0": {"wheel_tags": ["py3-none-any", "py2-none-any"]}},
    "celery": {
        "5.3.0": {
            "extras": ["redis", "sqs"],
            "requires": [
                "kombu>=5.3",
                "redis>=4; extra == 'redis'",
                "boto3; extra == 'sqs'",
                "pywin32; python_version < '3'",
            ],
        }
    },
    "kombu": {"5.3.0": {}},
    "redis": {"5.0.0": {}},
    "boto3": {"1.0": {"requires": ["botocore"]}},
    "botocore": {"1.0": {}},
}


def client_for(root: Path, universe: Universe = UNIVERSE, **build: object) -> IndexClient:
    simple = build_index(root, universe, **build)  # type: ignore[arg-type]
    return IndexClient([simple.as_uri() + "/"])


def snapshot_of(tmp_path: Path, seeds: list[str], universe: Universe = UNIVERSE, **scope: object) -> Snapshot:
    with client_for(tmp_path / "source", universe) as client:
        return collect(client, seeds, Scope(**scope))  # type: ignore[arg-type]


def resolve_on(url: str, text: str, python: str = "3.11") -> dict:
    with IndexClient([url]) as client:
        return resolve({"requirements.in": text}, index=client, target=Target(python), index_name="test")  # type: ignore[return-value]


def bundled_url(tmp_path: Path, snapshot: Snapshot) -> str:
    return bundle.write_tree(snapshot, tmp_path / "bundle").as_uri() + "/"


def versions(snapshot: Snapshot, name: str) -> list[str]:
    return [str(v) for v in sorted(snapshot.projects[name].versions())]


def test_the_walk_follows_requires_dist_from_the_seeds(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["djangocms-blog"])
    assert set(snapshot.projects) == {"djangocms-blog", "django", "django-taggit", "asgiref", "pytz", "sqlparse"}
    assert (snapshot.missing, snapshot.left_out, snapshot.problems) == ([], [], [])


def test_every_kept_file_has_a_metadata_file_with_what_resolution_reads(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["django"])
    django = snapshot.projects["django"]
    assert {f.filename for f in django.files} == set(django.metadata)
    assert django.metadata["django-3.2.25-py3-none-any.whl"] == (
        b"Metadata-Version: 2.1\nName: django\nVersion: 3.2.25\nRequires-Python: >=3.6\n"
        b"Requires-Dist: asgiref>=3.3.2,<4\nRequires-Dist: pytz\nRequires-Dist: sqlparse>=0.2.2\n"
    )


def test_the_engine_answers_the_same_on_the_bundle_as_on_the_index(tmp_path: Path) -> None:
    source = build_index(tmp_path / "source", UNIVERSE).as_uri() + "/"
    with IndexClient([source]) as client:
        snapshot = collect(client, ["django>=1.11", "djangocms-blog", "celery[redis]"])
    bundled = bundled_url(tmp_path, snapshot)
    for text in ["django==1.11.29\ndjangocms-blog\n", "djangocms-blog\ncelery[redis]\n", "django<3\n"]:
        on_index, on_bundle = resolve_on(source, text), resolve_on(bundled, text)
        assert on_bundle["status"] == on_index["status"]
        assert on_bundle.get("pins") == on_index.get("pins")
        assert on_bundle["conflicts"] == on_index["conflicts"]


def test_a_seed_specifier_keeps_every_version_it_admits_beyond_the_newest(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["django>=1.11,<3", "django-taggit"], max_versions=1)
    assert versions(snapshot, "django") == ["1.11.29", "2.2.28", "3.2.25"]
    assert versions(snapshot, "django-taggit") == ["3.0.0"]


def test_a_specifier_in_kept_metadata_pulls_in_the_newest_versions_it_admits(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["djangocms-blog==1.2.0"], max_versions=1, per_specifier=1)
    assert versions(snapshot, "django-taggit") == ["0.24.0", "3.0.0"]


def test_dependencies_behind_extras_nobody_asked_for_come_last_under_the_project_cap(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["celery"], max_projects=3)
    # boto3 came before redis (same cost, by name), but it needs botocore, which the cap left out:
    # the closure drops it rather than keep a version that would resolve to "not found" offline.
    assert set(snapshot.projects) == {"celery", "kombu"}
    assert not snapshot.projects["kombu"].optional
    assert snapshot.left_out == ["boto3", "botocore", "redis"]
    assert snapshot.dropped["boto3"] == ["1.0"]


def test_an_extra_asked_for_by_a_seed_is_not_optional(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["celery[redis]"], max_projects=3)
    assert set(snapshot.projects) == {"celery", "kombu", "redis"}
    assert snapshot.left_out == ["boto3"]


def test_projects_reached_only_through_extras_keep_fewer_versions(tmp_path: Path) -> None:
    universe = {"a": {"1.0": {"extras": ["x"], "requires": ["b; extra == 'x'"]}}, "b": {"1": {}, "2": {}, "3": {}}}
    snapshot = snapshot_of(tmp_path, ["a"], universe, max_optional_versions=2)
    assert snapshot.projects["b"].optional
    assert versions(snapshot, "b") == ["2", "3"]


def test_a_marker_no_target_meets_is_not_followed(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["celery[redis,sqs]"])
    assert "pywin32" not in snapshot.projects and "pywin32" not in snapshot.missing


def test_a_required_project_the_index_lacks_is_listed_as_missing(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["a"], {"a": {"1.0": {"requires": ["requestes"]}}})
    assert snapshot.missing == ["requestes"]


def test_files_no_target_can_install_are_left_out(tmp_path: Path) -> None:
    universe = {"a": {"1.0": {"wheel_tags": ["cp27-cp27m-win32", "cp311-cp311-manylinux_2_17_x86_64"]}}}
    snapshot = snapshot_of(tmp_path, ["a"], universe, pythons=("3.11",))
    assert [f.filename for f in snapshot.projects["a"].files] == ["a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]


def test_wheels_with_one_metadata_hash_cost_one_read(tmp_path: Path) -> None:
    tags = ["cp311-cp311-manylinux_2_17_x86_64", "cp312-cp312-manylinux_2_17_x86_64", "py3-none-any"]
    build_index(tmp_path / "source", {"a": {"1.0": {"wheel_tags": tags}}})
    with serve_index(tmp_path / "source") as server, IndexClient([server.simple_url]) as client:
        snapshot = collect(client, ["a"])
        reads = sum(count for path, count in server.requests.items() if path.endswith(".metadata"))
    assert reads == 1
    assert len(set(snapshot.projects["a"].metadata.values())) == 1 and len(snapshot.projects["a"].metadata) == 3


def test_an_sdist_beside_wheels_is_set_aside_by_the_engine_as_a_real_sdist_would_be(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["django==2.2.28"])
    assert snapshot.projects["django"].metadata["django-2.2.28.tar.gz"].startswith(b"Metadata-Version: 2.1\n")


@pytest.mark.parametrize(
    ("release", "reason"),
    [
        ({"sdist": True, "sdist_dynamic": True, "wheel_tags": []}, "declares Requires-Dist as dynamic"),
        ({"sdist": True, "wheel_tags": [], "requires": ["pytz (>dev)"]}, "invalid Requires-Dist 'pytz (>dev)'"),
        ({"requires": ["pytz (>dev)"]}, "invalid Requires-Dist 'pytz (>dev)'"),
    ],
    ids=["dynamic-sdist", "sdist-with-invalid-requirement", "wheel-with-invalid-requirement"],
)
def test_unreadable_versions_are_set_aside_for_the_same_reason_as_on_the_index(
    tmp_path: Path, release: dict, reason: str
) -> None:
    universe = {"a": {"1.0": {}, "2.0": release}}
    source = build_index(tmp_path / "source", universe).as_uri() + "/"
    with IndexClient([source]) as client:
        bundled = bundled_url(tmp_path, collect(client, ["a"]))
    on_index, on_bundle = resolve_on(source, "a\n"), resolve_on(bundled, "a\n")
    assert on_bundle["pins"] == on_index["pins"] == {"a": "1.0"}
    # The index's sdist says more (what its archive holds); a bundle keeps only its metadata file.
    assert _without_messages(on_bundle["diagnoses"]) == _without_messages(on_index["diagnoses"])
    assert reason in json.dumps(on_bundle["diagnoses"]) and reason in json.dumps(on_index["diagnoses"])


def _without_messages(diagnoses: list[dict]) -> list[dict]:
    return [{key: value for key, value in diagnosis.items() if key != "message"} for diagnosis in diagnoses]


def test_the_walk_runs_over_http_and_the_tree_names_neither_host_nor_credentials(tmp_path: Path) -> None:
    build_index(tmp_path / "source", UNIVERSE)
    with serve_index(tmp_path / "source", credentials=("alice", "s3cret")) as server:
        url = server.simple_url.replace("http://", "http://alice:s3cret@")
        with IndexClient([url]) as client:
            snapshot = collect(client, ["djangocms-blog", "celery[redis]"])
    bundle.write_tree(snapshot, tmp_path / "bundle")
    for path in (tmp_path / "bundle").rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "127.0.0.1" not in text and "s3cret" not in text and "alice" not in text, path


def test_pages_link_files_relatively_and_announce_matching_metadata_hashes(tmp_path: Path) -> None:
    simple = bundled_url(tmp_path, snapshot_of(tmp_path, ["django"]))
    page = json.loads((tmp_path / "bundle/simple/django/index.json").read_text())
    assert page["meta"] == {"api-version": "1.1"} and page["versions"] == ["1.11.29", "2.2.28", "3.2.25"]
    for entry in page["files"]:
        assert entry["url"] == "../../files/" + entry["filename"]
        metadata = (tmp_path / "bundle/files" / (entry["filename"] + ".metadata")).read_bytes()
        assert entry["core-metadata"] == {"sha256": hashlib.sha256(metadata).hexdigest()}
    from_json = pages.parse_json((tmp_path / "bundle/simple/django/index.json").read_bytes(), simple + "django/")
    from_html = pages.parse_html((tmp_path / "bundle/simple/django/index.html").read_text(), simple + "django/")
    strip = [{k: v for k, v in f.items() if k not in ("upload-time", "size")} for f in from_json["files"]]
    assert from_html["files"] == strip


def test_the_project_list_is_served_in_both_formats(tmp_path: Path) -> None:
    bundled_url(tmp_path, snapshot_of(tmp_path, ["djangocms-blog"]))
    listing = json.loads((tmp_path / "bundle/simple/index.json").read_text())
    names = [p["name"] for p in listing["projects"]]
    assert names == sorted(names) and "django-taggit" in names
    assert '<a href="django-taggit/">django-taggit</a>' in (tmp_path / "bundle/simple/index.html").read_text()


def test_the_archive_is_deterministic(tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path, ["djangocms-blog"])
    bundle.write_archive(snapshot, tmp_path / "one.tar.xz")
    bundle.write_archive(snapshot, tmp_path / "two.tar.xz")
    assert (tmp_path / "one.tar.xz").read_bytes() == (tmp_path / "two.tar.xz").read_bytes()


def test_shared_metadata_is_stored_once_and_linked_on_extraction(tmp_path: Path) -> None:
    universe = {"a": {"1.0": {"wheel_tags": ["py3-none-any", "py311-none-any"]}}}
    bundle.write_archive(snapshot_of(tmp_path, ["a"], universe), tmp_path / "a.tar.xz")
    with tarfile.open(tmp_path / "a.tar.xz") as tar:
        stored = [name for name in tar.getnames() if name.endswith(".metadata")]
    assert stored == ["files/a-1.0-py3-none-any.whl.metadata"]
    simple = bundle.extract(tmp_path / "a.tar.xz", tmp_path / "out")
    linked = simple.parent / "files/a-1.0-py311-none-any.whl.metadata"
    assert linked.read_bytes() == (simple.parent / "files/a-1.0-py3-none-any.whl.metadata").read_bytes()


def test_extraction_resolves_like_the_tree_it_came_from(tmp_path: Path) -> None:
    bundle.write_archive(snapshot_of(tmp_path, ["djangocms-blog"]), tmp_path / "o.tar.xz")
    simple = bundle.extract(tmp_path / "o.tar.xz", tmp_path / "out")
    report = resolve_on(simple.as_uri() + "/", "django==1.11.29\ndjangocms-blog\n")
    assert report["conflicts"][0]["message"] == "Could not find a version that matches django==1.11.29,>2.0"


def test_extraction_happens_once_per_archive(tmp_path: Path) -> None:
    bundle.write_archive(snapshot_of(tmp_path, ["pytz"]), tmp_path / "o.tar.xz")
    simple = bundle.extract(tmp_path / "o.tar.xz", tmp_path / "out")
    marker = simple / "left-by-test"
    marker.write_text("")
    assert bundle.extract(tmp_path / "o.tar.xz", tmp_path / "out") == simple
    assert marker.exists()


def test_a_new_archive_replaces_the_tree_of_an_older_one(tmp_path: Path) -> None:
    bundle.write_archive(snapshot_of(tmp_path / "1", ["pytz"]), tmp_path / "o.tar.xz")
    bundle.extract(tmp_path / "o.tar.xz", tmp_path / "out")
    bundle.write_archive(snapshot_of(tmp_path / "2", ["sqlparse"]), tmp_path / "o.tar.xz")
    simple = bundle.extract(tmp_path / "o.tar.xz", tmp_path / "out")
    assert sorted(p.name for p in simple.iterdir() if p.is_dir()) == ["sqlparse"]


def test_extraction_never_replaces_a_directory_that_is_not_an_offline_index(tmp_path: Path) -> None:
    bundle.write_archive(snapshot_of(tmp_path, ["pytz"]), tmp_path / "o.tar.xz")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "precious.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        bundle.extract(tmp_path / "o.tar.xz", tmp_path / "out")
    assert (tmp_path / "out" / "precious.txt").read_text() == "mine"


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "other/file", "files/../../x"])
def test_an_archive_with_a_path_outside_the_tree_is_refused(tmp_path: Path, name: str) -> None:
    with tarfile.open(tmp_path / "bad.tar.xz", "w:xz") as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(tarfile.TarError):
        bundle.extract(tmp_path / "bad.tar.xz", tmp_path / "out")
    assert not (tmp_path / "escape").exists() and not (tmp_path / "out").exists()


def test_a_bad_seed_is_refused_before_any_request(tmp_path: Path) -> None:
    with client_for(tmp_path / "source") as client, pytest.raises(ValueError):
        collect(client, ["django>>1"])
    assert client.stats.requests == 0
