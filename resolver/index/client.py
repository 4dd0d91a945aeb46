"""The index client: the one object of the engine that does I/O; its helpers live beside it.

It reads PEP 503/691 project pages and core metadata (a PEP 658 file, else the wheel's METADATA
read by byte ranges, else what an sdist declares statically) from http(s) and file:// indexes:
`transport` moves bytes, `fetch` decides on requests (policy, credentials, redirects, retries,
limits), `pages` parses pages, `coremeta` and `sdist` read metadata out of archives, `lazywheel`
reads a remote zip by ranges, `cache` keeps results. Each page and each file's metadata is
fetched at most once per client, even when several threads ask at the same time; across
clients, the cache keeps metadata by file hash forever, and pages as long as the index's HTTP
caching headers allow, revalidating a stale page with its validators (rules in `cache`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any, TypeVar
from urllib.parse import urldefrag

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from resolver.errors import IndexAccessError, InvalidMetadata, MetadataUnavailable
from resolver.index import coremeta, pages, sdist
from resolver.index.cache import Cache, MemoryCache, freshness
from resolver.index.dists import DistFile, Metadata, Project
from resolver.index.fetch import Fetcher, strip_credentials
from resolver.index.lazywheel import RangeFile
from resolver.index.limits import IndexLimits, IndexStats
from resolver.index.pagecache import PageCache
from resolver.index.pageentry import link_hosts
from resolver.index.transport import FileTransport, HttpTransport, Transport

logger = logging.getLogger(__name__)

T = TypeVar("T")
TAIL_BYTES = 64 * 1024  # first range read of a wheel: its end holds the zip's central directory
# Bumped when the metadata readers learn more: an "unavailable" cached by an older reader is read
# again (entries by sha256 are otherwise kept forever); 3 tells invalid metadata from unknown.
SDIST_READER = 3
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def _detached(error: Exception) -> Exception:
    """A copy of `error` (its class, arguments and attributes) with no traceback, cause or context;
    `error` itself for a class that cannot be copied so."""
    try:
        copy = type(error).__new__(type(error), *error.args)
        copy.__dict__.update(error.__dict__)
    except Exception:  # an unusual __new__: keeping the cycle beats losing the error
        return error
    return copy


def _quietly(call: Callable[..., object], *arguments: object) -> None:
    try:
        call(*arguments)
    except Exception:  # a prefetch's failure is reported by the real call, if one is made
        logger.debug("prefetch %s failed", getattr(call, "__name__", call), exc_info=True)


class IndexClient:
    """Reads projects and metadata from one or more PEP 503/691 indexes (http(s) or file://).

    A project is taken from the first index that has it (no merging: that is how dependency
    confusion happens). `allow_url(url) -> bool` vets every URL (without credentials), redirect
    targets included, before it is fetched. `cache` is any `resolver.index.cache.Cache` (default: in
    memory). `ca_bundle` verifies TLS against a private CA. `transports` maps URL schemes to
    transports, to swap the network out.
    `index_urls` keeps the URLs as given (credentials included, to build a sibling client): show
    them only through `resolver.index.urls.redact`. `stats` counts requests, cache hits and bytes.
    """

    def __init__(
        self,
        index_urls: list[str],
        *,
        cache: Cache | None = None,
        limits: IndexLimits | None = None,
        allow_url: Callable[[str], bool] | None = None,
        max_workers: int = 8,
        transports: Mapping[str, Transport] | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.index_urls = list(index_urls)  # as given, credentials included: show them redacted
        self.limits = limits or IndexLimits()
        self.cache: Cache = cache if cache is not None else MemoryCache()
        self.stats = IndexStats()
        self._max_workers = max(1, max_workers)
        if transports is None:
            connections = max(16, self._max_workers * 2)
            http = HttpTransport(
                self.limits.timeout,
                max_connections=connections,
                ca_bundle=ca_bundle,
                connect_address=getattr(allow_url, "connect_address", None),
                allow_proxy=getattr(allow_url, "allow_proxy", None),
            )
            transports = {"http": http, "https": http, "file": FileTransport()}
        self._fetcher = Fetcher(transports, self.limits, self.stats, allow_url)
        self._learn_links: Callable[[str, Iterable[str]], None] | None = getattr(allow_url, "learn_links", None)
        self._indexes: list[tuple[str, str]] = []  # (URL without credentials, URL to show)
        for url in index_urls:
            url = url if url.endswith("/") else url + "/"
            self._indexes.append((self._fetcher.add_credentials(url), self._fetcher.shown(url)))
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, str], Future[Any]] = {}
        self._pages = PageCache(self.cache, self._fetcher)
        self._executor: ThreadPoolExecutor | None = None
        self._closed = False

    # -- the contract ------------------------------------------------------------------------

    def project(self, name: str) -> Project | None:
        """The project page from the first index that has it, or None if no index has it.

        Raises IndexAccessError (an index failed: then later indexes are not asked either),
        IndexNotAllowed, or LimitReached.
        """
        canonical = canonicalize_name(name)
        return self._once(("project", canonical), lambda: self._find_project(canonical, pages.to_project))

    def project_view(self, name: str, view: Callable[[pages.Page, str, str], T], view_key: str) -> T | None:
        """`view(page, canonical name, index URL to show)` of the project page that `project` reads.

        For a caller that keeps only part of a page: a resolver for one target needs a few files
        of a project that lists tens of thousands, and holding every one cost more memory than
        all the rest of a resolution. Memoised per (name, `view_key`), as `project` is per name;
        None and errors as for `project`. A view that is a `pagecache.StoredView` is also kept in
        the cache, tied to the page it was made from, so a warm run neither decodes nor sorts the
        page again: `view_key` must then name everything the view depends on besides the page.
        """
        canonical = canonicalize_name(name)
        return self._once(("view:" + view_key, canonical), lambda: self._find_project(canonical, view, view_key))

    def metadata(self, file: DistFile) -> Metadata:
        """Core metadata of one file: PEP 658 file, else wheel METADATA, else static sdist PKG-INFO.

        Raises MetadataUnavailable when the file's dependencies cannot be read without running
        its build (or it holds no usable metadata), its InvalidMetadata when the metadata is there
        but invalid, IndexAccessError when a fetch fails or a hash does not match.
        """
        key = self._metadata_key(file)
        if not key.startswith("meta:sha256:"):
            self._pages.checkable = False  # the file behind a URL may change while no page does
        return self._once(("metadata", key), lambda: self._metadata(file, key))

    def unchanged(self, pages: Mapping[str, str]) -> bool:
        """Whether the index still holds these page entries (key -> digest, "" for no project), asked
        concurrently with their validators (a 304 keeps the digest); each stays settled for this client."""
        urls = {key: key.removeprefix("page:").split("#auth=")[0] for key in pages}

        def same(key: str) -> bool:
            try:
                found = self._pages.page(urls[key], self._limit("page"))
            except Exception:  # whatever failed will fail again, and be reported, in the full run
                return False
            return (found.digest if found is not None else "") == pages[key]

        if not pages or not all(key.startswith("page:") for key in pages):
            return not pages
        with ThreadPoolExecutor(min(self._max_workers, len(pages)), thread_name_prefix="index-check") as pool:
            return all(pool.map(same, list(pages)))

    def footing(self) -> dict[str, str] | None:
        """The page entries this client's answers rest on (key -> digest, "" for no project), for
        `answers`; None when a later run could not check some (a page the cache could not keep,
        metadata of a file listed without a hash: a hashed file's metadata needs no check)."""
        return {key: digest or "" for key, digest in self._pages.read.items()} if self._pages.checkable else None

    def prefetch_projects(self, names: Iterable[str]) -> None:
        """Fetch these pages concurrently into the cache; errors surface on the later real call."""
        for name in names:
            canonical = canonicalize_name(name)
            self._submit(("project", canonical), self.project, canonical)

    def prefetch_metadata(self, files: Iterable[DistFile]) -> None:
        """Fetch these files' metadata concurrently into the cache."""
        for file in files:
            self._submit(("metadata", self._metadata_key(file)), self.metadata, file)

    def submit(self, call: Callable[..., object], *arguments: object) -> None:
        """Run `call(*arguments)` in the prefetch pool, for work that chains fetches (a page, then
        the metadata of its likely candidate, then the pages of that one's dependencies).

        Its outcome is dropped: it must only warm this client's memo, whose real calls report the
        errors. Ignored once the client is closed.
        """
        with self._lock:
            if self._closed:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix="index-prefetch")
            self._executor.submit(_quietly, call, *arguments)

    def close(self) -> None:
        """Stop prefetching and release connections. The client cannot be used afterwards."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self._fetcher.close()

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- once per client, whatever the threads ---------------------------------------------------

    def _once(self, key: tuple[str, str], compute: Callable[[], T]) -> T:
        """compute() the first time `key` is asked for; every other caller shares that outcome.

        An error is kept without the frames it was raised through, and each caller gets its own
        copy: frames hold their callers' locals (this client, the provider), so a kept traceback
        tied all a resolution read into one cycle, left for the cycle collector (a tenth of a
        second at the end of a large run) instead of freed as soon as the resolution is dropped.
        """
        with self._lock:
            future = self._memo.get(key)
            owner = future is None
            if future is None:
                future = self._memo[key] = Future()
        if owner:
            try:
                result = compute()
            except Exception as error:
                future.set_exception(_detached(error))
                raise
            except BaseException as error:
                future.set_exception(error)
                raise
            future.set_result(result)
            return result
        failure = future.exception()
        if isinstance(failure, Exception):
            raise _detached(failure)
        shared: T = future.result()  # the memo holds every kind of outcome, as Future[Any]
        return shared

    def _submit(self, key: tuple[str, str], call: Callable[[Any], object], argument: object) -> None:
        with self._lock:
            if self._closed or key in self._memo:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._max_workers, thread_name_prefix="index-prefetch")
            self._executor.submit(call, argument)  # the outcome stays in the memo for the real call

    # -- project pages ---------------------------------------------------------------------------

    def _find_project(self, name: str, view: Callable[[pages.Page, str, str], T], view_key: str = "") -> T | None:
        for index, shown in self._indexes:
            found = self._pages.page(index + name + "/", self._limit("page"))
            if found is not None:
                if self._learn_links is not None:  # the hosts a configured index links its files to
                    hosts = found.hosts if found.hosts is not None else link_hosts(found.page())
                    self._learn_links(index, hosts)
                if not view_key:
                    return view(found.page(), name, shown)
                return self._pages.view(found, view, view_key, name, shown)
        return None

    # -- metadata --------------------------------------------------------------------------------

    def _metadata_key(self, file: DistFile) -> str:
        if file.sha256:
            return f"meta:sha256:{file.sha256.lower()}"
        url = strip_credentials(urldefrag(file.url)[0])[0]
        return "meta:url:" + url + self._fetcher.auth_tag(url)

    def _metadata(self, file: DistFile, key: str) -> Metadata:
        cached = self._cached_json(key)
        if cached and cached.get("reader", 1) < SDIST_READER and (file.kind == "sdist" or "unavailable" in cached):
            cached = None
        if cached is not None and "unavailable" in cached:
            self._fetcher.count(cache_hits=1)
            make = coremeta.invalid if cached.get("invalid") else coremeta.unavailable
            raise make(file, str(cached["unavailable"]))
        if cached is not None:
            try:
                metadata = Metadata(
                    name=file.name,
                    version=Version(cached["version"]),
                    requires_dist=tuple(cached["requires_dist"]),
                    requires_python=cached["requires_python"],
                    provides_extras=tuple(cached["provides_extras"]),
                    source="sdist-pkg-info" if cached["source"] == "sdist" else cached["source"],
                )
            except (KeyError, TypeError, InvalidVersion):
                logger.warning("ignoring a corrupt cache entry for %s", file.filename)
            else:
                self._fetcher.count(cache_hits=1)
                return metadata
        answers: list[Mapping[str, str]] = []  # the headers of the answers the metadata came from
        now = time.time()
        try:
            metadata = self._read_metadata(file, answers)
        except MetadataUnavailable as error:
            reason = error.message.removeprefix(f"{file.filename}: ")
            entry = {"unavailable": reason, "invalid": isinstance(error, InvalidMetadata), "reader": SDIST_READER}
            self._store_metadata(key, entry, answers, now)
            raise
        value = {
            "version": str(metadata.version),
            "requires_dist": list(metadata.requires_dist),
            "requires_python": metadata.requires_python,
            "provides_extras": list(metadata.provides_extras),
            "source": metadata.source,
            "reader": SDIST_READER,
        }
        self._store_metadata(key, value, answers, now)
        return metadata

    def _store_metadata(self, key: str, value: dict[str, Any], answers: list[Mapping[str, str]], now: float) -> None:
        """Keyed by the file's hash: for good (that file never changes). Keyed by URL: while the
        answer it was read from is fresh; a stale one is read again (no validators are kept for it)."""
        ttl = None
        if not key.startswith("meta:sha256:"):
            fresh = freshness(answers[-1] if answers else {}, now)
            if not fresh.storable or fresh.expires <= now:
                return
            ttl = fresh.expires - now
        self.cache.set(key, json.dumps(value).encode(), ttl)

    def _read_metadata(self, file: DistFile, answers: list[Mapping[str, str]]) -> Metadata:
        not_static: MetadataUnavailable | None = None
        if file.metadata_hashes is not None:
            data = self._pep658(file, answers)
            if data is not None:
                try:
                    return coremeta.parse_metadata(data, file, "pep658")
                except MetadataUnavailable as error:
                    if file.kind != "sdist" or isinstance(error, InvalidMetadata):
                        raise
                    not_static = error.with_traceback(None)  # its archive may still declare them
        limit = self.limits.max_metadata_bytes
        if file.kind == "wheel":
            return coremeta.parse_metadata(
                coremeta.wheel_metadata(self._archive(file, answers), file, limit), file, "wheel"
            )
        is_zip = file.filename.endswith(".zip")
        try:
            archive = self._archive(file, answers, head=not is_zip)
        except IndexAccessError as error:
            if not_static is None:
                raise
            raise coremeta.unavailable(
                file,
                f"{not_static.message.removeprefix(file.filename + ': ')} "
                f"(and the sdist itself could not be read: {coremeta.why_unread(file, error)})",
            ) from None
        if not is_zip and isinstance(archive, RangeFile):  # a tar is read from its start, often not to its end
            archive = sdist.Ahead(archive)  # type: ignore[assignment]  # a RawIOBase: a binary file, not typing.IO
        return sdist.read_sdist(archive, file, limit)

    def _pep658(self, file: DistFile, answers: list[Mapping[str, str]]) -> bytes | None:
        url = urldefrag(file.url)[0] + ".metadata"
        response, final = self._fetcher.get(url, {}, *self._limit("metadata"))
        if response.status in (404, 410):
            logger.info("%s is announced but missing; reading the file instead", self._fetcher.shown(final))
            return None
        self._fetcher.expect(response, final, 200)
        answers.append(response.headers)
        hashes = file.metadata_hashes or {}
        name = "sha256" if "sha256" in hashes else next(iter(sorted(hashes)), None)
        if name is not None:
            actual = hashlib.new(name, response.body).hexdigest()
            if actual != hashes[name].lower():
                shown = self._fetcher.shown(final)
                raise IndexAccessError(
                    f"{shown} does not match its {name} hash on the index page (expected {hashes[name]}, got {actual})",
                    url=shown,
                )
        return response.body

    def _archive(self, file: DistFile, answers: list[Mapping[str, str]], *, head: bool = False) -> IO[bytes]:
        """The file as a seekable object: fetched by ranges when the server allows, else whole.

        The first range is the file's end (a zip's central directory), or its `head` for a tar.
        """
        url = urldefrag(file.url)[0]
        limit, limit_text = self._limit(file.kind)
        headers = {"Accept-Encoding": "identity"}  # ranges count bytes of the file as stored
        first = f"bytes=0-{TAIL_BYTES - 1}" if head else f"bytes=-{TAIL_BYTES}"
        response, final = self._fetcher.get(url, {**headers, "Range": first}, limit, limit_text)
        if response.status == 416:  # an empty file, or a server that dislikes suffix ranges
            response, final = self._fetcher.get(url, headers, limit, limit_text)
        answers.append(response.headers)
        if response.status == 206:
            match = _CONTENT_RANGE.fullmatch((response.header("content-range") or "").strip())
            if match is None or int(match[2]) - int(match[1]) + 1 != len(response.body):
                shown = self._fetcher.shown(final)
                raise IndexAccessError(f"{shown} answered a range request with a bad Content-Range", url=shown)
            size = int(match[3])
            budget = [limit - len(response.body)]

            def fetch(start: int, end: int) -> bytes:
                budget[0] -= end - start
                if budget[0] < 0:
                    shown = self._fetcher.shown(final)
                    raise IndexAccessError(f"{shown} is larger than {limit_text}", url=shown)
                return self._range(final, start, end, size)

            return RangeFile(size, fetch, seed=(int(match[1]), response.body))  # type: ignore[return-value]  # a RawIOBase, as Ahead
        self._fetcher.expect(response, final, 200)
        if file.sha256 and hashlib.sha256(response.body).hexdigest() != file.sha256.lower():
            shown = self._fetcher.shown(final)
            raise IndexAccessError(f"{shown} does not match its sha256 hash on the index page", url=shown)
        return io.BytesIO(response.body)

    def _range(self, url: str, start: int, end: int, size: int) -> bytes:
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={start}-{end - 1}"}
        asked = end - start
        response, final = self._fetcher.get(url, headers, asked, f"the {asked} bytes asked for: the range was ignored")
        if response.status == 206:
            match = _CONTENT_RANGE.fullmatch((response.header("content-range") or "").strip())
            if match and int(match[1]) == start and len(response.body) == end - start:
                return response.body
        shown = self._fetcher.shown(final)
        raise IndexAccessError(f"{shown} answered a range request wrongly (HTTP {response.status})", url=shown)

    def _limit(self, what: str) -> tuple[int, str]:
        """The size limit for a kind of response, and how errors name it."""
        size = {
            "page": self.limits.max_page_bytes,
            "metadata": self.limits.max_metadata_bytes,
        }.get(what, self.limits.max_wheel_bytes)
        return size, f"the {what} size limit ({size} bytes)"

    # -- cache helpers -------------------------------------------------------------------------------

    def _cached_json(self, key: str) -> dict[str, Any] | None:
        data = self.cache.get(key)
        if data is None:
            return None
        try:
            value = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        return value if isinstance(value, dict) else None
