"""The memoised filename parsing, DistFile building and link joining of `pages` give what the plain ones give."""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import urljoin

import pytest

from resolver.index.dists import DistFile, parse_filename
from resolver.index.pages import parse_filename_quickly, parse_json, to_project

NAMES = [
    "demo-1.0-py3-none-any.whl",
    "demo-1.0-1-py3-none-any.whl",
    "demo-1.0-1abc-py2.py3-none-any.whl",
    "Demo_Pkg-2.0rc1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "demo-1.0-cp311-abi3-macosx_11_0_arm64.whl",
    "demo-1.0-x-py3-none-any.whl",  # bad build tag
    "demo-not.a.version-py3-none-any.whl",
    "de__mo-1.0-py3-none-any.whl",
    "demo-1.0-py3-none.whl",
    "demo-1.0-3py-none-any.whl",  # interpreter not an identifier
    "demo-1.0-py3-none-.whl",
    "demo-1.0-a-b-c-d-e-f.whl",
    "demo-1.0.tar.gz",
    "demo-pkg-1.0.tar.gz",
    "demo-1.0.zip",
    "demo-1.0.tar.bz2",
    "demo-1.0.egg",
    "Demo_Pkg-2.0rc1.tar.gz",
    "demo.pkg-1.0.zip",
    "demo-1.0-1.tar.gz",
    "demo-.tar.gz",
    "-1.0.tar.gz",
    "demo-not.a.version.tar.gz",
    "de__mo-1.0.tar.gz",  # no wheel's name, an sdist's
    "dé+mo-1.0.zip",
    "demo1.0.tar.gz",
    ".tar.gz",
]


def outcome(parse, filename: str, project: str):  # type: ignore[no-untyped-def]
    try:
        return parse(filename, project)
    except ValueError:
        return "refused"


@pytest.mark.parametrize("filename", NAMES)
def test_same_outcome_as_parse_filename(filename: str) -> None:
    for project in ("demo", "demo-pkg"):
        assert outcome(parse_filename_quickly, filename, project) == outcome(parse_filename, filename, project)
        assert outcome(parse_filename_quickly, filename, project) == outcome(parse_filename, filename, project)


def test_dist_file_is_the_dataclass_built_by_init() -> None:
    page = {
        "files": [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "https://files.example/demo-1.0-py3-none-any.whl",
                "hashes": {"sha256": "ab"},
                "requires-python": ">=3.8",
                "yanked": True,
                "core-metadata": {"sha256": "cd"},
                "upload-time": "2024-01-01T00:00:00Z",
                "size": 10,
            },
            {"filename": "demo-1.1.tar.gz", "url": "https://files.example/demo-1.1.tar.gz", "hashes": {}},
        ]
    }
    files = to_project(page, "demo", "https://index.example/simple/").files
    for file in files:
        rebuilt = DistFile(**{f.name: getattr(file, f.name) for f in dataclasses.fields(DistFile)})
        assert file == rebuilt and hash(file) == hash(rebuilt)
        assert set(vars(file)) == {f.name for f in dataclasses.fields(DistFile)}
    assert files[0].yanked == "" and files[0].metadata_hashes == {"sha256": "cd"} and files[1].yanked is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        files[0].url = "x"  # type: ignore[misc]


def test_classify_page_is_classify_of_the_whole_project_without_the_unusable_files() -> None:
    from resolver.environment import Target
    from resolver.resolution.finder import classify, classify_page

    def wheel(version: str, tag: str, **extra: object) -> dict[str, object]:
        filename = f"demo-{version}-{tag}.whl"
        return {"filename": filename, "url": f"https://f.example/{filename}", "hashes": {}, **extra}

    page = {
        "files": [
            wheel("2.0", "cp312-cp312-win_amd64"),
            wheel("2.0", "py3-none-any", **{"requires-python": ">=3.12"}),
            {"filename": "demo-2.0.tar.gz", "url": "https://f.example/demo-2.0.tar.gz", "hashes": {}},
            wheel("1.5", "cp311-cp311-manylinux_2_17_x86_64"),
            wheel("1.5", "py3-none-any"),
            wheel("1.4", "py3-none-any", yanked="broken"),
            wheel("1.3", "cp27-cp27m-win32"),
            {"filename": "demo-1.2.tar.bz2", "url": "https://f.example/demo-1.2.tar.bz2", "hashes": {}},
        ]
    }
    target = Target("3.11", "manylinux_2_28_x86_64")
    expected = classify(to_project(page, "demo", "https://i.example/simple/"), target)
    project, found = classify_page(page, "demo", "https://i.example/simple/", target)
    assert list(found) == list(expected)
    for version, entry in expected.items():
        assert found[version].usable == entry.usable and found[version].yanked == entry.yanked
        assert list(found[version].rejected.items()) == list(entry.rejected.items())
    assert [f.filename for f in project.files] == [
        "demo-2.0.tar.gz",
        "demo-1.5-cp311-cp311-manylinux_2_17_x86_64.whl",
        "demo-1.5-py3-none-any.whl",
        "demo-1.4-py3-none-any.whl",
    ]
    assert project.skipped == ("demo-1.2.tar.bz2",)
    assert found[parse_filename("demo-2.0.tar.gz", "demo")[1]].usable[0].kind == "sdist"


PAGE_URLS = [
    "https://i.example/simple/demo/",
    "https://i.example/a/simple/demo",
    "https://i.example/simple/demo/?page=1",
    "file:///srv/index/simple/demo/",
]
HREFS = [
    "../../files/demo-1.0.tar.gz",
    "demo-1.0.tar.gz",
    "/files/demo-1.0.tar.gz",
    "//cdn.example/p/demo-1.0.tar.gz",
    "https://cdn.example/ab/cd/demo-1.0.tar.gz",
    "https://cdn.example/demo-1.0.tar.gz#sha256=ab",
    "demo-1.0.tar.gz?x=1/2",
    "./demo-1.0.tar.gz",
    "a/../demo-1.0.tar.gz",
    "a/..",
    ".",
    "a;p=1",
    "mailto:x@example.org",
    "file:/srv/demo-1.0.tar.gz",
    "x/a:b.tar.gz",
    "a/",
    "../../../../../demo-1.0.tar.gz",
]


@pytest.mark.parametrize("page_url", PAGE_URLS)
def test_links_are_joined_as_urljoin_joins_them(page_url: str) -> None:
    # Every link twice: the second reuses what the first joined for its directory.
    files = [{"filename": "demo-1.0.tar.gz", "url": href, "hashes": {}} for href in HREFS * 2]
    page = parse_json(json.dumps({"files": files}).encode(), page_url)
    assert [f["url"] for f in page["files"]] == [urljoin(page_url, href) for href in HREFS * 2]
