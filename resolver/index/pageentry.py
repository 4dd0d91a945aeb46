"""How a project page is laid out in the cache: its head (expiry, kept headers, digest, the hosts
its files link to) first, then the page, so that the head is read without decoding the page.

Apart from `pagecache` so that a stored answer (`answers`) can check the pages it rests on
with nothing but `json` imported: a warm command line that replays an answer must not pay for
importing the parsers and the network code it will not use.
"""

from __future__ import annotations

import hashlib
import json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, as in `resolver.cli`
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

PAGE_FIELD = b',"page":'
_HEAD_START = b'{"expires":'
# What an entry keeps of its answer's headers, to send validators and to apply a 304's updates.
KEPT_HEADERS = ("cache-control", "expires", "pragma", "etag", "last-modified")


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if headers.get(name)}


def link_hosts(page: Mapping[str, Any]) -> list[str]:
    return sorted({e["url"].split("/", 3)[2] for e in page["files"] if "://" in e["url"]})


def entry(
    expires: float, headers: Mapping[str, str], page: Mapping[str, Any] | None
) -> tuple[bytes, str | None, list[str]]:
    """A page entry's bytes, its page last; the page's digest and the hosts it links to."""
    if page is None:
        head = {"expires": expires, "headers": kept_headers(headers), "digest": None, "hosts": []}
        return json.dumps({**head, "page": None}, separators=(",", ":")).encode(), None, []
    body = json.dumps(page, separators=(",", ":")).encode()
    digest, hosts = hashlib.sha256(body).hexdigest(), link_hosts(page)
    head = {"expires": expires, "headers": kept_headers(headers), "digest": digest, "hosts": hosts}
    return json.dumps(head, separators=(",", ":")).encode()[:-1] + PAGE_FIELD + body + b"}", digest, hosts


def split(data: bytes) -> tuple[dict[str, Any], bool, Callable[[], Any]] | None:
    """(head, whether a page is stored, how to decode it) of a page entry; None if unreadable.

    In compact JSON a string holds `"` only escaped, so the first `,"page":` is the top level's.
    An entry written otherwise (by an earlier version, or by hand) is decoded whole, and its
    digest dropped: it is not known to belong to this page.
    """
    at = data.find(PAGE_FIELD) if data.startswith(_HEAD_START) else -1
    if at > 0 and data.endswith(b"}"):
        try:
            head = json.loads(data[:at] + b"}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            head = None
        if isinstance(head, dict):
            has_page = data[at + len(PAGE_FIELD) : -1] != b"null"
            return head, has_page, lambda: json.loads(data[at + len(PAGE_FIELD) : -1])
    try:
        whole = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(whole, dict):
        return None
    page = whole.pop("page", None)
    whole.pop("digest", None)
    return whole, page is not None, lambda: page


def expiry(head: Mapping[str, object]) -> float:
    """A stored entry's `expires`; one missing or damaged there is stale, not an error."""
    try:
        return float(head.get("expires"))  # type: ignore[arg-type]  # whatever is stored: a bad value is caught below
    except (TypeError, ValueError):
        return 0.0
