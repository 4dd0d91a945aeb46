"""The command line over the engine, shared by `manage.py resolve` and any other entry point.

Framework-free: the Django management command passes the defaults from settings and writes to
its own streams; the logic of reading files, choosing the cache and exiting lives here.

`main` is the fast path `manage.py` takes for `resolve`: setting Django up (apps, URL
configuration, system checks, the API's schemas) cost about half a second per run, which the
command never uses. It reads the same environment variables as `config.settings`, and hands the
run back to Django (returns None) whenever that would not give exactly the same outcome.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, Protocol, TextIO

from resolver.analysis.targets import parse_target, resolve_targets
from resolver.analysis.timeline import what_broke
from resolver.engine import resolve
from resolver.environment import Target
from resolver.errors import TargetError
from resolver.index.asof import DateError, parse_date
from resolver.index.cache import DirectoryCache, MemoryCache, default_cache_dir
from resolver.index.client import IndexClient
from resolver.index.limits import IndexLimits
from resolver.index.urls import redact
from resolver.input.formats import FormatControl, FormatError
from resolver.limits import Limits
from resolver.output.report import exit_code, requirements_txt, requirements_urls
from resolver.output.text import render_text

EXIT_BAD_INPUT = 2
MAX_INPUT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Defaults:
    index_urls: list[str] = field(default_factory=list)
    python_version: str = "3.11"
    platform: str = "manylinux_2_28_x86_64"
    limits: Limits = field(default_factory=Limits)
    max_requests: int = IndexLimits.max_requests
    ca_bundle: str | None = None
    index_name: str = ""  # how the default index is shown ("bundled snapshot: ..."); default its URLs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="requirements files (-r/-c among them)")
    parser.add_argument(
        "--index-url", action="append", help="simple index URL (repeat for more); default PIP_INDEX_URL"
    )
    parser.add_argument(
        "--index",
        choices=["snapshot", "pip"],
        help="without --index-url: the bundled snapshot (the default without PIP_INDEX_URL) or the index pip "
        "uses on this machine (pip is asked)",
    )
    parser.add_argument("--python-version", help="target Python, e.g. 3.11")
    parser.add_argument("--platform", help="target platform tag, e.g. manylinux_2_28_x86_64, win_amd64, any")
    parser.add_argument("--pre", action="store_true", help="allow pre-releases")
    for option, kind in (("--only-binary", "wheels"), ("--no-binary", "sdists")):
        parser.add_argument(
            option,
            action=_FormatOption,
            dest="format_options",
            metavar="NAMES",
            help=f"{kind} only for these packages (comma-separated, :all: or :none:; repeatable, as pip's)",
        )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--output-requirements", metavar="PATH", help="write the pinned requirements.txt")
    parser.add_argument("--output-urls", metavar="PATH", help="write requirements.urls")
    parser.add_argument("--cache-dir", metavar="PATH", help="index cache (default $XDG_CACHE_HOME/conflict-explorer)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk cache")
    parser.add_argument(
        "--exclude-newer", metavar="DATE", help="ignore files uploaded after DATE (YYYY-MM-DD or ISO-8601, UTC)"
    )
    parser.add_argument(
        "--what-broke-since", metavar="DATE", help="the input resolved on DATE: find the release that broke it"
    )
    parser.add_argument(
        "--target", action="append", metavar="PY/PLATFORM", help="also resolve for PY/PLATFORM, e.g. 3.8/win_amd64"
    )
    parser.add_argument(
        "--no-analysis", action="store_true", help="skip the analyses of a failure (minimal lines, fixes, matrices)"
    )


class _FormatOption(argparse.Action):
    """Keeps `--only-binary` and `--no-binary` in the order given: as in pip, a later one overrides."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option: Any = None) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), (option, values)])


