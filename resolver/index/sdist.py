"""The dependencies an sdist declares statically, read from its archive without running anything.

pip gets an sdist's dependencies by building it; we never run package code, so we read what the
sdist's files already say, most trusted first, and stop at the first that settles them:

1. `PKG-INFO` of Metadata-Version 2.2+ whose Requires-Dist is not Dynamic (PEP 643);
2. `*.egg-info/requires.txt`: what setuptools computed when the sdist was made (an egg-info
   without requires.txt means no dependencies: setuptools writes that file only when there are);
3. `pyproject.toml` `[project]` dependencies, unless listed in `dynamic` (PEP 621);
4. and 5. setup.cfg `[options]` merged with the literal keywords of the one `setup()` call of
   setup.py, parsed with `ast` (resolver.index.setuptools_static).

An egg-info records what the build gave on the machine that made the sdist: a setup.py that
chose dependencies by platform is read as that machine saw it. That is the accepted trade-off
(other tools that avoid builds make it too); each result says its `source`, so a report can
show which pins rest on such declarations.

Archives are read, never extracted: zip members through their central directory (over a
`RangeFile`, only those bytes travel), tar members as a stream that stops once the answer is
known, within a bound on members and uncompressed bytes (a decompression bomb stops there).
Only regular files directly under the archive's top directory are looked at.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Mapping
from typing import IO, Any

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement
from packaging.utils import canonicalize_name

from resolver.index import coremeta, setuptools_static
from resolver.index.dists import DistFile, Metadata, MetadataSource
from resolver.input import parsing

MAX_MEMBERS = 20_000  # members of a tar looked at before giving up
MAX_SCAN = 256 * 1024 * 1024  # uncompressed tar bytes looked at before giving up
TOP_FILES = ("PKG-INFO", "pyproject.toml", "setup.cfg", "setup.py")
_EGG_FILE = re.compile(r"(?:[^/]+/)?([^/]+)\.egg-info/(PKG-INFO|requires\.txt)")
_SECTION = re.compile(r"\[([^\]]*)\]")


def read_sdist(archive: IO[bytes], file: DistFile, max_bytes: int) -> Metadata:
    """The metadata of a .tar.gz/.tgz/.tar.bz2 or .zip sdist, from its first static source.

    `archive` is seekable for a zip; a tar is read forward only. Each member read is at most
    `max_bytes`. Raises MetadataUnavailable saying what was looked for and why none settled it;
    InvalidMetadata for a declared requirement that is no PEP 508 line (pip would build the sdist,
    get that line in its metadata and ignore the version).
    """
    files = (
        _zip_members(archive, file, max_bytes)
        if file.filename.endswith(".zip")
        else _tar_members(archive, file, max_bytes)
    )
    return from_files(files, file)


def from_files(files: Mapping[str, bytes], file: DistFile) -> Metadata:
    """The metadata from an sdist's files, by path under its top directory (see `wanted`)."""
    tried: list[str] = []
    requires_python = None
    pkg_info = files.get("PKG-INFO")
    if pkg_info is None:
        tried.append("it has no top-level PKG-INFO")
    else:
        headers, _version = coremeta.read_headers(pkg_info, file)
        problem = coremeta.static_problem(headers)
        if problem is None:
            return coremeta.parse_metadata(pkg_info, file, "sdist-pkg-info")
        tried.append(problem)
        requires_python = coremeta.requires_python(headers)
    for reader in (_egg_info, _pyproject, _setuptools):
        found = reader(files, file, tried)
        if found is not None:
            requires, extras, python, source = found
            return _metadata(file, requires, extras, python or requires_python, source)
    raise coremeta.unavailable(
        file, f"no static declaration of its dependencies ({'; '.join(tried)}): {coremeta.NEVER}"
    )


def _metadata(
    file: DistFile, requires: list[str], extras: list[str], python: str | None, source: MetadataSource
) -> Metadata:
    for line in requires:
        try:
            parsing.requirement(line)
        except InvalidRequirement as error:
            reason = f"its {source} has an invalid requirement {line!r} ({coremeta.first_line(error)})"
            raise coremeta.invalid(file, reason) from None
    return Metadata(file.name, file.version, tuple(requires), python, tuple(dict.fromkeys(extras)), source)


# -- the sources, after PKG-INFO ---------------------------------------------------------------------

Found = tuple[list[str], list[str], str | None, MetadataSource]


