"""Reading core metadata out of wheels and sdists (never running them), and the range-read file."""

from __future__ import annotations

import io
import itertools
import os
import random
import tarfile
import zipfile

import pytest
from packaging.version import Version

from resolver.errors import MetadataUnavailable
from resolver.index.coremeta import parse_metadata, wheel_metadata
from resolver.index.dists import DistFile
from resolver.index.lazywheel import RangeFile
from resolver.index.sdist import read_sdist

WHEEL = DistFile("demo-1.0-py3-none-any.whl", "https://x/demo.whl", "demo", Version("1.0"), "wheel")  # type: ignore[arg-type]
SDIST = DistFile("demo-1.0.tar.gz", "https://x/demo-1.0.tar.gz", "demo", Version("1.0"), "sdist")  # type: ignore[arg-type]
ZIP_SDIST = DistFile("demo-1.0.zip", "https://x/demo-1.0.zip", "demo", Version("1.0"), "sdist")  # type: ignore[arg-type]
METADATA = (
    "Metadata-Version: 2.2\nName: Demo\nVersion: 1.0.0\nRequires-Python: >=3.9\n"
    "Provides-Extra: fast\nRequires-Dist: dep>=1\nRequires-Dist: speedy; extra == 'fast'\n\nLong description\n"
)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_metadata_fields_are_read():
    metadata = parse_metadata(METADATA.encode(), WHEEL, "wheel")
    assert metadata.name == "demo" and metadata.version == Version("1.0")
    assert metadata.requires_dist == ("dep>=1", "speedy; extra == 'fast'")
    assert (metadata.requires_python, metadata.provides_extras, metadata.source) == (">=3.9", ("fast",), "wheel")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Metadata-Version: 2.1\nVersion: 1.0\n", "its metadata has no Name or no Version"),
        ("Name: demo\nVersion: one\n", "its metadata has an invalid Version 'one'"),
        ("Name: other\nVersion: 1.0\n", "its metadata describes other 1.0, not demo 1.0"),
        (
            "Name: demo\nVersion: 1.0\nRequires-Dist: dep >=> 1\n",
            "its metadata has an invalid Requires-Dist 'dep >=> 1'",
        ),
    ],
)
def test_unusable_metadata_is_unavailable_with_the_reason(text, reason):
    with pytest.raises(MetadataUnavailable) as caught:
        parse_metadata(text.encode(), WHEEL, "pep658")
    assert str(caught.value).startswith(f"demo-1.0-py3-none-any.whl: {reason}")


def test_metadata_that_is_not_utf8_is_unavailable():
    with pytest.raises(MetadataUnavailable, match="not UTF-8"):
        parse_metadata(b"Name: d\xe9mo\n", WHEEL, "pep658")


@pytest.mark.parametrize("declared", ["2.1", "1.0", "", "garbage"])
def test_sdist_metadata_before_2_2_is_unavailable(declared):
    text = f"Metadata-Version: {declared}\nName: demo\nVersion: 1.0\n" if declared else "Name: demo\nVersion: 1.0\n"
    with pytest.raises(MetadataUnavailable, match="only be known by running its build, which we never do"):
        parse_metadata(text.encode(), SDIST, "sdist-pkg-info")


def test_sdist_with_other_dynamic_fields_is_accepted():
    text = "Metadata-Version: 2.3\nName: demo\nVersion: 1.0\nDynamic: Description\nRequires-Dist: dep\n"
    assert parse_metadata(text.encode(), SDIST, "sdist-pkg-info").requires_dist == ("dep",)


def test_sdist_with_dynamic_requires_dist_in_any_case_is_unavailable():
    text = "Metadata-Version: 2.2\nName: demo\nVersion: 1.0\nDynamic: requires-dist\n"
    with pytest.raises(MetadataUnavailable, match=r"declares Requires-Dist as dynamic \(PEP 643\)"):
        parse_metadata(text.encode(), SDIST, "sdist-pkg-info")


def test_wheel_metadata_is_found_in_its_dist_info():
    data = zip_of(
        {"demo/__init__.py": b"", "Demo-1.0.dist-info/METADATA": METADATA.encode(), "x/y.dist-info/METADATA": b""}
    )
    assert wheel_metadata(io.BytesIO(data), WHEEL, 10_000) == METADATA.encode()


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"demo/__init__.py": b""}, "this wheel has no single .dist-info/METADATA"),
        (
            {"a-1.dist-info/METADATA": b"", "b-1.dist-info/METADATA": b""},
            "this wheel has no single .dist-info/METADATA",
        ),
        ({"demo-1.0.dist-info/METADATA": b"x" * 20_000}, "its METADATA is larger than 10000 bytes"),
    ],
)
def test_wheel_without_usable_metadata_is_unavailable(members, reason):
    with pytest.raises(MetadataUnavailable, match=reason):
        wheel_metadata(io.BytesIO(zip_of(members)), WHEEL, 10_000)