def _read_files(paths: list[str]) -> dict[str, str]:
    """Read the named files and any files next to them that they include with -r/-c.

    The CLI user is on their own machine, so their -r/-c files are read from beside the
    including file; the engine itself never reads the disk.
    """
    files: dict[str, str] = {}
    pending = [Path(p) for p in paths]
    while pending:
        path = pending.pop(0)
        name = os.path.relpath(path) if not path.is_absolute() else str(path)
        if name in files:
            continue
        data = path.read_bytes()[: MAX_INPUT_BYTES + 1]
        if len(data) > MAX_INPUT_BYTES:
            raise ValueError(f"{name}: larger than {MAX_INPUT_BYTES} bytes")
        files[name] = data.decode("utf-8")
        for line in files[name].splitlines():
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and parts[0] in ("-r", "-c", "--requirement", "--constraint"):
                included = path.parent / parts[1].split(" #")[0].strip()
                if included.is_file():
                    pending.append(included)
    return files


class Writer(Protocol):
    """Where `run` writes: a text stream, or Django's OutputWrapper (or `_LineWriter`, which acts like it)."""

    def write(self, text: str, /) -> object: ...


def run(options: argparse.Namespace, defaults: Defaults, stdout: Writer, stderr: Writer) -> int:
    """Resolve, print the explanation or the JSON report, write the outputs; return the exit code."""
    try:
        files = _read_files(options.files)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        stderr.write(f"error: cannot read the input: {error}\n")
        return EXIT_BAD_INPUT
    index_urls = options.index_url or defaults.index_urls
    index_name = " ".join(index_urls) if options.index_url or not defaults.index_name else defaults.index_name
    if not index_urls:
        stderr.write("error: no index: set PIP_INDEX_URL or pass --index-url URL\n")
        return EXIT_BAD_INPUT
    try:
        target = Target(options.python_version or defaults.python_version, options.platform or defaults.platform)
    except TargetError as error:
        stderr.write(f"error: --{error.field.replace('_', '-')}: {error}\n")
        return EXIT_BAD_INPUT
    try:
        exclude_newer = parse_date(options.exclude_newer, field="--exclude-newer") if options.exclude_newer else None
        broke = options.what_broke_since
        broke_since = parse_date(broke, field="--what-broke-since") if broke else None
        targets = [parse_target(text, default_platform=target.platform) for text in options.target or []]
    except (DateError, TargetError) as error:
        stderr.write(f"error: {'--target: ' if isinstance(error, TargetError) else ''}{error}\n")
        return EXIT_BAD_INPUT
    formats = FormatControl()
    try:
        for option, value in options.format_options or []:
            formats = formats.add(option, value)
    except FormatError as error:
        stderr.write(f"error: {error}\n")
        return EXIT_BAD_INPUT
    cache = MemoryCache() if options.no_cache else DirectoryCache(Path(options.cache_dir or default_cache_dir()))
    limits = IndexLimits(max_requests=defaults.max_requests)

    # The CLI's user is trusted and on their own machine: their files may name any index, local
    # ones included, so the policy forbids nothing (it still goes through the one vetting path).
    from resolver.index.egress import EgressPolicy

    policy = EgressPolicy.permissive()

    def client_for(urls: list[str]) -> IndexClient:
        return IndexClient(urls, cache=cache, limits=limits, allow_url=policy, ca_bundle=defaults.ca_bundle)

    client = client_for(index_urls)
    try:
        report = resolve(
            files,
            index=client,
            target=target,
            index_name=index_name,
            roots=list(files)[: len(options.files)],
            pre=options.pre,
            limits=defaults.limits,
            input_index=client_for,
            exclude_newer=exclude_newer,
            analyse=not options.no_analysis,
            formats=formats,
        )
        again = {"roots": list(files)[: len(options.files)], "pre": options.pre, "limits": defaults.limits}
        again["formats"] = formats
        again |= {"index_name": index_name, "input_index": client_for, "index": client}
        if targets:
            report["targets"] = resolve_targets(files, targets=targets, exclude_newer=exclude_newer, **again)
        if broke_since:
            report["what_broke"] = what_broke(files, target=target, good_date=broke_since, now=exclude_newer, **again)
    finally:
        client.close()
    if options.format == "json":
        stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        stdout.write(render_text(report))
    if report["status"] == "resolved":
        command = "manage.py resolve " + " ".join(options.files)
        if options.output_requirements:
            Path(options.output_requirements).write_text(requirements_txt(report, command=command))
        if options.output_urls:
            Path(options.output_urls).write_text(requirements_urls(report))
    return exit_code(report)


