"""Caches for the index client: bytes under string keys, with an optional time to live.

Anything with `get(key) -> bytes | None` and `set(key, value, ttl)` will do (a Redis or Django
cache adapter can be added behind the same protocol). A cache is an optimisation: a failing one
loses entries, never answers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/conflict-explorer`, else `~/.cache/conflict-explorer`, as pip and uv do."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conflict-explorer"


class Cache(Protocol):
    def get(self, key: str) -> bytes | None:
        """The value stored under `key`, or None if absent or expired."""
        ...

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store `value` under `key` for `ttl` seconds (None: until evicted)."""
        ...


class MemoryCache:
    """A dict in this process, safe to share between threads."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[bytes, float | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, expires = item
            if expires is not None and time.monotonic() >= expires:
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        expires = None if ttl is None else time.monotonic() + ttl
        with self._lock:
            self._items[key] = (value, expires)

    def __len__(self) -> int:
        return len(self._items)


_MAGIC = b"conflict-explorer-cache 1\n"


class DirectoryCache:
    """Files in a directory (e.g. `~/.cache/conflict-explorer`), one per key, named by its hash.

    Several processes may share it: each write goes to a temporary file that replaces the entry
    atomically, so a reader sees the old value or the new one, never half of one. A file holds a
    header line, its expiry time (Unix seconds, or '-' for none) and then the value.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    def _file(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.path / digest[:2] / digest

    def get(self, key: str) -> bytes | None:
        file = self._file(key)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            logger.warning("cannot read cache entry %s: %s", file, error)
            return None
        if not data.startswith(_MAGIC):
            return None
        expires, sep, value = data[len(_MAGIC) :].partition(b"\n")
        if not sep:
            return None
        if expires != b"-":
            try:
                expired = time.time() >= float(expires)
            except ValueError:
                return None
            if expired:
                file.unlink(missing_ok=True)
                return None
        return value

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        file = self._file(key)
        expires = b"-" if ttl is None else repr(time.time() + ttl).encode()
        import tempfile  # with shutil and the compressors: not worth importing for a run that only reads

        try:
            file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(_MAGIC + expires + b"\n" + value)
                os.replace(temporary, file)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            logger.warning("cannot write cache entry %s: %s", file, error)
