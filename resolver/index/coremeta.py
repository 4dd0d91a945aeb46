"""Core metadata (METADATA, PKG-INFO, PEP 658 files): find it in wheels and read it. No network.

What an sdist declares without a PKG-INFO that settles its dependencies is `resolver.index.sdist`'s.

Archives are only ever listed and read, never extracted, built or run. Problems with what a file
contains raise `MetadataUnavailable`, so the provider can set that one candidate aside and say why;
metadata that is there but invalid raises its `InvalidMetadata`, as pip then ignores the version.
"""

from __future__ import annotations

import posixpath
from typing import IO, TYPE_CHECKING

from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from resolver.errors import IndexAccessError, InvalidMetadata, MetadataUnavailable
from resolver.index.dists import DistFile, Metadata, MetadataSource
from resolver.input import parsing

if TYPE_CHECKING:
    import email.message
    import zipfile

# email, tarfile and zipfile are imported where used: a warm run reads metadata from the cache
# and never needs them, and they were a sixth of the CLI's start-up memory.

NEVER = "its dependencies can only be known by running its build, which we never do"


def unavailable(file: DistFile, reason: str) -> MetadataUnavailable:
    """The file's dependencies cannot be known without a build (or it holds no metadata)."""
    return MetadataUnavailable(f"{file.filename}: {reason}", **_about(file))


def invalid(file: DistFile, reason: str) -> InvalidMetadata:
    """The file has metadata, and it is invalid: pip ignores such a version."""
    return InvalidMetadata(f"{file.filename}: {reason}", **_about(file))


def _about(file: DistFile) -> dict[str, str]:
    return {"package": file.name, "version": str(file.version), "filename": file.filename}


def first_line(error: Exception) -> str:
    """packaging's message without the caret drawing under it: a report shows the line itself."""
    return str(error).split("\n", 1)[0]


def why_unread(file: DistFile, error: IndexAccessError) -> str:
    """Why an archive could not be read; a local index's missing copy (the bundled snapshot keeps
    none) is said so, without the server path its URL would show."""
    return "the index holds no copy of it" if file.url.startswith("file:") and error.status == 404 else str(error)


def parse_metadata(data: bytes, file: DistFile, source: MetadataSource) -> Metadata:
    """The fields resolution needs from a core-metadata file belonging to `file`.

    For an sdist the metadata must be static (PEP 643: Metadata-Version 2.2 or later and no
    `Dynamic: Requires-Dist`), or its dependencies could only be known by running its build.
    """
    headers, version = read_headers(data, file)
    if file.kind == "sdist":
        _check_static(headers, file)
    requires = tuple(line.strip() for line in headers.get_all("Requires-Dist") or ())
    for line in requires:
        try:
            parsing.requirement(line)
        except InvalidRequirement as error:
            raise invalid(file, f"its metadata has an invalid Requires-Dist {line!r} ({first_line(error)})") from None
    extras = tuple(extra.strip() for extra in headers.get_all("Provides-Extra") or () if extra.strip())
    return Metadata(
        name=file.name,
        version=version,
        requires_dist=requires,
        requires_python=requires_python(headers),
        provides_extras=extras,
        source=source,
    )


def read_headers(data: bytes, file: DistFile) -> tuple[email.message.Message, Version]:
    """The headers of a core-metadata file, once its Name and Version are those of `file`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise unavailable(file, "its metadata is not UTF-8 text") from None
    import email.parser

    headers = email.parser.HeaderParser().parsestr(text)  # compat32, its default policy
    name, version_text = headers.get("Name"), headers.get("Version")
    if not name or not version_text:
        raise invalid(file, "its metadata has no Name or no Version")
    try:
        version = Version(version_text.strip())
    except InvalidVersion:
        raise invalid(file, f"its metadata has an invalid Version {version_text.strip()!r}") from None
    if canonicalize_name(name.strip()) != file.name or version != file.version:
        raise invalid(file, f"its metadata describes {name.strip()} {version}, not {file.name} {file.version}")
    return headers, version


def requires_python(headers: email.message.Message) -> str | None:
    return (headers.get("Requires-Python") or "").strip() or None


def static_problem(headers: email.message.Message) -> str | None:
    """Why an sdist's PKG-INFO does not settle its dependencies (PEP 643), or None when it does."""
    declared = (headers.get("Metadata-Version") or "").strip()
    try:
        static = Version(declared) >= Version("2.2")
    except InvalidVersion:
        static = False
    if not static:
        return f"PKG-INFO is Metadata-Version {declared or '(none)'}"
    dynamic = {field.strip().lower() for field in headers.get_all("Dynamic") or ()}
    if "requires-dist" in dynamic:
        return "PKG-INFO declares Requires-Dist as dynamic (PEP 643)"
    return None


def _check_static(headers: email.message.Message, file: DistFile) -> None:
    problem = static_problem(headers)
    if problem is not None:
        raise unavailable(file, f"this sdist's {problem}: {NEVER}")


def wheel_metadata(archive: IO[bytes], file: DistFile, max_bytes: int) -> bytes:
    """The bytes of `<name>-<version>.dist-info/METADATA` in a wheel (any seekable file object)."""
    with _zip(archive, file) as wheel:
        names = wheel.namelist()
        candidates = [
            n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA") and not n.startswith("/")
        ]
        wanted = [n for n in candidates if canonicalize_name(n.split("-", 1)[0]) == file.name]
        if len(wanted) != 1:
            wanted = candidates if len(candidates) == 1 else []
        if not wanted:
            raise unavailable(file, "this wheel has no single .dist-info/METADATA")
        return read_zip_member(wheel, wanted[0], file, max_bytes)


def _zip(archive: IO[bytes], file: DistFile) -> zipfile.ZipFile:
    import zipfile

    try:
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unavailable(file, f"not a readable zip archive ({error})") from None


def read_zip_member(archive: zipfile.ZipFile, name: str, file: DistFile, max_bytes: int) -> bytes:
    import zipfile

    info = archive.getinfo(name)
    if info.file_size > max_bytes or info.compress_size > max_bytes:
        raise unavailable(file, f"its {posixpath.basename(name)} is larger than {max_bytes} bytes")
    try:
        with archive.open(info) as member:
            data = member.read(max_bytes + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise unavailable(file, f"cannot read {name} ({error})") from None
    if len(data) > max_bytes:
        raise unavailable(file, f"its {posixpath.basename(name)} is larger than {max_bytes} bytes")
    return data
