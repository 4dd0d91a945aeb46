"""Build small, real package indexes on disk for the tests.

A universe is `{project: {version: release}}` where a release is a dict (all keys optional):
`requires` (Requires-Dist lines), `requires_python`, `yanked` (True or a reason), `wheel_tags`
(list of tag strings, default `["py3-none-any"]`, `[]` for none), `sdist` (also publish an sdist),
`sdist_dynamic` (the sdist's Requires-Dist is dynamic, PEP 643), `metadata_file` (publish the
PEP 658 file, default True), `extras` (Provides-Extra names), `upload_time` (PEP 700),
`requires_python_on_page` (default True; False leaves it to the metadata alone, as old uploads do),
`sdist_requires` (the sdist's own Requires-Dist lines, default `requires`),
`sdist_static`: where the sdist declares its dependencies, "pkg-info" (default: PKG-INFO 2.2),
"egg-info" (requires.txt), "pyproject" ([project]), "setup.cfg", "setup.py" (literal keywords) or
"none" (setup.py reads requirements.txt); all but the default carry a real setup.py (and a PKG-INFO
1.2 without dependencies), so pip can build them, and `sdist_format` "zip" makes a .zip sdist.
Requirements behind extras are written `dep; extra == "x"` in `requires`.

The tree is what a static PEP 503/691 index serves: `simple/index.html|json`,
`simple/<name>/index.html|json` and `files/<filename>[.metadata]`. Files are real wheels (zip with
a dist-info) and real sdists (tar.gz with PKG-INFO), so every fallback path reads real bytes.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

Universe = dict[str, dict[str, dict[str, Any]]]


def metadata_text(name: str, version: str, release: dict[str, Any], *, dynamic: bool = False) -> str:
    lines = ["Metadata-Version: 2.2", f"Name: {name}"]
    lines.append(f"Version: {version}")
    if release.get("requires_python"):
        lines.append(f"Requires-Python: {release['requires_python']}")
    for extra in release.get("extras", ()):
        lines.append(f"Provides-Extra: {extra}")
    if dynamic:
        lines.append("Dynamic: Requires-Dist")
    else:
        lines.extend(f"Requires-Dist: {req}" for req in release.get("requires", ()))
    return "\n".join(lines) + "\n\n"


def _wheel_bytes(dist: str, version: str, metadata: str, padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    info = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr(f"{dist}/__init__.py", "# test package\n" + "#" * padding)
        wheel.writestr(f"{info}/METADATA", metadata)
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n")
        wheel.writestr(f"{info}/RECORD", "")
    return buffer.getvalue()


def _sdist_bytes(dist: str, version: str, files: dict[str, str], *, as_zip: bool = False) -> bytes:
    buffer = io.BytesIO()
    if as_zip:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, text in files.items():
                archive.writestr(f"{dist}-{version}/{path}", text)
        return buffer.getvalue()
    with tarfile.open(fileobj=buffer, mode="w:gz") as sdist:
        for path, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{dist}-{version}/{path}")
            member.size = len(data)
            sdist.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


_EXTRA_ONLY = re.compile(r"""^(.*?)\s*;\s*extra\s*==\s*['"]([^'"]+)['"]\s*$""")


def _split_extras(release: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    plain: list[str] = []
    extras: dict[str, list[str]] = {extra: [] for extra in release.get("extras", ())}
    for line in release.get("requires", ()):
        match = _EXTRA_ONLY.match(line)
        if match:
            extras.setdefault(match[2], []).append(match[1])
        elif "extra" in line:
            raise ValueError(f"the test universe cannot write {line!r} outside PKG-INFO")
        else:
            plain.append(line)
    return plain, extras


def sdist_files(name: str, dist: str, version: str, release: dict[str, Any]) -> dict[str, str]:
    """The files of the release's sdist, by path under its top directory (see `sdist_static`)."""
    static = release.get("sdist_static", "pkg-info")
    if static == "pkg-info":
        pkg_info = metadata_text(name, version, release, dynamic=bool(release.get("sdist_dynamic")))
        return {"PKG-INFO": pkg_info, "setup.py": ""}
    plain, extras = _split_extras(release)
    python = release.get("requires_python")
    old = f"Metadata-Version: 1.2\nName: {name}\nVersion: {version}\n"
    old += f"Requires-Python: {python}\n" if python else ""
    files = {"PKG-INFO": old}
    keywords = {"install_requires": plain, "extras_require": extras}
    if python:
        keywords["python_requires"] = python
    setup = "from setuptools import setup\n\n"
    if static in ("egg-info", "setup.py"):
        setup += (
            f"setup(name={name!r}, version={version!r}, py_modules=[], "
            + ", ".join(f"{key}={value!r}" for key, value in keywords.items())
            + ")\n"
        )
    elif static == "none":
        files["requirements.txt"] = "\n".join(plain) + "\n"
        setup += "with open('requirements.txt') as lines:\n    requires = [line.strip() for line in lines]\n\n"
        setup += f"setup(name={name!r}, version={version!r}, py_modules=[], install_requires=requires)\n"
    else:
        setup += "setup()\n"
    files["setup.py"] = setup
    if static == "egg-info":
        files[f"{dist}.egg-info/PKG-INFO"] = old
        sections = [*plain] + [f"\n[{extra}]\n" + "\n".join(lines) for extra, lines in extras.items()]
        if plain or any(extras.values()):
            files[f"{dist}.egg-info/requires.txt"] = "\n".join(sections) + "\n"
    elif static == "pyproject":
        project = [f"name = {name!r}", f"version = {version!r}", f"dependencies = {plain!r}"]
        project += [f"requires-python = {python!r}"] if python else []
        optional = [f"{extra} = {lines!r}" for extra, lines in extras.items()]
        files["pyproject.toml"] = (
            '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
            "[project]\n"
            + "\n".join(project)
            + "\n\n[project.optional-dependencies]\n"
            + "\n".join(optional)
            + "\n\n[tool.setuptools]\npy-modules = []\n"
        )
        del files["setup.py"]
    elif static == "setup.cfg":
        cfg = [f"[metadata]\nname = {name}\nversion = {version}\n\n[options]\npy_modules =\ninstall_requires ="]
        cfg += [f"    {line}" for line in plain]
        cfg += [f"python_requires = {python}"] if python else []
        cfg += ["\n[options.extras_require]"] + [
            f"{extra} =\n" + "\n".join(f"    {x}" for x in lines) for extra, lines in extras.items()
        ]
        files["setup.cfg"] = "\n".join(cfg) + "\n"
    return files