def _egg_info(files: Mapping[str, bytes], file: DistFile, tried: list[str]) -> Found | None:
    eggs = _eggs(files, file)
    if not eggs:
        tried.append("no *.egg-info")
        return None
    if len(eggs) > 1:
        tried.append(f"several *.egg-info ({', '.join(eggs)}) and none named after the project")
        return None
    egg = eggs[0]
    python = None
    if (egg_pkg_info := files.get(f"{egg}/PKG-INFO")) is not None:
        python = coremeta.requires_python(coremeta.read_headers(egg_pkg_info, file)[0])
    text = files.get(f"{egg}/requires.txt")
    requires, extras = requires_txt(_text(text, f"{egg}/requires.txt", file), file) if text is not None else ([], [])
    return requires, extras, python, "egg-info"


def _eggs(files: Mapping[str, bytes], file: DistFile) -> list[str]:
    """The egg-info directories to read: at the top, or one level down (src/) if named after the
    project; of several, the one named after the project, the shallowest first.
    """
    eggs = sorted({path.rsplit("/", 1)[0] for path in files if ".egg-info/" in path})
    named = [egg for egg in eggs if canonicalize_name(egg.rsplit("/", 1)[-1][: -len(".egg-info")]) == file.name]
    eggs = [egg for egg in eggs if "/" not in egg or egg in named]
    if len(eggs) > 1:
        eggs = sorted(named, key=lambda egg: egg.count("/"))[:1] or eggs
    return eggs


def requires_txt(text: str, file: DistFile) -> tuple[list[str], list[str]]:
    """Requires-Dist lines and extras from setuptools' requires.txt.

    Its sections are `[extra]`, `[:marker]` and `[extra:marker]`; lines before any section are
    unconditional. The section's marker and extra are joined to each line's own marker.
    """
    requires: list[str] = []
    extras: list[str] = []
    extra, marker = "", ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if section := _SECTION.fullmatch(line):
            extra, _, marker = (part.strip() for part in section[1].partition(":"))
            if extra:
                extras.append(extra)
            continue
        requires.append(conditioned(line, extra, marker, file, f"requires.txt line {number}"))
    return requires, extras


def conditioned(line: str, extra: str, marker: str, file: DistFile, where: str) -> str:
    """`line` holding only when `marker` holds and, if `extra` is given, when it is asked for."""
    if not extra and not marker:
        return line
    try:
        requirement = parsing.requirement(line)
        marker = str(parsing.marker(marker)) if marker else ""
    except (InvalidRequirement, InvalidMarker) as error:
        raise coremeta.invalid(file, f"its {where} is not a valid requirement ({coremeta.first_line(error)})") from None
    conditions = [str(requirement.marker)] if requirement.marker else []
    conditions += [marker] if marker else []
    conditions += [f'extra == "{extra}"'] if extra else []
    requirement.marker = None
    joined = conditions[0] if len(conditions) == 1 else " and ".join(f"({c})" for c in conditions)
    return f"{requirement} ; {joined}"


def _pyproject(files: Mapping[str, bytes], file: DistFile, tried: list[str]) -> Found | None:
    import tomllib

    data = files.get("pyproject.toml")
    if data is None:
        tried.append("no pyproject.toml")
        return None
    try:
        project = tomllib.loads(_text(data, "pyproject.toml", file)).get("project")
    except tomllib.TOMLDecodeError as error:
        raise coremeta.unavailable(file, f"its pyproject.toml is not valid TOML ({error})") from None
    if not isinstance(project, dict):
        tried.append("no [project] in pyproject.toml")
        return None
    dynamic = project.get("dynamic", [])
    dynamic = {str(name) for name in dynamic} if isinstance(dynamic, list) else set()
    if {"dependencies", "optional-dependencies"} & dynamic:
        tried.append("pyproject.toml lists its dependencies as dynamic")
        return None
    requires = _strings(project.get("dependencies", []), "dependencies", file)
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise coremeta.unavailable(file, "its pyproject.toml [project] optional-dependencies is not a table")
    for extra, lines in optional.items():
        where = f"optional-dependencies.{extra}"
        requires += [
            conditioned(line, extra, "", file, f"pyproject.toml {where}") for line in _strings(lines, where, file)
        ]
    python = project.get("requires-python")
    return (
        requires,
        list(optional),
        python if isinstance(python, str) and "requires-python" not in dynamic else None,
        "pyproject",
    )


def _strings(value: Any, where: str, file: DistFile) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise coremeta.unavailable(file, f"its pyproject.toml [project] {where} is not a list of strings")
    return value


