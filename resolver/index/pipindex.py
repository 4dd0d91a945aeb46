"""The index pip itself would use on this machine, asked of pip at run time.

No index host is written in this code: pip's configuration (files, PIP_* variables) names it, else
pip's own default. pip is asked in a child process with a time limit, so a broken or slow pip
installation costs at most that, and pip's internals are never imported into the app.
Whether an index answers is a HEAD request (no body to read: an index's root page can be large)
with a short timeout, or for a file:// index whether its directory exists: pip configurations
often list mirrors that are absent.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

# Prints {"index": ..., "extra": [...]}: pip's configured index-url (or its default) and extra-index-urls.
_ASK = """
import base64
import json
from pip._internal.configuration import Configuration
from pip._internal.models.index import PyPI
config = Configuration(isolated=False)
config.load()
found = {}
for name in ("index-url", "extra-index-url"):
    for section in (":env:", "install", "global"):
        try:
            found[name] = config.get_value(section + "." + name)
            break
        except Exception:
            pass
print(json.dumps({"index": found.get("index-url") or PyPI.simple_url,
                  "extra": (found.get("extra-index-url") or "").split()}))
"""


def pip_index_urls(python: str | None = None, timeout: float = 5.0) -> list[str]:
    """pip's index URL then its extra index URLs; [] when pip cannot say within `timeout`."""
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")}
    try:
        done = subprocess.run(
            [python or sys.executable, "-c", _ASK],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        found = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []
    urls = [found.get("index") or "", *found.get("extra", [])]
    return [url if url.endswith("/") else url + "/" for url in urls if isinstance(url, str) and url]


def answers(url: str, timeout: float = 2.0, ca_bundle: str | None = None) -> bool:
    """Whether the index is there: an HTTP answer to a HEAD of its root (a 501 for HEAD is still an
    answer; a gateway's 502/503/504 is not), or for file:// a directory."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(url2pathname(parts.path)).is_dir()
    if parts.scheme not in ("http", "https"):
        return False
    headers = {"Accept": "text/html"}
    if parts.username is not None:  # urllib takes no credentials in the URL: send them as pip would
        token = base64.b64encode(f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
        url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    request = urllib.request.Request(url, method="HEAD", headers=headers)
    context = None
    if ca_bundle and parts.scheme == "https":
        import ssl

        context = ssl.create_default_context(cafile=ca_bundle)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context):
            return True
    except urllib.error.HTTPError as error:  # it answered; only a gateway's failure means it is not there
        return error.code not in (502, 503, 504)
    except (OSError, ValueError):
        return False
