"""Simple-API project pages (PEP 503 HTML, PEP 691 JSON) turned into one shape. No I/O.

`parse_page(body, content_type, url)` takes what a server answered and returns the PEP 691 JSON
shape, with every file URL made absolute, whichever format came in; `to_project` turns that
shape into a `Project`. The index client caches the shape, so each page is parsed once.

The shape (only the keys we use; absent keys mean "not given"):
    {"meta": {"api-version": "1.1"}, "files": [{"filename": str, "url": str,
     "hashes": {name: hex}, "requires-python": str, "yanked": True | str,
     "core-metadata": True | {name: hex}, "upload-time": str, "size": int}]}
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.tags import InvalidTag, Tag, parse_tag
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from resolver.index.dists import DistFile, DistKind, Project, parse_filename

JSON_TYPES = ("application/vnd.pypi.simple.v1+json",)
HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
HASH_NAMES = frozenset(n for n in hashlib.algorithms_guaranteed if not n.startswith("shake_"))

Page = dict[str, Any]


class PageError(ValueError):
    """A page that is not a simple-API project page we can read; the message says why."""


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_page(body: bytes, content_type: str | None, url: str) -> Page:
    """The PEP 691 shape of a project page answered with `content_type` at `url`.

    The content type decides the parser; anything else is a PageError, as is a body that does
    not parse.
    """
    kind = media_type(content_type)
    if kind in JSON_TYPES:
        return parse_json(body, url)
    if kind in HTML_TYPES:
        return parse_html(_decode(body, content_type), url)
    raise PageError(f"unexpected content type {kind or '(none)'!r}")


def parse_json(body: bytes, url: str) -> Page:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PageError(f"invalid JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("JSON without a 'files' list")
    meta = data.get("meta")
    version = meta.get("api-version") if isinstance(meta, dict) else None
    _check_api_version(version)
    join = _joiner(url)
    files = [_json_file(entry, join, number) for number, entry in enumerate(data["files"], 1)]
    return {"meta": {"api-version": version or "1.0"}, "files": files}


def _joiner(page_url: str) -> Callable[[str], str]:
    """`urljoin(page_url, href)`, with the part of `href` before its last `/` joined once per page.

    A page's files mostly share one directory (or one host): joining each link whole was most of
    the time of reading a page. A last part that urljoin could read otherwise (a dot segment, a
    query, a fragment, parameters, a scheme) is joined whole, as before.
    """
    bases: dict[str, str | None] = {}

    def join(href: str) -> str:
        head, slash, tail = href.rpartition("/")
        if not tail or tail in (".", "..") or "?" in tail or "#" in tail or ";" in tail or ":" in tail:
            return urljoin(page_url, href)
        if head not in bases:
            joined = urljoin(page_url, head + slash + "x")
            bases[head] = joined[:-1] if joined.endswith("x") else None
        base = bases[head]
        return base + tail if base is not None else urljoin(page_url, href)

    return join


def _json_file(entry: object, join: Callable[[str], str], number: int) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise PageError(f"file #{number} is not an object")
    filename, href = entry.get("filename"), entry.get("url")
    if not isinstance(filename, str) or not filename or not isinstance(href, str) or not href:
        raise PageError(f"file #{number} lacks a 'filename' or 'url' string")
    where = f"file {filename!r}"
    out: dict[str, Any] = {"filename": filename, "url": join(href)}
    out["hashes"] = _hashes(entry.get("hashes", {}), where)
    requires_python = entry.get("requires-python")
    if requires_python is not None:
        if not isinstance(requires_python, str):
            raise PageError(f"{where}: 'requires-python' is not a string")
        if requires_python.strip():
            out["requires-python"] = requires_python.strip()
    yanked = entry.get("yanked", False)
    if not isinstance(yanked, bool | str):
        raise PageError(f"{where}: 'yanked' is neither a boolean nor a string")
    if yanked is True or isinstance(yanked, str):
        out["yanked"] = yanked
    # PEP 714: "core-metadata" replaces "dist-info-metadata"; read the old key only without it.
    key = "core-metadata" if "core-metadata" in entry else "dist-info-metadata"
    core = entry.get(key, False)
    if isinstance(core, dict):
        out["core-metadata"] = _hashes(core, where)
    elif core is True:
        out["core-metadata"] = True
    elif core not in (False, None):
        raise PageError(f"{where}: '{key}' is neither a boolean nor a dictionary of hashes")
    upload_time = entry.get("upload-time")
    if upload_time is not None:
        if not isinstance(upload_time, str):
            raise PageError(f"{where}: 'upload-time' is not a string")
        out["upload-time"] = upload_time
    size = entry.get("size")
    if size is not None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise PageError(f"{where}: 'size' is not a non-negative integer")
        out["size"] = size
    return out


def _hashes(value: object, where: str) -> dict[str, str]:
    if type(value) is dict and len(value) == 1:  # the usual entry: one hash, named in lower case
        ((name, digest),) = value.items()
        if name in HASH_NAMES and type(digest) is str:
            return {name: digest.lower()}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise PageError(f"{where}: hashes are not a dictionary of strings")
    return {str(k).lower(): v.lower() for k, v in value.items() if str(k).lower() in HASH_NAMES}


def _check_api_version(version: object) -> None:
    if version is None:
        return
    if not isinstance(version, str) or not version.split(".")[0].isdigit():
        raise PageError(f"unreadable API version {version!r}")
    if int(version.split(".")[0]) != 1:
        raise PageError(f"unsupported API version {version} (we read version 1)")


def _decode(body: bytes, content_type: str | None) -> str:
    charset = "utf-8"
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        return body.decode(charset, errors="replace")
    except LookupError as error:
        raise PageError(f"unknown charset {charset!r}") from error


def _anchors_parser() -> Any:
    from html.parser import HTMLParser  # only HTML pages need it; most indexes answer JSON

    class _Anchors(HTMLParser):
        """Collects <base href>, the repository-version meta tag and every <a> with its attributes.

        HTMLParser unescapes attribute values, so `data-requires-python="&gt;=3.8"` reads `>=3.8`.
        """

        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.base: str | None = None
            self.api_version: str | None = None
            self.anchors: list[dict[str, str | None]] = []
            self._text: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "base" and self.base is None and values.get("href"):
                self.base = values["href"]
            elif tag == "meta" and values.get("name") == "pypi:repository-version":
                self.api_version = values.get("content")
            elif tag == "a" and values.get("href"):
                self.anchors.append(values)
                self._text = []

        def handle_data(self, data: str) -> None:
            if self._text is not None:
                self._text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self._text is not None:
                self.anchors[-1]["#text"] = "".join(self._text).strip()
                self._text = None

    return _Anchors()


def parse_html(text: str, url: str) -> Page:
    parser = _anchors_parser()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as error:  # html.parser's own complaints
        raise PageError(f"unparsable HTML ({error})") from error
    _check_api_version(parser.api_version)
    base = urljoin(url, parser.base) if parser.base else url
    files = []
    for anchor in parser.anchors:
        href = urljoin(base, anchor["href"] or "")
        link, fragment = urldefrag(href)
        filename = unquote(urlsplit(link).path.rsplit("/", 1)[-1]) or (anchor.get("#text") or "")
        if not filename:
            continue
        entry: dict[str, Any] = {"filename": filename, "url": link, "hashes": _fragment_hash(fragment)}
        requires_python = (anchor.get("data-requires-python") or "").strip()
        if requires_python:
            entry["requires-python"] = requires_python
        if "data-yanked" in anchor:
            entry["yanked"] = anchor["data-yanked"] or True
        core = anchor.get("data-core-metadata", anchor.get("data-dist-info-metadata"))
        if core is not None:
            if core.strip().lower() == "true":
                entry["core-metadata"] = True
            else:
                name, sep, value = core.strip().partition("=")
                if sep and name.lower() in HASH_NAMES and value:
                    entry["core-metadata"] = {name.lower(): value.lower()}
        files.append(entry)
    return {"meta": {"api-version": parser.api_version or "1.0"}, "files": files}


def _fragment_hash(fragment: str) -> dict[str, str]:
    name, sep, value = fragment.partition("=")
    if sep and name.lower() in HASH_NAMES and value:
        return {name.lower(): value.lower()}
    return {}


# Decides on a file from what its filename and page entry say: None keeps it, a reason leaves it out.
Sieve = Callable[[str, Version, DistKind, frozenset[Tag], "str | None"], "str | None"]


def to_project(page: Page, name: str, index_url: str, sieve: Sieve | None = None) -> Project:
    """The `Project` of a page in the PEP 691 shape; unreadable filenames go to `skipped`.

    A page reached over http(s) may only link to http(s) files: a `file:` link there would read
    this machine's disk. With `sieve(filename, version, kind, tags, requires_python)`, called in
    page order, only the files it keeps (returns None for) become DistFiles; see `sieve_project`.
    """
    return sieve_project(page, name, index_url, sieve)[0]


def sieve_project(
    page: Page, name: str, index_url: str, sieve: Sieve | None
) -> tuple[Project, list[tuple[Version, str, str]]]:
    """`to_project` keeping only what `sieve` keeps, and the rest as (version, filename, reason).

    Building a DistFile for each of the tens of thousands of wheels a large page lists, when a
    target can use a few per version, was most of a resolution's memory.
    """
    project = canonicalize_name(name)
    remote = urlsplit(index_url).scheme in ("http", "https")
    files: list[DistFile] = []
    skipped: list[str] = []
    left_out: list[tuple[Version, str, str]] = []
    for entry in page["files"]:
        filename = entry["filename"]
        url = entry["url"]
        if remote and not url.startswith(("http://", "https://")) and urlsplit(url).scheme not in ("http", "https"):
            skipped.append(filename)
            continue
        try:
            file_name, version, kind, tags = parse_filename_quickly(filename, project)
        except ValueError:
            skipped.append(filename)
            continue
        if file_name != project:
            skipped.append(filename)
            continue
        if sieve is not None:
            reason = sieve(filename, version, kind, tags, entry.get("requires-python"))
            if reason is not None:
                left_out.append((version, filename, reason))
                continue
        yanked = entry.get("yanked")
        core = entry.get("core-metadata")
        files.append(
            _dist_file(
                {
                    "filename": filename,
                    "url": url,
                    "name": file_name,
                    "version": version,
                    "kind": kind,
                    "tags": tags,
                    "hashes": entry.get("hashes") or {},  # the page's own dicts: it is dropped after
                    "requires_python": entry.get("requires-python"),
                    "yanked": None if yanked is None else ("" if yanked is True else yanked),
                    "metadata_hashes": None if core is None else ({} if core is True else core),
                    "upload_time": entry.get("upload-time"),
                    "size": entry.get("size"),
                }
            )
        )
    return Project(name=project, index_url=index_url, files=tuple(files), skipped=tuple(skipped)), left_out


def _dist_file(values: dict[str, Any]) -> DistFile:
    """A DistFile from all its fields, without the frozen dataclass's one setattr per field.

    Pages hold tens of thousands of files; building them through `__init__` was a tenth of the
    time of a warm resolution. `values` must name every field (the test compares with `__init__`).
    """
    file = object.__new__(DistFile)
    object.__setattr__(file, "__dict__", values)
    return file


# -- filenames, parsed once per distinct part ---------------------------------------------------------
#
# A large project page lists tens of thousands of wheels, but a few hundred versions and a few
# dozen tag sets: parsing each filename whole (packaging's parse_wheel_filename) was most of the
# cost of reading a cached page. The name-version-build head and the tag set are parsed apart,
# each once, by the same packaging functions, so the outcome (values and which names are refused)
# is the same.


def parse_filename_quickly(filename: str, project: str) -> tuple[NormalizedName, Version, DistKind, frozenset[Tag]]:
    """`resolver.index.dists.parse_filename`, memoised by the parts of a wheel's name.

    An sdist whose stem has one dash (`name-version`) is read as that head of a wheel's name:
    the same name and version, and the version parsed once for the sdist and the wheels of a
    release. A name a wheel could not have is read as an sdist's, as before.
    """
    if not filename.endswith(".whl"):
        stem = filename[:-7] if filename.endswith(".tar.gz") else filename[:-4] if filename.endswith(".zip") else ""
        if stem.count("-") == 1:
            try:
                name, version = _wheel_head(stem)
            except ValueError:
                pass
            else:
                return name, version, "sdist", frozenset()
        return parse_filename(filename, project)
    stem = filename[:-4]
    dashes = stem.count("-")
    if dashes not in (4, 5):
        return parse_filename(filename, project)  # raises as packaging does
    head, tag_text = stem.rsplit("-", 3)[0], "-".join(stem.rsplit("-", 3)[1:])
    name, version = _wheel_head(head)
    return name, version, "wheel", _wheel_tags(tag_text)


@functools.lru_cache(maxsize=65536)
def _wheel_head(head: str) -> tuple[NormalizedName, Version]:
    name, version, _kind, _tags = parse_filename(head + "-py3-none-any.whl", "")
    return name, version


@functools.lru_cache(maxsize=4096)
def _wheel_tags(text: str) -> frozenset[Tag]:
    try:
        return parse_tag(text)
    except InvalidTag as error:
        raise ValueError(str(error)) from None
