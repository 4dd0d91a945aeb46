"""Run Graphviz on the DOT text of `resolver.output.dot` and return an SVG fit to inline in a page.

Which program draws: `settings.GRAPHVIZ_DOT` when set (a path, or a name looked up on PATH),
else Graphviz's `dot` on PATH (Debian's `graphviz` package), else `graphviz-pure` from this
virtualenv (a pure-Rust port of the dot command line, installed by requirements.txt, so the app
draws graphs even where Graphviz is not installed). `dot` comes first because it is faster on
big graphs; both take the same flags and give the same SVG structure (ids, classes, links).

The program runs without a shell, reads the DOT on stdin, and is killed, with everything it
started, after `GRAPHVIZ_TIMEOUT` seconds or once it has written `GRAPHVIZ_MAX_BYTES`; every
failure is a `GraphvizError` whose message is safe to show (it never quotes the graph).

Reports are immutable, so an SVG can be cached for ever: it is kept in Django's cache
(`GRAPHVIZ_CACHE`, default "default") under the SHA-256 of the DOT text and the renderer.
Django's cache rather than files because it is what the deployment already sizes and shares
(in-process LocMem by default, Redis or Memcached in production, both evicting the least
recently used entry), so there is no second store to clean up; a miss only costs a render.
Entries are zlib-compressed (level 3: about 40 ms for a 1,000-node drawing), which shrinks its
3 MB to about 550 KB of a LocMem cache's memory and fits Memcached's 1 MB item limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import zlib
from pathlib import Path

from django.conf import settings
from django.core.cache import caches

DEFAULT_TIMEOUT = 10.0  # seconds
DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # a 1,000-node drawing is about 4 MB
CACHE_VERSION = 3  # bump when the post-processing below or the stored form changes


class GraphvizError(Exception):
    """The graph could not be drawn; the message says why and is safe to show to users."""

    code = "graphviz-error"


class RendererNotFound(GraphvizError):
    code = "graphviz-not-found"


class RenderTimeout(GraphvizError):
    code = "graphviz-timeout"


class RenderTooLarge(GraphvizError):
    code = "graphviz-too-large"


class RenderFailed(GraphvizError):
    """Graphviz exited with an error; its stderr is kept on `.stderr` for logs, not the message."""

    code = "graphviz-failed"

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message, stderr)
        self.stderr = stderr

    def __str__(self) -> str:
        return str(self.args[0])


def find_renderer() -> str:
    """The executable to run: `GRAPHVIZ_DOT`, else `dot` on PATH, else this venv's `graphviz-pure`."""
    configured = getattr(settings, "GRAPHVIZ_DOT", None)
    if configured:
        found = shutil.which(str(configured))
        if found is None:
            raise RendererNotFound(f"GRAPHVIZ_DOT is set to {str(configured)!r}, which is not an executable")
        return found
    found = shutil.which("dot")
    if found:
        return found
    # The venv's bin directory is not always on PATH (a service started with .venv/bin/python).
    beside = Path(sys.executable).parent / ("graphviz-pure.exe" if os.name == "nt" else "graphviz-pure")
    found = shutil.which("graphviz-pure") or (str(beside) if beside.is_file() else None)
    if found:
        return found
    raise RendererNotFound(
        "no Graphviz found: install Graphviz (the `dot` program), or graphviz-pure into the "
        "virtualenv, or set GRAPHVIZ_DOT"
    )


