"""The on-disk cache the command line keeps between runs, as pip and uv keep theirs.

Apart from the HTTP rules (`cache`) and written with `os` alone because a warm command line that
gives back a stored answer (`answers`) reads it before anything else is imported: `pathlib` and
`logging` are loaded only on the paths that need them.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

_MAGIC = b"conflict-explorer-cache 1\n"
_WRITES = itertools.count()  # next() on it is atomic under the GIL: threads never share a name


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/conflict-explorer`, else `~/.cache/conflict-explorer`, as pip and uv do."""
    from pathlib import Path

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conflict-explorer"


class DirectoryCache:
    """Files in a directory (e.g. `~/.cache/conflict-explorer`), one per key, named by its hash.

    Several processes may share it: each write goes to a temporary file that replaces the entry
    atomically, so a reader sees the old value or the new one, never half of one. A file holds a
    header line, its expiry time (Unix seconds, or '-' for none) and then the value.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.path.expanduser(os.fspath(path))
        self._folders: set[str] = set()  # made (or found) by this object: not asked for again

    def _file(self, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return os.path.join(self.path, digest[:2], digest)

    def get(self, key: str) -> bytes | None:
        file = self._file(key)
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            _warn("cannot read cache entry %s: %s", file, error)
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
                _remove(file)
                return None
        return value

    def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        file = self._file(key)
        folder = os.path.dirname(file)
        expires = b"-" if ttl is None else repr(time.time() + ttl).encode()
        # A name no other living writer uses (this process, this write; a dead one's leftover is
        # overwritten): `tempfile`
        # would pick a random name and retry, which cost a cold run more than writing the entries.
        temporary = os.path.join(folder, f".tmp-{os.getpid()}-{next(_WRITES)}")
        try:
            if folder not in self._folders:
                os.makedirs(folder, mode=0o700, exist_ok=True)
                self._folders.add(folder)
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                with open(handle, "wb") as out:
                    out.write(_MAGIC + expires + b"\n" + value)
                os.replace(temporary, file)
            except BaseException:
                _remove(temporary)
                raise
        except OSError as error:
            self._folders.discard(folder)  # removed under us, perhaps: made again next time
            _warn("cannot write cache entry %s: %s", file, error)


def _remove(file: str) -> None:
    try:
        os.unlink(file)
    except FileNotFoundError:
        return  # another process removed it first


def _warn(message: str, *arguments: object) -> None:
    """A cache is an optimisation: its failures are logged, never raised."""
    import logging

    logging.getLogger(__name__).warning(message, *arguments)
