"""The indexes the app offers, with the bundled offline snapshot as the embedded default.

Settings never do I/O at import time, so the bundled archive (`OFFLINE_INDEX_ARCHIVE`, made by
`manage.py snapshot_index`) is unpacked here, lazily, the first time an index is needed: into
`OFFLINE_INDEX_DIR` when set, else `<XDG cache>/conflict-explorer/offline-index-<hash>`, once
per archive (see `resolver.snapshot.bundle.extract`). The tree is then a file:// simple index that the
engine and pip both read.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

from resolver.index.cache import default_cache_dir
from resolver.index.urls import redact
from resolver.snapshot import bundle

logger = logging.getLogger(__name__)

OFFLINE_NAME = "offline (bundled snapshot)"
_lock = threading.Lock()
_extracted: dict[tuple[str, str, int, int], str] = {}  # (archive, directory, size, mtime) -> URL


class IndexChoice(NamedTuple):
    """An index the user may pick: `name` is shown (never with credentials), `url` is used."""

    name: str
    url: str


def offline_archive() -> Path:
    return Path(settings.OFFLINE_INDEX_ARCHIVE)


def offline_index_url() -> str:
    """The file:// URL of the bundled index's `simple/`, unpacking the archive if needed.

    Raises OSError (FileNotFoundError when the archive is absent, as in a checkout without it).
    """
    archive = offline_archive()
    status = archive.stat()
    directory = settings.OFFLINE_INDEX_DIR or ""
    key = (str(archive), str(directory), status.st_size, status.st_mtime_ns)
    with _lock:
        if key not in _extracted:
            target = Path(directory) if directory else bundle.default_directory(archive, default_cache_dir())
            _extracted[key] = bundle.extract(archive, target).as_uri() + "/"
        return _extracted[key]


def configured_indexes() -> list[IndexChoice]:
    """The indexes to offer, the default first.

    `RESOLVER_INDEXES` (a list of (name, URL) pairs), when set, is taken as it is. Otherwise each
    URL of PIP_INDEX_URL (`RESOLVER_INDEX_URLS`), named by its redacted form, then the bundled
    offline index; without PIP_INDEX_URL the offline index is the default.
    """
    explicit = getattr(settings, "RESOLVER_INDEXES", None)
    if explicit:
        return [IndexChoice(name, url) for name, url in explicit]
    choices = [IndexChoice(redact(url), url) for url in settings.RESOLVER_INDEX_URLS]
    try:
        choices.append(IndexChoice(OFFLINE_NAME, offline_index_url()))
    except OSError as error:
        logger.warning("the bundled offline index is unavailable: %s", error)
    return choices


def default_index_urls() -> list[str]:
    """What a run with no index chosen uses: PIP_INDEX_URL's URLs, else the bundled index."""
    if settings.RESOLVER_INDEX_URLS:
        return list(settings.RESOLVER_INDEX_URLS)
    try:
        return [offline_index_url()]
    except OSError as error:
        logger.warning("the bundled offline index is unavailable: %s", error)
        return []