def run_graphviz(dot_source: str, executable: str, *, timeout: float, max_bytes: int) -> bytes:
    """Run `executable -Tsvg` on `dot_source`; the raw SVG bytes, or a `GraphvizError`."""
    data = dot_source.encode("utf-8", "replace")
    try:
        proc = subprocess.Popen(
            [executable, "-Tsvg"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",  # so a kill reaches whatever it started
        )
    except OSError as error:
        raise RendererNotFound(f"cannot run {Path(executable).name}: {error.strerror or error}") from error
    stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr  # three pipes, buffered (so read1 exists)
    assert stdin is not None and isinstance(stdout, io.BufferedReader) and isinstance(stderr, io.BufferedReader)
    out = bytearray()
    err = bytearray()
    too_large = threading.Event()

    def kill() -> None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass

    def feed() -> None:
        try:
            stdin.write(data)
        except (BrokenPipeError, OSError):
            pass  # it died or was killed; its exit status says why
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def drain_stdout() -> None:
        while chunk := stdout.read1(65536):
            if len(out) + len(chunk) > max_bytes:
                too_large.set()
                kill()
                return
            out.extend(chunk)

    def drain_stderr() -> None:
        while chunk := stderr.read1(65536):
            if len(err) < 65536:  # keep the start; warnings can be long
                err.extend(chunk[: 65536 - len(err)])

    threads = [threading.Thread(target=f, daemon=True) for f in (feed, drain_stdout, drain_stderr)]
    for thread in threads:
        thread.start()
    name = Path(executable).name
    try:
        returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill()
        proc.wait()
        raise RenderTimeout(f"{name} took longer than {timeout:g} s to draw the graph") from None
    finally:
        for thread in threads:
            thread.join(timeout=2)
        for pipe in (stdin, stdout, stderr):
            with contextlib.suppress(OSError):
                pipe.close()
    if too_large.is_set():
        raise RenderTooLarge(f"the drawing is larger than {max_bytes // (1024 * 1024)} MB")
    if returncode != 0:
        raise RenderFailed(f"{name} failed (exit status {returncode})", err.decode("utf-8", "replace"))
    if not out.strip():
        raise RenderFailed(f"{name} wrote no drawing", err.decode("utf-8", "replace"))
    return bytes(out)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_GRAPH_TITLE = re.compile(r"<title>dependencies</title>\s*")


def inline_svg(svg: str, *, title: str = "Dependency graph") -> str:
    """The SVG as an element to put in HTML: no XML prolog, DOCTYPE or comments, and a name.

    The name is an `aria-label` and a `<title>` (which browsers also show on hover); the role is
    `graphics-document`, not `img`, because `img` would hide the links inside from assistive tech.
    """
    start = svg.find("<svg")
    if start < 0:
        raise RenderFailed("the renderer wrote no <svg> element")
    svg = _COMMENT.sub("", svg[start:])
    svg = _GRAPH_TITLE.sub("", svg, count=1)  # the DOT graph's own name, not a useful title
    # SVG 2's plain `href` makes each node link focusable by keyboard in today's browsers.
    svg = svg.replace("<a xlink:href=", "<a href=")
    label = html.escape(title, quote=True)
    head_end = svg.index(">") + 1
    head = svg[: head_end - 1].rstrip("/")
    svg = (
        f'{head} role="graphics-document" aria-label="{label}" class="dependency-graph">'
        f"<title>{label}</title>" + svg[head_end:]
    )
    return svg.strip() + "\n"


def cache_key(dot_source: str, *, executable: str, title: str) -> str:
    """The cache key of a drawing: the renderer's name, the title and the DOT text, hashed."""
    digest = hashlib.sha256(f"{Path(executable).name}\0{title}\0{dot_source}".encode("utf-8", "replace"))
    return f"graphsvg:{CACHE_VERSION}:{digest.hexdigest()}"


def render_svg(dot_source: str, *, title: str = "Dependency graph") -> str:
    """The SVG drawing of `dot_source`, ready to inline; cached for ever by the text's hash.

    Settings (all optional): `GRAPHVIZ_DOT` (the program), `GRAPHVIZ_TIMEOUT` (seconds, 10),
    `GRAPHVIZ_MAX_BYTES` (32 MB), `GRAPHVIZ_CACHE` (a cache alias, "default"; None: no cache).
    Raises `GraphvizError` (or a subclass) when no SVG can be made.
    """
    executable = find_renderer()
    alias = getattr(settings, "GRAPHVIZ_CACHE", "default")
    key = cache_key(dot_source, executable=executable, title=title)
    cache = caches[alias] if alias else None
    if cache is not None:
        cached = cache.get(key)
        if isinstance(cached, bytes):
            try:
                return zlib.decompress(cached).decode("utf-8")
            except (zlib.error, UnicodeDecodeError):
                pass  # a damaged entry: draw again
    raw = run_graphviz(
        dot_source,
        executable,
        timeout=float(getattr(settings, "GRAPHVIZ_TIMEOUT", DEFAULT_TIMEOUT)),
        max_bytes=int(getattr(settings, "GRAPHVIZ_MAX_BYTES", DEFAULT_MAX_BYTES)),
    )
    svg = inline_svg(raw.decode("utf-8", "replace"), title=title)
    if cache is not None:
        cache.set(key, zlib.compress(svg.encode("utf-8"), 3), timeout=None)
    return svg
