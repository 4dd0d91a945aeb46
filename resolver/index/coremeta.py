"""Core metadata (METADATA, PKG-INFO, PEP 658 files): find it in archives and read it. No network.

Archives are only ever listed and read, never extracted, built or run. Problems with what a file
contains raise `MetadataUnavailable`, so the provider can set that one candidate aside and say why.
"""

from __future__ import annotations

import posixpath
from typing import IO, TYPE_CHECKING, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from resolver.errors import MetadataUnavailable
from resolver.index.dists import DistFile, Metadata

if TYPE_CHECKING:
    import email.message
    import zipfile

# email, tarfile and zipfile are imported where used: a warm run reads metadata from the cache
# and never needs them, and they were a sixth of the CLI's start-up memory.

Source = Literal["pep658", "wheel", "sdist"]
# PKG-INFO sits near the start of an sdist; stop looking after this many members or bytes.
MAX_TAR_MEMBERS = 10_000
MAX_TAR_SCAN = 256 * 1024 * 1024


def unavailable(file: DistFile, reason: str) -> MetadataUnavailable:
    return MetadataUnavailable(
        f"{file.filename}: {reason}",
        package=file.name,
        version=str(file.version),
        filename=file.filename,
    )


def parse_metadata(data: bytes, file: DistFile, source: Source) -> Metadata:
    """The fields resolution needs from a core-metadata file belonging to `file`.

    For an sdist the metadata must be static (PEP 643: Metadata-Version 2.2 or later and no
    `Dynamic: Requires-Dist`), or its dependencies could only be known by running its build.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise unavailable(file, "its metadata is not UTF-8 text") from None
    import email.parser
    import email.policy

    headers = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text)
    name, version_text = headers.get("Name"), headers.get("Version")
    if not name or not version_text:
        raise unavailable(file, "its metadata has no Name or no Version")
    try:
        version = Version(version_text.strip())
    except InvalidVersion:
        raise unavailable(file, f"its metadata has an invalid Version {version_text.strip()!r}") from None
    if canonicalize_name(name.strip()) != file.name or version != file.version:
        raise unavailable(file, f"its metadata describes {name.strip()} {version}, not {file.name} {file.version}")
    if file.kind == "sdist":
        _check_static(headers, file)
    requires = tuple(line.strip() for line in headers.get_all("Requires-Dist") or ())
    for line in requires:
        try:
            Requirement(line)
        except InvalidRequirement as error:
            raise unavailable(file, f"its metadata has an invalid Requires-Dist {line!r} ({error})") from None
    requires_python = (headers.get("Requires-Python") or "").strip() or None
    extras = tuple(extra.strip() for extra in headers.get_all("Provides-Extra") or () if extra.strip())
    return Metadata(
        name=file.name,
        version=version,
        requires_dist=requires,
        requires_python=requires_python,
        provides_extras=extras,
        source=source,
    )


def _check_static(headers: email.message.Message, file: DistFile) -> None:
    never = "its dependencies can only be known by running its build, which we never do"
    declared = (headers.get("Metadata-Version") or "").strip()
    try:
        static = Version(declared) >= Version("2.2")
    except InvalidVersion:
        static = False
    if not static:
        raise unavailable(file, f"this sdist's PKG-INFO is Metadata-Version {declared or '(none)'}: {never}")
    dynamic = {field.strip().lower() for field in headers.get_all("Dynamic") or ()}
    if "requires-dist" in dynamic:
        raise unavailable(file, f"this sdist declares Requires-Dist as dynamic (PEP 643): {never}")


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
        return _read_zip_member(wheel, wanted[0], file, max_bytes)


def sdist_pkg_info(archive: IO[bytes], file: DistFile, max_bytes: int) -> bytes:
    """The bytes of the top-level `PKG-INFO` of a .tar.gz or .zip sdist."""
    if file.filename.endswith(".zip"):
        with _zip(archive, file) as sdist:
            found = [n for n in sdist.namelist() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
            if len(found) != 1:
                raise unavailable(file, _no_pkg_info())
            return _read_zip_member(sdist, found[0], file, max_bytes)
    import tarfile

    try:
        with tarfile.open(fileobj=archive, mode="r:*") as sdist:
            for count, member in enumerate(sdist):
                if count >= MAX_TAR_MEMBERS or member.offset > MAX_TAR_SCAN:
                    break
                parts = posixpath.normpath(member.name).split("/")
                if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                    if member.size > max_bytes:
                        raise unavailable(file, f"its PKG-INFO is larger than {max_bytes} bytes")
                    handle = sdist.extractfile(member)
                    if handle is not None:
                        return handle.read()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise unavailable(file, f"this sdist is not a readable archive ({error})") from None
    raise unavailable(file, _no_pkg_info())


def _no_pkg_info() -> str:
    return "this sdist has no top-level PKG-INFO: its dependencies can only be known by running its build"


def _zip(archive: IO[bytes], file: DistFile) -> zipfile.ZipFile:
    import zipfile

    try:
        return zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unavailable(file, f"not a readable zip archive ({error})") from None


def _read_zip_member(archive: zipfile.ZipFile, name: str, file: DistFile, max_bytes: int) -> bytes:
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
