"""A read-only file over a remote one, fetched by byte ranges as `zipfile` asks for them.

`zipfile` reads the end of the archive (the central directory), then seeks to the one member it
is told to read: with this file under it, only those parts travel. Wheels are zip files, so their
`METADATA` costs two or three small requests instead of the whole wheel.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Callable

MIN_FETCH = 16 * 1024  # smaller reads are widened to this, so zipfile's many tiny reads cost one request


class RangeFile(io.RawIOBase):
    """A seekable file of `size` bytes whose content comes from `fetch(start, end)` (end exclusive).

    `fetch` must return exactly `end - start` bytes. Each byte is fetched at most once; `seed`
    gives bytes already at hand (e.g. the tail that told us the size) as `(start, data)`.
    """

    def __init__(
        self,
        size: int,
        fetch: Callable[[int, int], bytes],
        *,
        seed: tuple[int, bytes] | None = None,
    ) -> None:
        super().__init__()
        self._size = size
        self._fetch = fetch
        self._pos = 0
        self._starts: list[int] = []  # sorted, non-overlapping, non-adjacent segments
        self._chunks: list[bytes] = []
        if seed is not None and seed[1]:
            self._add(*seed)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._pos = base + offset
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        start = min(self._pos, self._size)
        end = self._size if size is None or size < 0 else min(self._size, start + size)
        if end <= start:
            return b""
        self._ensure(start, end)
        index = bisect.bisect_right(self._starts, start) - 1
        offset = start - self._starts[index]
        self._pos = end
        return self._chunks[index][offset : offset + end - start]

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type is wider than what we take
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _ensure(self, start: int, end: int) -> None:
        """Fetch the parts of [start, end) not held yet, each widened to MIN_FETCH where free."""
        cursor = start
        gaps: list[tuple[int, int]] = []
        index = max(0, bisect.bisect_right(self._starts, cursor) - 1)
        while cursor < end:
            held = self._span(index)
            if held is not None and held[1] <= cursor:
                index += 1
                continue
            if held is not None and held[0] <= cursor:
                cursor = held[1]
                index += 1
                continue
            limit = self._size if held is None else held[0]
            gap_end = min(max(end, cursor + MIN_FETCH), limit)
            gaps.append((cursor, gap_end))
            cursor = gap_end
        for gap_start, gap_end in gaps:
            data = self._fetch(gap_start, gap_end)
            if len(data) != gap_end - gap_start:
                raise OSError(f"asked for {gap_end - gap_start} bytes at {gap_start}, got {len(data)}")
            self._add(gap_start, data)

    def _span(self, index: int) -> tuple[int, int] | None:
        if 0 <= index < len(self._starts):
            return self._starts[index], self._starts[index] + len(self._chunks[index])
        return None

    def _add(self, start: int, data: bytes) -> None:
        index = bisect.bisect_left(self._starts, start)
        self._starts.insert(index, start)
        self._chunks.insert(index, data)
        # Merge with touching neighbours, so any held range is one slice of one chunk.
        if index + 1 < len(self._starts) and start + len(data) >= self._starts[index + 1]:
            self._merge(index)
        if index > 0 and self._starts[index - 1] + len(self._chunks[index - 1]) >= start:
            self._merge(index - 1)

    def _merge(self, index: int) -> None:
        first, second = self._starts[index], self._starts[index + 1]
        left, right = self._chunks[index], self._chunks[index + 1]
        keep = first + len(left) - second  # overlap, if any
        self._chunks[index] = left + right[keep:] if keep < len(right) else left
        del self._starts[index + 1]
        del self._chunks[index + 1]
