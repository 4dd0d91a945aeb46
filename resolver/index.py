"""The index client: the only module of the engine that does I/O.

STUB: the interface below is the contract; the implementation is being written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from resolver.dists import DistFile, Metadata, Project


@dataclass(frozen=True)
class IndexLimits:
    timeout: float = 15.0  # seconds per request (connect and read)
    max_page_bytes: int = 20 * 1024 * 1024
    max_metadata_bytes: int = 2 * 1024 * 1024
    max_wheel_bytes: int = 50 * 1024 * 1024  # whole-wheel fallback when ranges are not served
    retries: int = 2  # on 5xx and timeouts, with backoff
    max_requests: int = 5000  # per client; LimitReached past it
    page_ttl: float = 600.0  # seconds a cached project page is used without revalidation


@dataclass
class IndexStats:
    requests: int = 0
    cache_hits: int = 0
    bytes: int = 0


class IndexClient:
    """Reads projects and metadata from one or more PEP 503/691 indexes (http(s) or file://).

    A project is taken from the first index that has it (no merging: that is how dependency
    confusion happens). `allow_url(url) -> bool` vets every URL before it is fetched.
    """

    def __init__(
        self,
        index_urls: list[str],
        *,
        cache: object | None = None,
        limits: IndexLimits | None = None,
        allow_url: Callable[[str], bool] | None = None,
        max_workers: int = 8,
    ) -> None:
        raise NotImplementedError

    stats: IndexStats

    def project(self, name: str) -> Project | None:
        """The project page from the first index that has it, or None if no index has it."""
        raise NotImplementedError

    def metadata(self, file: DistFile) -> Metadata:
        """Core metadata of one file: PEP 658 file, else wheel METADATA, else static sdist PKG-INFO."""
        raise NotImplementedError

    def prefetch_projects(self, names: Iterable[str]) -> None:
        """Fetch these pages concurrently into the cache; errors surface on the later real call."""
        raise NotImplementedError

    def prefetch_metadata(self, files: Iterable[DistFile]) -> None:
        """Fetch these files' metadata concurrently into the cache."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
