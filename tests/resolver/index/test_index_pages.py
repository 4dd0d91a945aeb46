"""Parsing simple pages (PEP 503 HTML, PEP 691 JSON) into one shape, and that shape into a Project."""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from resolver.index.pages import PageError, parse_html, parse_json, parse_page, to_project

PAGE_URL = "https://pkgs.example/simple/demo/"
SHA = "a" * 64


def test_html_anchor_attributes_become_the_json_keys():
    html = f"""<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>
    <a href="../../files/demo-1.0.tar.gz#sha256={SHA}" data-requires-python="&gt;=3.8,&lt;4"
       data-yanked="" data-core-metadata="sha256={"b" * 64}">demo-1.0.tar.gz</a>
    <a href="https://cdn.example/demo-2.0-py3-none-any.whl" data-yanked="bad &amp; broken"
       data-dist-info-metadata="true">demo-2.0-py3-none-any.whl</a>
    <a name="no-href">nothing</a>
    </body></html>"""
    page = parse_html(html, PAGE_URL)
    assert page == {
        "meta": {"api-version": "1.1"},
        "files": [
            {
                "filename": "demo-1.0.tar.gz",
                "url": "https://pkgs.example/files/demo-1.0.tar.gz",
                "hashes": {"sha256": SHA},
                "requires-python": ">=3.8,<4",
                "yanked": True,
                "core-metadata": {"sha256": "b" * 64},
            },
            {
                "filename": "demo-2.0-py3-none-any.whl",
                "url": "https://cdn.example/demo-2.0-py3-none-any.whl",
                "hashes": {},
                "yanked": "bad & broken",
                "core-metadata": True,
            },
        ],
    }


def test_html_core_metadata_wins_over_the_older_dist_info_attribute():
    html = '<a href="demo-1.0.tar.gz" data-core-metadata="true" data-dist-info-metadata="sha256=00">x</a>'
    assert parse_html(html, PAGE_URL)["files"][0]["core-metadata"] is True


def test_html_base_href_decides_where_relative_links_point():
    html = '<html><head><base href="https://mirror.example/pkgs/"></head><a href="demo-1.0.tar.gz">d</a></html>'
    assert parse_html(html, PAGE_URL)["files"][0]["url"] == "https://mirror.example/pkgs/demo-1.0.tar.gz"


def test_html_filename_comes_from_the_unquoted_url_path():
    html = '<a href="/files/demo%2Bextra-1.0.tar.gz?token=x"> text is ignored </a>'
    entry = parse_html(html, PAGE_URL)["files"][0]
    assert entry["filename"] == "demo+extra-1.0.tar.gz"
    assert entry["url"] == "https://pkgs.example/files/demo%2Bextra-1.0.tar.gz?token=x"


def test_html_of_another_major_api_version_is_refused():
    with pytest.raises(PageError, match=r"^unsupported API version 2\.0 \(we read version 1\)$"):
        parse_html('<meta name="pypi:repository-version" content="2.0">', PAGE_URL)


