"""A snapshot as a static simple index: written as a tree, packed in one archive, unpacked once.

The tree is what a static PEP 503/691 index serves, so the engine and pip can both read it over
file://: `simple/index.json|html`, `simple/<name>/index.json|html` and `files/<filename>.metadata`, and
`coverage.json` beside them: what the snapshot holds (see `resolver.index.coverage`).
File links are relative (`../../files/<filename>`): the tree names no host and carries no
credentials, and the package files themselves are not in it, so every listed file announces a
core-metadata file (PEP 658/714) and no client ever needs the file itself to resolve.

The archive is one `.tar.xz`, written deterministically (sorted members, fixed times and owners)
so that rebuilding from the same data gives the same bytes. The wheels of one version mostly share
one metadata file, so each distinct file is stored once and `metadata-links.tsv` lists the other
names (`<name>\t<stored name>`, both in `files/`), which `extract` makes as hard links: a tar
member per link would make the archive several times slower to unpack. `extract` unpacks it
once per archive hash.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from resolver.index import coverage as coverage_file
from resolver.snapshot.closure import coverage
from resolver.snapshot.collect import Snapshot, SnapshotProject

API_VERSION = "1.1"
STAMP = ".archive-sha256"  # in an extracted tree: the hash of the archive it came from
LINKS = "metadata-links.tsv"
TOP_LEVEL = frozenset({"simple", "files", LINKS, coverage_file.FILE})
_META = f'<meta name="pypi:repository-version" content="{API_VERSION}">'


def _file_entry(project: SnapshotProject, index: int) -> dict[str, Any]:
    file = project.files[index]
    metadata = project.metadata[file.filename]
    entry: dict[str, Any] = {
        "filename": file.filename,
        "url": "../../files/" + quote(file.filename),
        "hashes": dict(file.hashes),
    }
    if file.requires_python:
        entry["requires-python"] = file.requires_python
    if file.yanked is not None:
        entry["yanked"] = file.yanked or True
    entry["core-metadata"] = {"sha256": hashlib.sha256(metadata).hexdigest()}
    if file.upload_time:
        entry["upload-time"] = file.upload_time
    if file.size is not None:
        entry["size"] = file.size
    return entry


def page_json(project: SnapshotProject) -> bytes:
    """The PEP 691 (API 1.1) project page."""
    page = {
        "meta": {"api-version": API_VERSION},
        "name": project.name,
        "files": [_file_entry(project, i) for i in range(len(project.files))],
        "versions": [str(v) for v in sorted(project.versions())],
    }
    return json.dumps(page, separators=(",", ":")).encode()


def page_html(project: SnapshotProject) -> bytes:
    """The PEP 503 project page, with data-core-metadata and its older PEP 658 spelling."""
    anchors = []
    for i in range(len(project.files)):
        entry = _file_entry(project, i)
        href = entry["url"] + "".join(f"#{name}={value}" for name, value in list(entry["hashes"].items())[:1])
        attrs = [f'href="{html.escape(href)}"']
        if "requires-python" in entry:
            attrs.append(f'data-requires-python="{html.escape(entry["requires-python"])}"')
        if "yanked" in entry:
            reason = entry["yanked"] if isinstance(entry["yanked"], str) else ""
            attrs.append(f'data-yanked="{html.escape(reason)}"')
        core = "sha256=" + entry["core-metadata"]["sha256"]
        attrs += [f'data-core-metadata="{core}"', f'data-dist-info-metadata="{core}"']
        anchors.append(f"<a {' '.join(attrs)}>{html.escape(entry['filename'])}</a><br>")
    title = html.escape(f"Links for {project.name}")
    body = "\n".join(anchors)
    return f"<!DOCTYPE html>\n<html><head>{_META}<title>{title}</title></head><body>\n{body}\n</body></html>\n".encode()


def root_json(names: list[str]) -> bytes:
    return json.dumps(
        {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]}, separators=(",", ":")
    ).encode()


def root_html(names: list[str]) -> bytes:
    links = "".join(f'<a href="{quote(n)}/">{html.escape(n)}</a>\n' for n in names)
    return f"<!DOCTYPE html>\n<html><head>{_META}</head><body>\n{links}</body></html>\n".encode()


def members(snapshot: Snapshot) -> Iterator[tuple[str, bytes]]:
    """Every stored (relative path, bytes) of the tree, in a stable order, links file last.

    Of the files sharing one metadata content, the first by name is stored; the others are
    listed in `metadata-links.tsv`.
    """
    names = sorted(name for name, project in snapshot.projects.items() if project.files)
    yield "simple/index.html", root_html(names)
    yield "simple/index.json", root_json(names)
    for name in names:
        project = snapshot.projects[name]
        yield f"simple/{name}/index.html", page_html(project)
        yield f"simple/{name}/index.json", page_json(project)
    metadata = {f.filename: snapshot.projects[name].metadata[f.filename] for name in names
                for f in snapshot.projects[name].files}  # fmt: skip
    stored: dict[bytes, str] = {}
    links: list[str] = []
    for filename in sorted(metadata):
        data = metadata[filename]
        if data in stored:
            links.append(f"{filename}.metadata\t{stored[data]}.metadata\n")
            continue
        stored[data] = filename
        yield f"files/{filename}.metadata", data
    yield LINKS, "".join(links).encode()
    yield coverage_file.FILE, json.dumps(coverage(snapshot).to_dict(), separators=(",", ":")).encode()


def write_tree(snapshot: Snapshot, root: Path) -> Path:
    """Write the tree under `root` (links made as on extraction) and return its `simple/`."""
    for path, data in members(snapshot):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    _make_links(root)
    return root / "simple"


def write_archive(snapshot: Snapshot, archive: Path) -> None:
    """Pack the tree into a deterministic `.tar.xz` at `archive`.

    Written to a temporary file first, so a failure never leaves half an archive behind.
    """
    archive.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=archive.parent, prefix=".tmp-", suffix=".tar.xz")
    os.close(handle)
    try:
        # xz's default preset: within 5% of the smallest (9e) at an eighth of its time.
        with tarfile.open(temporary, "w:xz", preset=6, format=tarfile.PAX_FORMAT) as tar:
            directories: set[str] = set()
            for path, data in members(snapshot):
                for parent in _parents(path):
                    if parent not in directories:
                        directories.add(parent)
                        tar.addfile(_info(parent, tarfile.DIRTYPE))
                info = _info(path, tarfile.REGTYPE)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        os.chmod(temporary, 0o644)  # mkstemp made it private
        os.replace(temporary, archive)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _info(path: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def archive_digest(archive: Path) -> str:
    """The sha256 of the archive, which names its extracted tree."""
    digest = hashlib.sha256()
    with archive.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def default_directory(archive: Path, cache_dir: Path) -> Path:
    """`<cache_dir>/offline-index-<first 16 hex of the archive's sha256>`."""
    return cache_dir / f"offline-index-{archive_digest(archive)[:16]}"


def extract(archive: Path, directory: Path) -> Path:
    """Unpack `archive` into `directory` unless it already holds this archive; return `simple/`.

    Idempotent and safe when several processes start at once: the tree is unpacked into a
    temporary sibling, stamped with the archive's hash, and then renamed into place; a tree
    stamped with another hash (an older bundle) is replaced.
    """
    digest = archive_digest(archive)
    if _stamp(directory) == digest:
        return directory / "simple"
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}-"))
    try:
        _unpack(archive, temporary)
        _make_links(temporary)
        (temporary / STAMP).write_text(digest + "\n")
        os.chmod(temporary, 0o755)  # mkdtemp made it private; the web server and workers read it
        if directory.exists() and _stamp(directory) is None and any(directory.iterdir()):
            raise FileExistsError(f"{directory} is not empty and holds no offline index: not replacing it")
        if directory.exists() and _stamp(directory) not in (None, digest):
            old = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}-old-"))
            os.replace(directory, old / "tree")
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(temporary, directory)
        except OSError:
            if _stamp(directory) != digest:  # not another process that won the race
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return directory / "simple"


def _stamp(directory: Path) -> str | None:
    try:
        return (directory / STAMP).read_text().strip()
    except OSError:
        return None


def _unpack(archive: Path, root: Path) -> None:
    """Unpack the directories and regular files of the archive; anything else is an error.

    A loop of our own rather than `extractall`: with tens of thousands of small members, the
    per-member checks and syscalls of `extractall` cost most of a minute; here each member
    costs a path check and one write (plain strings: pathlib is measurable at this count).
    """
    made: set[str] = set()
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            path = os.path.join(root, _checked(member.name))
            if member.isdir():
                os.makedirs(path, exist_ok=True)
                made.add(path)
            elif member.isfile():
                parent = os.path.dirname(path)
                if parent not in made:
                    os.makedirs(parent, exist_ok=True)
                    made.add(parent)
                source = tar.extractfile(member)
                with open(path, "wb") as out:
                    out.write(source.read() if source else b"")
            else:
                raise tarfile.TarError(f"{archive.name}: unexpected member {member.name!r}")


def _checked(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or parts[0] not in TOP_LEVEL or any(p in ("", ".", "..") for p in parts):
        raise tarfile.TarError(f"unexpected path {name!r} in an offline index archive")
    return name


def _make_links(root: Path) -> None:
    """Make the names listed in the links file as hard links (copies where links fail)."""
    listing = root / LINKS
    if not listing.exists():
        return
    files = os.path.join(root, "files")
    for line in listing.read_text().splitlines():
        name, _, stored = line.partition("\t")
        if not name or not stored or "/" in name + stored or name.startswith(".") or stored.startswith("."):
            raise tarfile.TarError(f"bad line in {LINKS}: {line!r}")
        source, target = os.path.join(files, stored), os.path.join(files, name)
        try:
            os.link(source, target)
        except FileExistsError:
            pass
        except OSError:
            shutil.copyfile(source, target)