def test_wheel_that_is_not_a_zip_is_unavailable():
    with pytest.raises(MetadataUnavailable, match="not a readable zip archive"):
        wheel_metadata(io.BytesIO(b"not a zip at all"), WHEEL, 10_000)


def test_sdist_pkg_info_is_read_from_the_top_directory_only():
    data = tar_of(
        {
            "demo-1.0/sub/PKG-INFO": b"wrong",
            "demo-1.0/PKG-INFO": METADATA.encode(),
            "demo-1.0/setup.py": b"raise SystemExit('never run')",
        }
    )
    metadata = read_sdist(io.BytesIO(data), SDIST, 10_000)
    assert (metadata.source, metadata.requires_dist) == ("sdist-pkg-info", ("dep>=1", "speedy; extra == 'fast'"))


def test_zip_sdist_pkg_info_is_read():
    data = zip_of({"demo-1.0/PKG-INFO": METADATA.encode(), "demo-1.0/setup.py": b""})
    assert read_sdist(io.BytesIO(data), ZIP_SDIST, 10_000).requires_dist == ("dep>=1", "speedy; extra == 'fast'")


def test_sdist_without_pkg_info_is_unavailable():
    with pytest.raises(MetadataUnavailable, match="has no top-level PKG-INFO"):
        read_sdist(io.BytesIO(tar_of({"demo-1.0/setup.py": b""})), SDIST, 10_000)


def test_sdist_with_a_huge_pkg_info_is_unavailable():
    with pytest.raises(MetadataUnavailable, match="PKG-INFO is larger than 100 bytes"):
        read_sdist(io.BytesIO(tar_of({"demo-1.0/PKG-INFO": b"x" * 1000})), SDIST, 100)


# -- RangeFile ----------------------------------------------------------------------------------------


class Remote:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.asked: list[tuple[int, int]] = []

    def fetch(self, start: int, end: int) -> bytes:
        self.asked.append((start, end))
        return self.data[start:end]


def test_zipfile_reads_one_member_through_ranges_without_the_rest():
    blob = os.urandom(500_000)
    data = zip_of({"demo-1.0.dist-info/METADATA": METADATA.encode(), "demo/blob.bin": blob})
    remote = Remote(data)
    tail = 4096
    lazy = RangeFile(len(data), remote.fetch, seed=(len(data) - tail, data[-tail:]))
    assert wheel_metadata(lazy, WHEEL, 10_000) == METADATA.encode()
    assert sum(end - start for start, end in remote.asked) < 40_000
    assert all(start < 40_000 for start, _ in remote.asked)


def test_range_file_reads_like_a_file_and_fetches_each_byte_once():
    rng = random.Random(7)
    data = bytes(rng.randrange(256) for _ in range(100_000))
    remote = Remote(data)
    lazy = RangeFile(len(data), remote.fetch, seed=(90_000, data[90_000:]))
    for _ in range(500):
        start, size = rng.randrange(len(data) + 10), rng.randrange(-1, 3000)
        lazy.seek(start)
        assert lazy.read(size) == (data[start:] if size < 0 else data[start : start + size])
        assert lazy.tell() == min(len(data), start if size == 0 else start + (len(data) if size < 0 else size))
    fetched = sorted(remote.asked)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(fetched))
    assert all(end <= 90_000 for _, end in fetched)


def test_range_file_seeks_from_the_end_and_refuses_a_negative_position():
    lazy = RangeFile(10, Remote(b"0123456789").fetch)
    lazy.seek(-3, os.SEEK_END)
    assert lazy.read() == b"789"
    with pytest.raises(OSError):
        lazy.seek(-11, os.SEEK_END)


def test_range_file_fails_when_the_server_sends_too_little():
    lazy = RangeFile(100, lambda start, end: b"short")
    with pytest.raises(OSError, match="asked for 100 bytes at 0, got 5"):
        lazy.read()


def test_a_local_index_without_the_archive_says_so_without_its_path() -> None:
    from resolver.errors import IndexAccessError
    from resolver.index.coremeta import why_unread

    local = DistFile("a-1.0.tar.gz", "file:///srv/cache/offline/files/a-1.0.tar.gz", "a", Version("1.0"), "sdist")
    missing = IndexAccessError(f"{local.url} answered HTTP 404", url=local.url, status=404)
    assert why_unread(local, missing) == "the index holds no copy of it"
    remote = DistFile("a-1.0.tar.gz", "https://files.example/a-1.0.tar.gz", "a", Version("1.0"), "sdist")
    failed = IndexAccessError("https://files.example/a-1.0.tar.gz answered HTTP 404", url=remote.url, status=404)
    assert why_unread(remote, failed) == str(failed)
