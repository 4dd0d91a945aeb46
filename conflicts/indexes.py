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

from conflicts.indexcache import index_cache
from resolver.index import pipindex
from resolver.index.client import IndexClient
from resolver.index.coverage import coverage_of
from resolver.index.diskcache import default_cache_dir
from resolver.index.egress import EgressPolicy
from resolver.index.limits import IndexLimits
from resolver.index.urls import host_of, redact
from resolver.output.report import Report as ReportV1
from resolver.snapshot import bundle

logger = logging.getLogger(__name__)

OFFLINE_NAME = "offline (bundled snapshot)"  # the name before the snapshot's label said what it covers
PIP_NAME = "the index pip uses"
_lock = threading.Lock()
_extracted: dict[tuple[str, str, int, int], str] = {}  # (archive, directory, size, mtime) -> URL
_pip: dict[str, tuple[IndexChoice | None, bool]] = {}  # "" -> (pip's index, whether it answered)


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


def offline_choice() -> IndexChoice | None:
    """The bundled snapshot, named by what it covers (its coverage file says), or None without it."""
    try:
        url = offline_index_url()
    except OSError as error:
        logger.warning("the bundled offline index is unavailable: %s", error)
        return None
    coverage = coverage_of([url])
    return IndexChoice(coverage.label() if coverage else OFFLINE_NAME, url)


def pip_choice() -> tuple[IndexChoice | None, bool]:
    """The index pip uses on this server, and whether it answered a quick probe; asked once.

    Without PIP_INDEX_URL only: with it, that is already the index pip uses. Skipped (None) when
    `RESOLVER_ASK_PIP` is off, as the tests have it; not probed when `RESOLVER_PROBE_PIP_INDEX`
    is off (then offered, but not the default). pip's extra indexes are left out: on servers they
    are mostly local mirrors (file:// paths of the server, not an index a user knows).
    """
    if settings.RESOLVER_INDEX_URLS or not settings.RESOLVER_ASK_PIP:
        return None, False
    with _lock:
        if "" not in _pip:
            urls = pipindex.pip_index_urls()
            probe = settings.RESOLVER_PROBE_PIP_INDEX
            answered = bool(urls) and probe and pipindex.answers(urls[0], ca_bundle=settings.RESOLVER_CA_BUNDLE)
            found = IndexChoice(f"{PIP_NAME}: {redact(urls[0])}", urls[0]) if urls else None
            _pip[""] = (None if probe and not answered else found, answered)
            logger.info("%s (%s)", found and found.name, "answers" if answered else "not probed or not answering")
        return _pip[""]


def configured_indexes() -> list[IndexChoice]:
    """The indexes to offer, the default first.

    `RESOLVER_INDEXES` (a list of (name, URL) pairs), when set, is taken as it is. Otherwise each
    URL of PIP_INDEX_URL (`RESOLVER_INDEX_URLS`), named by its redacted form, then the bundled
    snapshot; without PIP_INDEX_URL, the index pip uses on this server (see `pip_choice`), first
    when it answered the probe, then the snapshot.
    """
    explicit = getattr(settings, "RESOLVER_INDEXES", None)
    if explicit:
        return [IndexChoice(name, url) for name, url in explicit]
    choices = [IndexChoice(redact(url), url) for url in settings.RESOLVER_INDEX_URLS]
    pip, answered = pip_choice()
    if pip and answered:
        choices.append(pip)
    if offline := offline_choice():
        choices.append(offline)
    if pip and not answered:
        choices.append(pip)
    return choices


def default_index_urls() -> list[str]:
    """What a run with no index chosen uses: PIP_INDEX_URL's URLs, else the bundled index.

    The command line keeps the snapshot as its default (a script's answer should not depend on
    whether the network answered); `manage.py resolve --index pip` asks for pip's index.
    """
    if settings.RESOLVER_INDEX_URLS:
        return list(settings.RESOLVER_INDEX_URLS)
    offline = offline_choice()
    return [offline.url] if offline else []


def index_url(name: str) -> str:
    """The URL of a configured index by its name; unknown names fall back to the default.

    The snapshot's former name still picks it, so API clients written before its label keep working.
    """
    indexes = configured_indexes()
    if name == OFFLINE_NAME and (offline := offline_choice()):
        return offline.url
    return dict(indexes).get(name, indexes[0][1])


def allowed_hosts() -> set[str]:
    """Hosts an index URL in an uploaded file may name: only those the settings configure."""
    hosts = {host_of(url) for _, url in configured_indexes()}
    return (hosts | set(settings.RESOLVER_ALLOWED_INDEX_HOSTS)) - {""}


def egress_policy() -> EgressPolicy:
    """What the workers may fetch: the configured indexes (trusted as configured, file:// only
    inside them) and the allow-listed hosts, never a private address unless the settings say so."""
    return EgressPolicy(
        settings.RESOLVER_ALLOWED_INDEX_HOSTS,
        trusted_urls=[url for _, url in configured_indexes()],
        allow_private=settings.RESOLVER_ALLOW_PRIVATE_INDEXES,
        allowed_proxies=settings.RESOLVER_ALLOWED_PROXIES,
    )


def index_client(urls: list[str], policy: EgressPolicy | None = None) -> IndexClient:
    return IndexClient(
        urls,
        cache=index_cache(),
        limits=IndexLimits(max_requests=settings.RESOLVER_MAX_REQUESTS),
        allow_url=policy or egress_policy(),
        ca_bundle=settings.RESOLVER_CA_BUNDLE,
    )


class InputIndexes:
    """The engine's `input_index`: honours the input's index URLs that the policy allows.

    A refused URL is never fetched: it is dropped (a refused `--index-url` leaves the configured
    index in its place) and its reason kept, for `annotate` to write into the report.
    """

    def __init__(self, policy: EgressPolicy, configured: list[str], name: str) -> None:
        self.policy, self.configured, self.name = policy, configured, name
        self.refused: dict[str, str] = {}  # redacted URL -> reason
        self.shown: list[str] = []
        self.clients: list[IndexClient] = []

    def __call__(self, urls: list[str]) -> IndexClient:
        kept: list[str] = []
        for url in urls:
            reason = None if url in self.configured else self.policy.check(url)
            if reason is None:
                kept.append(url)
            else:
                self.refused[redact(url)] = reason
        if not kept or kept[0] != urls[0]:
            kept = self.configured + [url for url in kept if url not in self.configured]
        self.shown = [self.name if url in self.configured else redact(url) for url in kept]
        self.clients.append(index_client(kept, self.policy))
        return self.clients[-1]

    def annotate(self, result: ReportV1) -> None:
        if not self.refused:
            return
        for option in result["input"].get("index_options", []):
            if (value := option.get("value")) and value in self.refused:
                option["honoured"] = False
                option["reason"] = f"not fetched: {self.refused[value]}"
        result["input"]["index"] = " ".join(dict.fromkeys(self.shown))

    def close(self) -> None:
        for client in self.clients:
            client.close()