def _setuptools(files: Mapping[str, bytes], file: DistFile, tried: list[str]) -> Found | None:
    cfg = py = None
    try:
        if "setup.cfg" in files:
            cfg = setuptools_static.setup_cfg(_text(files["setup.cfg"], "setup.cfg", file))
        if "setup.py" in files:
            py = setuptools_static.setup_py(files["setup.py"])
    except ValueError as error:
        tried.append(str(error))
        return None
    if cfg is None and py is None:
        tried.append("no setup.cfg or setup.py")
        return None
    values, unknown, origin = setuptools_static.merged(cfg, py)
    if unknown is not None:
        tried.append(unknown)
        return None
    requires = list(values.get("install_requires", []))
    extras: list[str] = []
    for key, lines in values.get("extras_require", {}).items():
        extra, _, marker = (part.strip() for part in key.partition(":"))
        extras += [extra] if extra else []
        requires += [conditioned(line, extra, marker, file, f"{origin} extra {key!r}") for line in lines]
    python = values.get("python_requires")
    return requires, extras, python.strip() or None if python else None, origin  # type: ignore[return-value]  # merged() types its origin, a MetadataSource name, as str


def _text(data: bytes, name: str, file: DistFile) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise coremeta.unavailable(file, f"its {name} is not UTF-8 text") from None


# -- archives ------------------------------------------------------------------------------------------


def wanted(path: str) -> str | None:
    """The path under the top directory if it is a file we read, else None (also for `..` tricks)."""
    parts = path.split("/")
    if len(parts) < 2 or any(part in ("", ".", "..") or "\\" in part for part in parts):
        return None
    inner = "/".join(parts[1:])
    return inner if inner in TOP_FILES or _EGG_FILE.fullmatch(inner) else None


def _settled(files: Mapping[str, bytes], file: DistFile) -> bool:
    """Whether what was read so far already settles the answer, so a tar need not be read on."""
    pkg_info = files.get("PKG-INFO")
    if pkg_info is None:
        return False
    eggs = _eggs(files, file)
    if len(eggs) == 1 and f"{eggs[0]}/requires.txt" in files:
        return True
    try:
        import email.parser

        text = pkg_info.decode("utf-8")
        headers = email.parser.HeaderParser().parsestr(text)  # compat32, its default policy
    except UnicodeDecodeError:
        return True  # an error either way
    return coremeta.static_problem(headers) is None


def _tar_members(archive: IO[bytes], file: DistFile, max_bytes: int) -> dict[str, bytes]:
    import tarfile

    files: dict[str, bytes] = {}
    top = None
    try:
        with tarfile.open(fileobj=archive, mode="r|*") as tar:
            for count, member in enumerate(tar):
                if count >= MAX_MEMBERS or member.offset_data + member.size > MAX_SCAN:
                    raise coremeta.unavailable(
                        file,
                        f"gave up reading it at member {count + 1}, past {MAX_MEMBERS} members or {MAX_SCAN} "
                        "bytes, before its static metadata was found",
                    )
                name = posixpath.normpath(member.name) if member.name.startswith("./") else member.name
                inner = wanted(name)
                if inner is None or not member.isreg() or top not in (None, name.split("/", 1)[0]):
                    continue
                top = name.split("/", 1)[0]
                if member.size > max_bytes:
                    raise coremeta.unavailable(file, f"its {inner} is larger than {max_bytes} bytes")
                handle = tar.extractfile(member)
                files[inner] = handle.read(max_bytes + 1) if handle is not None else b""
                if _settled(files, file):
                    break
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise coremeta.unavailable(file, f"this sdist is not a readable archive ({error})") from None
    return files


def _zip_members(archive: IO[bytes], file: DistFile, max_bytes: int) -> dict[str, bytes]:
    import zipfile

    try:
        sdist = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise coremeta.unavailable(file, f"not a readable zip archive ({error})") from None
    with sdist:
        infos = [info for info in sdist.infolist() if not info.is_dir() and wanted(info.filename)]
        tops = {info.filename.split("/", 1)[0] for info in infos}
        if len(tops) > 1:
            raise coremeta.unavailable(file, f"this sdist has several top directories ({', '.join(sorted(tops))})")
        return {
            str(wanted(info.filename)): coremeta.read_zip_member(sdist, info.filename, file, max_bytes)
            for info in infos
        }


class Ahead(io.RawIOBase):
    """Reads a `RangeFile` forward in chunks that double, from `first` up to `most` bytes.

    A tar is read from its start; most sdists say what we need in their first few kilobytes,
    and the growing chunks keep a long read to a few requests.
    """

    def __init__(self, raw: IO[bytes], first: int = 64 * 1024, most: int = 4 * 1024 * 1024) -> None:
        super().__init__()
        self._raw, self._next, self._most = raw, first, most
        self._buffer, self._offset = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type is wider than what we take
        if self._offset >= len(self._buffer):
            self._buffer, self._offset = self._raw.read(max(self._next, len(buffer))), 0
            self._next = min(self._next * 2, self._most)
        count = min(len(buffer), len(self._buffer) - self._offset)
        buffer[:count] = self._buffer[self._offset : self._offset + count]
        self._offset += count
        return count
