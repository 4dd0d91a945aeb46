"""A project page classified for one target, in a form the index client keeps in its cache.

Sorting every file of every page for the target was most of a warm run: a page lists thousands of
wheels for a few the target can use. The index client stores this view beside the page it came
from (`resolver.index.pagecache`), so a warm run reads back only the usable and yanked files of
each version, best first, and builds nothing else. The reasons the other files were left out are
not stored: they are most of a page, and only the explanation of a failure reads them; they are
worked out again from the page on first use (`finder.LaterReasons`).

What the view depends on besides the page is its key: the target's Python and platform, the
`--only-binary`/`--no-binary` sets, and `FORMAT`, bumped whenever `classify_page` or this layout
changes, so that no entry written by other code is read as this code's answer.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Mapping
from typing import Any

from packaging.utils import NormalizedName
from packaging.version import Version

from resolver.environment import Target
from resolver.index.dists import DistFile, Project
from resolver.index.pages import Page, _dist_file, _wheel_tags  # the page reader's own file building
from resolver.input.formats import FormatControl
from resolver.resolution.finder import LaterReasons, VersionFiles, classify_page

FORMAT = 1
Classified = tuple[Project, dict[Version, VersionFiles]]
# A file as stored: the page's own values; name, version, kind and tags come from its filename.
_FIELDS = ("filename", "url", "hashes", "requires_python", "yanked", "metadata_hashes", "upload_time", "size")
_stored = operator.attrgetter(*_FIELDS)


class ClassifiedView:
    """`classify_page` for one target and set of formats, as a view the index client can store.

    `reasons(name)` gives the full classification of a project (the page classified again), for
    the reasons of a view read back from the cache.
    """

    def __init__(self, target: Target, formats: FormatControl, reasons: Callable[[str], Classified | None]) -> None:
        self.target = target
        self.formats = formats
        self.reasons = reasons
        self.key = f"classified-{FORMAT}:{target.python_version}:{target.platform}"
        self.key += f":{formats.key()}" if formats else ""

    def __call__(self, page: Page, name: str, index_url: str) -> Classified:
        return self.sort(page, name, index_url)

    def sort(self, page: Page, name: str, index_url: str) -> Classified:
        """The view with its reasons; as a bound method, a view the client does not store."""
        return classify_page(page, name, index_url, self.target, self.formats)

    def encode(self, view: Classified) -> bytes:
        project, versions = view
        numbers = {version: number for number, version in enumerate(versions)}
        position = {id(file): number for number, file in enumerate(project.files)}
        files = [[numbers[file.version], *_stored(file)] for file in project.files]
        entries = [
            [str(version), [position[id(f)] for f in entry.usable], [position[id(f)] for f in entry.yanked]]
            for version, entry in versions.items()
        ]
        value = {"versions": entries, "files": files, "skipped": list(project.skipped)}
        return json.dumps(value, separators=(",", ":")).encode()

    def decode(self, data: bytes, name: str, index_url: str) -> Classified:
        """The view as `encode` stored it; a damaged entry raises ValueError, KeyError or TypeError.

        Nothing is parsed again but the versions: a file's version is its entry's, its tags those
        of the filename's last three parts (parsed once per distinct set), as `classify_page` read them.
        """
        value = json.loads(data)
        canonical = NormalizedName(name)  # the client passes the canonical name
        numbered = [Version(text) for text, _usable, _yanked in value["versions"]]
        files = tuple(_file(stored, numbered, canonical) for stored in value["files"])
        project = Project(canonical, index_url, files, tuple(value["skipped"]))
        later = _Later(lambda: self.reasons(name))
        versions: dict[Version, VersionFiles] = {}
        for version, (_text, usable, yanked) in zip(numbered, value["versions"], strict=True):
            versions[version] = VersionFiles(
                version,
                usable=[files[n] for n in usable],
                yanked=[files[n] for n in yanked],
                rejected=LaterReasons(functools.partial(later.of, version)),
            )
        return project, versions


def _file(stored: list[Any], versions: list[Version], name: NormalizedName) -> DistFile:
    values = dict(zip(_FIELDS, stored[1:], strict=True))
    filename: str = values["filename"]
    wheel = filename.endswith(".whl")
    tags = _wheel_tags("-".join(filename[:-4].rsplit("-", 3)[1:])) if wheel else frozenset()
    version = versions[stored[0]]
    return _dist_file({**values, "name": name, "version": version, "kind": "wheel" if wheel else "sdist", "tags": tags})


class _Later:
    """The reasons of every version of one project, worked out once, when the first is asked for."""

    def __init__(self, load: Callable[[], Classified | None]) -> None:
        self._load: Callable[[], Classified | None] | None = load
        self._versions: dict[Version, VersionFiles] = {}

    def of(self, version: Version) -> Mapping[str, str]:
        if self._load is not None:
            found, self._load = self._load(), None
            self._versions = found[1] if found is not None else {}
        entry = self._versions.get(version)
        return entry.rejected if entry is not None else {}