def test_json_keys_are_read_and_relative_urls_resolved():
    body = {
        "meta": {"api-version": "1.1"},
        "name": "demo",
        "files": [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "../../files/demo-1.0-py3-none-any.whl",
                "hashes": {"SHA256": SHA.upper(), "blake2b": "ff", "made-up": "1"},
                "requires-python": " >=3.8 ",
                "yanked": "security hole",
                "core-metadata": {"sha256": "b" * 64},
                "upload-time": "2024-01-02T03:04:05.123456Z",
                "size": 1234,
            },
            {"filename": "demo-1.1.tar.gz", "url": "https://cdn.example/demo-1.1.tar.gz", "hashes": {}, "yanked": True},
            {
                "filename": "demo-1.2.tar.gz",
                "url": "demo-1.2.tar.gz",
                "hashes": {},
                "yanked": False,
                "requires-python": "",
            },
        ],
    }
    files = parse_json(json.dumps(body).encode(), PAGE_URL)["files"]
    assert files[0] == {
        "filename": "demo-1.0-py3-none-any.whl",
        "url": "https://pkgs.example/files/demo-1.0-py3-none-any.whl",
        "hashes": {"sha256": SHA, "blake2b": "ff"},
        "requires-python": ">=3.8",
        "yanked": "security hole",
        "core-metadata": {"sha256": "b" * 64},
        "upload-time": "2024-01-02T03:04:05.123456Z",
        "size": 1234,
    }
    assert files[1]["yanked"] is True
    assert files[2] == {"filename": "demo-1.2.tar.gz", "url": PAGE_URL + "demo-1.2.tar.gz", "hashes": {}}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("core-metadata", True, True),
        ("core-metadata", False, None),
        ("dist-info-metadata", True, True),
        ("dist-info-metadata", {"sha256": "cd"}, {"sha256": "cd"}),
    ],
)
def test_json_metadata_file_flag_in_both_spellings(key, value, expected):
    entry = {"filename": "demo-1.0.tar.gz", "url": "demo-1.0.tar.gz", "hashes": {}, key: value}
    page = parse_json(json.dumps({"files": [entry]}).encode(), PAGE_URL)
    assert page["files"][0].get("core-metadata") == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b"[]", "JSON without a 'files' list"),
        (b'{"files": [1]}', "file #1 is not an object"),
        (b'{"files": [{"filename": "a.whl"}]}', "file #1 lacks a 'filename' or 'url' string"),
        (b'{"files": [{"filename": "a.whl", "url": "a", "hashes": []}]}', "file 'a.whl': hashes are not a dictionary"),
        (
            b'{"files": [{"filename": "a.whl", "url": "a", "yanked": 1}]}',
            "file 'a.whl': 'yanked' is neither a boolean nor a string",
        ),
        (
            b'{"files": [{"filename": "a.whl", "url": "a", "size": "big"}]}',
            "file 'a.whl': 'size' is not a non-negative integer",
        ),
        (
            b'{"files": [{"filename": "a.whl", "url": "a", "core-metadata": "yes"}]}',
            "file 'a.whl': 'core-metadata' is neither",
        ),
        (
            b'{"files": [{"filename": "a.whl", "url": "a", "requires-python": 3}]}',
            "file 'a.whl': 'requires-python' is not a string",
        ),
        (b'{"meta": {"api-version": "2.0"}, "files": []}', "unsupported API version 2.0"),
    ],
)
def test_malformed_json_says_what_is_wrong(body, message):
    with pytest.raises(PageError) as caught:
        parse_json(body, PAGE_URL)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("application/vnd.pypi.simple.v1+json", "json"),
        ("application/vnd.pypi.simple.v1+html", "html"),
        ("text/html; charset=latin-1", "html"),
        ("TEXT/HTML", "html"),
    ],
)
def test_content_type_decides_the_parser(content_type, kind):
    body = b'{"files": []}' if kind == "json" else '<a href="d\xe9mo-1.0.tar.gz">x</a>'.encode("latin-1")
    page = parse_page(body, content_type, PAGE_URL)
    assert len(page["files"]) == (0 if kind == "json" else 1)
    if kind == "html" and "latin" in content_type:
        assert page["files"][0]["filename"] == "démo-1.0.tar.gz"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None, ""])
def test_other_content_types_are_refused(content_type):
    with pytest.raises(PageError, match="unexpected content type"):
        parse_page(b"{}", content_type, PAGE_URL)


def test_project_keeps_page_order_and_sets_aside_what_it_cannot_use():
    page = parse_json(
        json.dumps(
            {
                "files": [
                    {"filename": "demo-1.0-py3-none-any.whl", "url": "a.whl", "hashes": {"sha256": SHA}},
                    {"filename": "demo-1.0.win32.exe", "url": "b.exe", "hashes": {}},
                    {"filename": "other-1.0.tar.gz", "url": "c.tar.gz", "hashes": {}},
                    {"filename": "demo-0.9.tar.gz", "url": "d.tar.gz", "hashes": {}, "yanked": True},
                    {"filename": "demo-0.8.tar.gz", "url": "e.tar.gz", "hashes": {}, "core-metadata": True},
                ]
            }
        ).encode(),
        PAGE_URL,
    )
    project = to_project(page, "Demo", "https://user:****@pkgs.example/simple/")
    assert project.name == "demo"
    assert project.index_url == "https://user:****@pkgs.example/simple/"
    assert [f.filename for f in project.files] == ["demo-1.0-py3-none-any.whl", "demo-0.9.tar.gz", "demo-0.8.tar.gz"]
    assert project.skipped == ("demo-1.0.win32.exe", "other-1.0.tar.gz")
    wheel, yanked, announced = project.files
    assert (wheel.version, wheel.kind, wheel.sha256, wheel.yanked, wheel.metadata_hashes) == (
        Version("1.0"),
        "wheel",
        SHA,
        None,
        None,
    )
    assert {str(tag) for tag in wheel.tags} == {"py3-none-any"}
    assert (yanked.yanked, yanked.is_yanked) == ("", True)
    assert announced.metadata_hashes == {}


def test_local_links_are_fine_on_a_local_index():
    page = {"files": [{"filename": "demo-1.0.tar.gz", "url": "file:///srv/demo-1.0.tar.gz", "hashes": {}}]}
    assert len(to_project(page, "demo", "file:///srv/simple/").files) == 1
    assert to_project(page, "demo", "https://pkgs.example/simple/").skipped == ("demo-1.0.tar.gz",)