# -- the fast path of `manage.py resolve` ------------------------------------------------------------

# Options Django's BaseCommand adds to every command: with any of them, Django must run the command.
_DJANGO_OPTIONS: tuple[str, ...]
_DJANGO_OPTIONS = ("-h", "--help", "--version", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback")
_DJANGO_OPTIONS += ("--no-color", "--force-color", "--skip-checks")


class _NotForUs(Exception):
    """The arguments need Django's own handling (an argparse error, help): hand the run over."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotForUs(message)


class _LineWriter:
    """Writes as Django's OutputWrapper does: each write ends with a newline, added if missing."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        self._stream.write(text if text.endswith("\n") else text + "\n")


def defaults_from_environ(environ: Mapping[str, str]) -> Defaults:
    """The defaults `config.settings` derives from the same environment variables, read the same way.

    `index_urls` is PIP_INDEX_URL's URLs (the bundled offline index, the default without it, is
    only reachable through Django, which `main` then leaves the run to).
    """

    def number(name: str, default: int) -> int:
        return int(environ.get(name, str(default)))

    limits = Limits(
        max_rounds=number("RESOLVER_MAX_ROUNDS", Limits.max_rounds),
        max_seconds=number("RESOLVER_MAX_SECONDS", int(Limits.max_seconds)),
    )
    return Defaults(
        index_urls=environ.get("PIP_INDEX_URL", "").split(),
        python_version=environ.get("RESOLVER_DEFAULT_PYTHON", "3.11"),
        platform=environ.get("RESOLVER_DEFAULT_PLATFORM", "manylinux_2_28_x86_64"),
        limits=limits,
        max_requests=number("RESOLVER_MAX_REQUESTS", IndexLimits.max_requests),
        ca_bundle=environ.get("RESOLVER_CA_BUNDLE") or environ.get("PIP_CERT") or environ.get("SSL_CERT_FILE") or None,
    )


def main(argv: list[str], environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int | None:
    """Run `manage.py resolve ARGV` without Django; None when only Django can run it identically.

    That is: another settings module, one of Django's own options or an argparse error (its usage
    text names Django's options), or no index given at all (the default is then the bundled
    offline index, which `conflicts.indexes` unpacks from settings).
    """
    if environ.get("DJANGO_SETTINGS_MODULE", "config.settings") != "config.settings":
        return None
    if any(arg.split("=", 1)[0] in _DJANGO_OPTIONS for arg in argv):
        return None
    parser = _Parser(prog="manage.py resolve", add_help=False)
    add_arguments(parser)
    try:
        options = parser.parse_args(argv)
        defaults = defaults_from_environ(environ)
    except (_NotForUs, ValueError):
        return None
    if not options.index_url and options.index == "pip":
        from resolver.index.pipindex import pip_index_urls

        urls = pip_index_urls()[:1]
        defaults = replace(
            defaults, index_urls=urls, index_name=f"the index pip uses: {redact(urls[0])}" if urls else ""
        )
    elif not options.index_url and (options.index == "snapshot" or not defaults.index_urls):
        return None
    # As config.settings.LOGGING: the message alone on stderr, at LOG_LEVEL (default INFO). Not
    # when the process has set logging up already (a caller, a test runner): that is theirs.
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
        root.setLevel(environ.get("LOG_LEVEL", "INFO"))
    return run(options, defaults, _LineWriter(stdout), _LineWriter(stderr))
