"""Project pages in the cache, and views of them, laid out so that a warm run reads neither whole.

A warm resolution needs, of each page, only the few files its target can use; sorting every file
of every page for the target again on each run was most of the time of a warm run. So a caller
may hand `IndexClient.project_view` a view that can be stored (`StoredView`): the client keeps
its result beside the page, under the page's cache key, the view's key and the page's digest.
A page that changes has another digest, so a view of an older page is never read for a newer one;
a page answered by a 304 keeps its digest, and with it its views. The HTTP rules (`cache`) apply
to the page entry alone: a view is only reached through a page entry that is fresh or revalidated.

A page entry's layout is `pageentry`'s. Each client also remembers which page entries (and
digests) its answers rest on, for `answers` to store a whole run's answer beside them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from resolver.errors import IndexAccessError
from resolver.index import pageentry, pages
from resolver.index.cache import PAGE_KEEP, Cache, freshness
from resolver.index.fetch import Fetcher
from resolver.index.pageentry import expiry, kept_headers, link_hosts

T = TypeVar("T")


@runtime_checkable
class StoredView(Protocol[T]):
    """A view of a page (`view(page, name, index URL to show)`) that can be kept in the cache.

    `decode` raises ValueError (or KeyError, TypeError) for an entry it cannot read: the view
    is then computed from the page again.
    """

    def __call__(self, page: pages.Page, name: str, index_url: str) -> T: ...

    def encode(self, view: T) -> bytes: ...

    def decode(self, data: bytes, name: str, index_url: str) -> T: ...


@dataclass
class StoredPage:
    """A page the index has, as the cache holds it: its page is decoded only when asked for."""

    key: str
    digest: str | None  # of the stored page; None for an entry without one (then no view is kept)
    hosts: list[str] | None  # the hosts its files link to, when the entry says
    load: Callable[[], pages.Page]

    def page(self) -> pages.Page:
        return self.load()


class PageCache:
    """Reads project pages through the cache, revalidating a stale one with its validators."""

    def __init__(self, cache: Cache, fetcher: Fetcher) -> None:
        self.cache = cache
        self._fetcher = fetcher
        self._settled: set[str] = set()  # page keys fetched or revalidated by this client: not asked again
        # The page entries this client's answers rest on: key -> the page's digest (None: the index
        # has no such project). `checkable` turns False once an answer rests on a page that the
        # cache does not hold as it was read (not storable, or an entry without a digest).
        self.read: dict[str, str | None] = {}
        self.checkable = True

    def page(self, url: str, limit: tuple[int, str]) -> StoredPage | None:
        """The page at `url`, or None when the index has no such project."""
        key = "page:" + url + self._fetcher.auth_tag(url)
        data = self.cache.get(key)
        split = pageentry.split(data) if data is not None else None
        if split is not None:
            head, has_page, load = split
            if time.time() < expiry(head) or key in self._settled:
                self._fetcher.count(cache_hits=1)
                self._rests_on(key, head.get("digest"), has_page)
                return self._stored(key, url, limit, head, load) if has_page else None
        return self._fetch(key, url, limit, data, split)

    def _rests_on(self, key: str, digest: object, has_page: bool) -> None:
        if not has_page:
            self.read[key] = None
        elif isinstance(digest, str):
            self.read[key] = digest
        else:
            self.checkable = False

    def _fetch(
        self,
        key: str,
        url: str,
        limit: tuple[int, str],
        data: bytes | None = None,
        split: tuple[dict[str, Any], bool, Callable[[], Any]] | None = None,
    ) -> StoredPage | None:
        """Ask the index, with the validators of the stored entry (`data`, read as `split`) if any."""
        now = time.time()
        kept = split[0].get("headers") if split is not None and split[1] else None
        validators = freshness(kept, now).validators if isinstance(kept, dict) else {}
        response, final = self._fetcher.get(url, {"Accept": pages.ACCEPT, **validators}, *limit)
        if response.status == 304 and validators and split is not None and data is not None:
            self._fetcher.count(cache_hits=1)
            self._revalidated(key, data, split[0], response.headers, now)
            self._settled.add(key)
            self._rests_on(key, split[0].get("digest"), split[1])
            return self._stored(key, url, limit, split[0], split[2])
        if response.status in (404, 410):
            self._store(key, response.headers, now, None)
            return None
        self._fetcher.expect(response, final, 200)
        try:
            page = pages.parse_page(response.body, response.header("content-type"), final)
        except pages.PageError as error:
            shown = self._fetcher.shown(final)
            raise IndexAccessError(f"{shown} returned a malformed page: {error}", url=shown) from None
        headers = response.headers
        del response  # a large page's body, its parsed form and their cache copy need not all be held at once
        digest, hosts = self._store(key, headers, now, page)
        return StoredPage(key, digest, hosts, lambda: page)

    def _stored(
        self, key: str, url: str, limit: tuple[int, str], head: dict[str, Any], load: Callable[[], Any]
    ) -> StoredPage:
        """The stored page; one whose page turns out damaged is fetched again, whole."""
        digest, hosts = head.get("digest"), head.get("hosts")
        found = StoredPage(
            key, digest if isinstance(digest, str) else None, hosts if isinstance(hosts, list) else None, load
        )

        def page() -> pages.Page:
            try:
                value = load()
            except (UnicodeDecodeError, json.JSONDecodeError):
                value = None
            if isinstance(value, dict) and isinstance(value.get("files"), list):
                return value
            fetched = self._fetch(key, url, limit)
            if fetched is None:
                raise IndexAccessError(f"{self._fetcher.shown(url)} no longer has this project", url=url)
            found.digest = fetched.digest
            return fetched.page()

        found.load = page
        return found

    def _store(
        self, key: str, headers: Mapping[str, str], now: float, page: pages.Page | None
    ) -> tuple[str | None, list[str]]:
        """Keep a page (None: the index has no such project) as long as HTTP lets it be reused.

        This client reuses it whatever its lifetime (unless no-store): one resolution reads one
        state of the index, as pip's does, and a page read under two views is fetched once.
        """
        fresh = freshness(headers, now)
        if not fresh.storable:
            self.checkable = False
            return None, link_hosts(page) if page is not None else []
        data, digest, hosts = pageentry.entry(fresh.expires, headers, page)
        self.cache.set(key, data, fresh.keep_for(now))
        self._settled.add(key)
        self._rests_on(key, digest, page is not None)
        return digest, hosts

    def _revalidated(self, key: str, data: bytes, head: dict[str, Any], headers: Mapping[str, str], now: float) -> None:
        """Apply a 304's headers to the stored entry; rewrite it only when that buys something.

        A page revalidated on every use (no-cache, or no lifetime given) would otherwise be
        serialised and written again on every run, for nothing: its entry did not change.
        """
        merged = {**head["headers"], **kept_headers(headers)}
        fresh = freshness({**merged, "date": headers.get("date", ""), "age": headers.get("age", "")}, now)
        if fresh.storable and (fresh.expires > now or merged != head["headers"]):
            page = json.loads(data)["page"]  # the rare rewrite decodes the page: it is written back unchanged
            self.cache.set(key, pageentry.entry(fresh.expires, merged, page)[0], fresh.keep_for(now))

    # -- views ---------------------------------------------------------------------------------------

    def view(
        self, found: StoredPage, view: Callable[[pages.Page, str, str], T], view_key: str, name: str, shown: str
    ) -> T:
        """`view(page, name, shown)`, from the cache when the view is storable and stored for this page."""
        stored = view if isinstance(view, StoredView) else None
        if stored is not None and found.digest is not None:
            data = self.cache.get(f"view:{view_key}:{found.key}:{found.digest}")
            if data is not None:
                try:
                    return stored.decode(data, name, shown)  # type: ignore[no-any-return]  # the view's own type
                except (ValueError, KeyError, TypeError, IndexError):
                    pass  # a damaged or older entry: computed again below
        result = view(found.page(), name, shown)  # which may fetch a damaged page again: another digest
        if stored is not None and found.digest is not None:
            self.cache.set(f"view:{view_key}:{found.key}:{found.digest}", stored.encode(result), PAGE_KEEP)
        return result