def build_index(
    root: Path,
    universe: Universe,
    *,
    formats: tuple[str, ...] = ("html", "json"),
    wheel_padding: int = 0,
) -> Path:
    """Write the index for `universe` under `root` and return the `simple/` directory."""
    simple = root / "simple"
    files_dir = root / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    projects: list[str] = []
    for project, releases in universe.items():
        name = canonicalize_name(project)
        dist = name.replace("-", "_")
        projects.append(name)
        entries: list[dict[str, Any]] = []
        for version, release in releases.items():
            release = release or {}
            metadata = metadata_text(name, version, release)
            published: list[tuple[str, bytes, str]] = []
            for tag in release.get("wheel_tags", ["py3-none-any"]):
                filename = f"{dist}-{version}-{tag}.whl"
                published.append((filename, _wheel_bytes(dist, version, metadata, wheel_padding), metadata))
            if release.get("sdist"):
                own = {**release, "requires": release.get("sdist_requires", release.get("requires", ()))}
                files = sdist_files(name, dist, version, own)
                as_zip = release.get("sdist_format") == "zip"
                sdist = _sdist_bytes(dist, version, files, as_zip=as_zip)
                published.append((f"{dist}-{version}.{'zip' if as_zip else 'tar.gz'}", sdist, files["PKG-INFO"]))
            for filename, data, meta in published:
                (files_dir / filename).write_bytes(data)
                entry: dict[str, Any] = {
                    "filename": filename,
                    "url": f"../../files/{filename}",
                    "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                    "size": len(data),
                }
                if release.get("requires_python") and release.get("requires_python_on_page", True):
                    entry["requires-python"] = release["requires_python"]
                yanked = release.get("yanked")
                if yanked:
                    entry["yanked"] = yanked if isinstance(yanked, str) else True
                if release.get("upload_time"):
                    entry["upload-time"] = release["upload_time"]
                if filename.endswith(".whl") and release.get("metadata_file", True):
                    (files_dir / f"{filename}.metadata").write_text(meta)
                    entry["core-metadata"] = {"sha256": hashlib.sha256(meta.encode()).hexdigest()}
                entries.append(entry)
        page_dir = simple / name
        page_dir.mkdir(parents=True, exist_ok=True)
        if "json" in formats:
            page = {
                "meta": {"api-version": "1.1"},
                "name": name,
                "files": entries,
                "versions": list(releases),
            }
            (page_dir / "index.json").write_text(json.dumps(page))
        if "html" in formats:
            (page_dir / "index.html").write_text(_project_html(entries))
    if "json" in formats:
        listing = {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in projects]}
        (simple / "index.json").write_text(json.dumps(listing))
    if "html" in formats:
        links = "".join(f'<a href="{n}/">{n}</a>\n' for n in projects)
        (simple / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
    return simple


def _project_html(entries: list[dict[str, Any]]) -> str:
    anchors = []
    for entry in entries:
        attrs = [f'href="{html.escape(entry["url"])}#sha256={entry["hashes"]["sha256"]}"']
        if "requires-python" in entry:
            attrs.append(f'data-requires-python="{html.escape(entry["requires-python"])}"')
        if "yanked" in entry:
            reason = entry["yanked"] if isinstance(entry["yanked"], str) else ""
            attrs.append(f'data-yanked="{html.escape(reason)}"')
        if "core-metadata" in entry:
            attrs.append(f'data-core-metadata="sha256={entry["core-metadata"]["sha256"]}"')
        anchors.append(f"<a {' '.join(attrs)}>{html.escape(entry['filename'])}</a><br/>")
    body = "\n".join(anchors)
    head = '<meta name="pypi:repository-version" content="1.1">'
    return f"<!DOCTYPE html>\n<html><head>{head}</head><body>\n{body}\n</body></html>\n"


# The classic conflict: djangocms-blog needs django>2.0, the user pins django==1.11.29.
CLASSIC = {
    "django": {"1.11.29": {}, "2.2.28": {}, "3.2.25": {}},
    "djangocms-blog": {
        "1.1.0": {"requires": ["django>2.0"]},
        "1.2.0": {"requires": ["django>2.0"]},
    },
}
