"""Stored answers: a whole run's report, kept in the index cache beside the pages it rests on, and
given again while every one of those pages is fresh and unchanged.

A resolution is a function of the question (the files, the target, the options, the engine's own
code) and of what the index said. While each page a run read is still fresh under HTTP's rules
and holds the same digest in the cache, a new run would read the very same pages, hence the same
files and hashes, hence the same metadata (kept by file hash): it would reach the same answer.
Giving the stored one back costs an interpreter's start-up and a few file reads instead of a
resolution, which is what a warm command line should cost (uv answers a warm run in tens of ms).

Only the caller knows whether an answer is settled (no limit reached, no time budget cut an
analysis short, no index error): it stores only those. The client says what it read
(`IndexClient.footing`), and says nothing when some of it cannot be checked later (metadata
read by URL, a page the index forbids storing): then nothing is stored either. A page that is
unchanged in the cache but stale is asked of the index again, with its validators, before the
answer is given (`Answer.stale`): a 304 for each, and the answer holds.

Imports stay at the standard library's `json` and `hashlib`: a replay must not load the engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

from resolver.index import pageentry

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, as in `resolver.cli`
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from resolver.index.cache import Cache

FORMAT = 1  # bumped when what is stored changes meaning
KEEP = 7 * 24 * 3600.0  # an answer outlives its pages' freshness: a run after a 304 stores it again
_PREFIX = "answer:"
_ENGINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def question_key(question: Mapping[str, object]) -> str:
    """The key of an answer: a digest of the question and of the engine that answers it.

    The engine is its source files (path, size, modification time), the interpreter's version
    and the site-packages directories' modification times (installing or removing a package
    changes them): an edited engine or an upgraded dependency never gets an older answer.
    """
    text = json.dumps([FORMAT, _engine(), question], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


class Answer:
    """A report, the page entries it rests on (key -> digest, "" for a project the index does not
    have) and the exit code the command line gave with it (kept so that giving it back does not
    import the report's module to compute it again). The report is a plain dict here: this layer
    stores it, the command line knows it as a `Report`."""

    def __init__(self, report: Any, footing: Mapping[str, str], exit_code: int) -> None:
        self.report, self.footing, self.exit_code = report, footing, exit_code
        # Given by `replay`: the pages held unchanged but no longer fresh. The answer holds if the
        # index says each is still the same (a 304, or the same page again): `IndexClient.unchanged`.
        self.stale: dict[str, str] = {}


def store(cache: Cache, key: str, answer: Answer) -> None:
    record = {"footing": answer.footing, "report": answer.report, "exit_code": answer.exit_code}
    cache.set(_PREFIX + key, json.dumps(record).encode(), KEEP)


def replay(cache: Cache, key: str, now: float | None = None) -> Answer | None:
    """The answer stored for `key`; None when there is none, or when one of the pages it rests on
    is missing from the cache or changed. Pages that are unchanged but stale are listed in the
    answer's `stale`: it holds only once the index has said they are still the same."""
    data = cache.get(_PREFIX + key)
    if data is None:
        return None
    try:
        record = json.loads(data)
        footing, report, code = record["footing"], record["report"], record["exit_code"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(footing, dict) or not isinstance(report, dict) or not isinstance(code, int):
        return None
    now = time.time() if now is None else now
    answer = Answer(report, footing, code)
    for page_key, digest in footing.items():
        state = _state(cache, page_key, digest, now)
        if state is None:
            return None
        if state == "stale":
            answer.stale[page_key] = digest
    return answer


def _state(cache: Cache, key: str, digest: object, now: float) -> str | None:
    """ "fresh" or "stale" for an entry that holds the same page (or the same absence); else None."""
    data = cache.get(key)
    split = pageentry.split(data) if data is not None else None
    if split is None:
        return None
    head, has_page, _ = split
    if has_page != bool(digest) or (head.get("digest") or "") != digest:
        return None
    return "fresh" if now < pageentry.expiry(head) else "stale"


def _engine() -> list[object]:
    sources = []
    for folder, folders, names in os.walk(_ENGINE):
        folders[:] = sorted(f for f in folders if not f.startswith((".", "__")))
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                sources.append([os.path.relpath(os.path.join(folder, name), _ENGINE), stat.st_size, stat.st_mtime_ns])
    installed = [os.stat(path).st_mtime_ns for path in sys.path if path.endswith("-packages") and os.path.isdir(path)]
    return [sys.version, sources, installed]
