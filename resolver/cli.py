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
import os
import time

from resolver.index import answers
from resolver.index.diskcache import DirectoryCache, default_cache_dir

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: see `Defaults`
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, NoReturn, Protocol, TextIO

    from resolver.index.client import IndexClient
    from resolver.limits import Limits
    from resolver.output.report import Report

    class Writer(Protocol):
        """Where `run` writes: a text stream, or Django's OutputWrapper (or `_LineWriter`, which acts like it)."""

        def write(self, text: str, /) -> object: ...


EXIT_BAD_INPUT = 2
MAX_INPUT_BYTES = 1024 * 1024


class Defaults:
    """What a run takes where its options say nothing: settings (the Django command) or the same
    environment variables (`defaults_from_environ`). `rounds`, `seconds` and `requests` left None
    are the engine's own limits; `log_level` None leaves logging to the caller.

    A plain class holding plain values, not a dataclass holding `Limits`: the command line builds
    one on every run, and a run that gives back a stored answer must not import `dataclasses`
    (with `inspect`) or the engine to do it.
    """

    def __init__(
        self,
        *,
        index_urls: list[str] | None = None,
        python_version: str = "3.11",
        platform: str = "manylinux_2_28_x86_64",
        rounds: int | None = None,
        seconds: float | None = None,
        requests: int | None = None,
        ca_bundle: str | None = None,
        index_name: str = "",  # how the default index is shown ("bundled snapshot: ..."); default its URLs
        log_level: str | None = None,
    ) -> None:
        self.index_urls = list(index_urls or [])
        self.python_version, self.platform = python_version, platform
        self.rounds, self.seconds, self.requests = rounds, seconds, requests
        self.ca_bundle, self.index_name, self.log_level = ca_bundle, index_name, log_level

    def replace(self, **changes: Any) -> Defaults:
        return Defaults(**{**vars(self), **changes})

    def __repr__(self) -> str:
        return f"Defaults({', '.join(f'{name}={value!r}' for name, value in vars(self).items())})"

    @property
    def limits(self) -> Limits:
        from resolver.limits import Limits

        engine = Limits()
        rounds = engine.max_rounds if self.rounds is None else self.rounds
        return Limits(max_rounds=rounds, max_seconds=engine.max_seconds if self.seconds is None else self.seconds)

    @property
    def max_requests(self) -> int:
        from resolver.index.limits import IndexLimits

        return IndexLimits.max_requests if self.requests is None else self.requests


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
    parser.add_argument(
        "--no-stored-answer",
        action="store_true",
        help="resolve again even when the answer to this same question is stored and its index pages are unchanged",
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
    pending = list(paths)
    while pending:
        path = pending.pop(0)
        name = os.path.normpath(path) if os.path.isabs(path) else os.path.relpath(path)
        if name in files:
            continue
        with open(path, "rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise ValueError(f"{name}: larger than {MAX_INPUT_BYTES} bytes")
        files[name] = data.decode("utf-8")
        for line in files[name].splitlines():
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and parts[0] in ("-r", "-c", "--requirement", "--constraint"):
                included = os.path.join(os.path.dirname(path), parts[1].split(" #")[0].strip())
                if os.path.isfile(included):
                    pending.append(included)
    return files


def run(options: argparse.Namespace, defaults: Defaults, stdout: Writer, stderr: Writer) -> int:
    """Resolve, print the explanation or the JSON report, write the outputs; return the exit code.

    A settled answer is stored in the on-disk cache beside the pages it rests on, and the same
    question asked again is answered from it while those pages are fresh and unchanged
    (`resolver.index.answers`), before the engine is even imported.
    """
    started = time.monotonic()
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
    disk = None if options.no_cache else DirectoryCache(options.cache_dir or default_cache_dir())
    key, stored = None, None
    # What broke it compares with today's index at the time of the run: never the same question twice.
    if disk is not None and not getattr(options, "what_broke_since", None):
        key = answers.question_key(_question(options, defaults, files, index_urls, index_name))
        stored = None if getattr(options, "no_stored_answer", False) else answers.replay(disk, key)
        if stored is not None and not stored.stale:
            return _give_back(stored, 0, started, options, stdout)
    report, footing = _resolve(options, defaults, files, index_urls, index_name, disk, stderr, stored)
    if report is None:
        return EXIT_BAD_INPUT
    if stored is not None and report is stored.report:  # its stale pages were asked for: unchanged
        return _give_back(stored, report["stats"]["requests"], started, options, stdout)
    from resolver.output.outcome import exit_code, settled

    code = exit_code(report)
    if key is not None and disk is not None and footing is not None and settled(report):
        answers.store(disk, key, answers.Answer(report, footing, code))
    return _write(report, options, stdout, code)


def _give_back(
    stored: answers.Answer, requests: int, started: float, options: argparse.Namespace, stdout: Writer
) -> int:
    stats = stored.report["stats"]
    stats["requests"], stats["cache_hits"], stats["stored_answer"] = requests, len(stored.footing), True
    stats["duration_ms"] = round((time.monotonic() - started) * 1000)
    return _write(stored.report, options, stdout, stored.exit_code)


def _question(
    options: argparse.Namespace, defaults: Defaults, files: dict[str, str], index_urls: list[str], index_name: str
) -> dict[str, object]:
    """Everything besides the index that a report depends on, as given (before it is checked:
    a question that fails its checks never has a stored answer)."""
    asked = ("pre", "format_options", "exclude_newer", "target", "no_analysis", "python_version", "platform")
    return {
        "files": files,
        "roots": options.files,
        "index_urls": index_urls,
        "index_name": index_name,
        "options": {name: getattr(options, name, None) for name in asked},
        "defaults": {name: value for name, value in vars(defaults).items() if name != "log_level"},
    }


def _resolve(
    options: argparse.Namespace,
    defaults: Defaults,
    files: dict[str, str],
    index_urls: list[str],
    index_name: str,
    disk: DirectoryCache | None,
    stderr: Writer,
    stored: answers.Answer | None = None,
) -> tuple[Report | None, dict[str, str] | None]:
    """The report (None after an error message on bad options) and what it rests on (`answers`);
    or `stored`'s own report, with the requests that asked, when the index says its stale pages
    are unchanged."""
    # The engine is imported here, not at the top: a stored answer is given without it.
    from resolver.analysis.targets import parse_target, resolve_targets
    from resolver.analysis.timeline import what_broke
    from resolver.engine import resolve
    from resolver.environment import Target
    from resolver.errors import TargetError
    from resolver.index.asof import DateError, parse_date
    from resolver.index.cache import MemoryCache
    from resolver.index.client import IndexClient
    from resolver.index.egress import EgressPolicy
    from resolver.index.limits import IndexLimits
    from resolver.input.formats import FormatControl, FormatError

    try:
        target = Target(options.python_version or defaults.python_version, options.platform or defaults.platform)
    except TargetError as error:
        stderr.write(f"error: --{error.field.replace('_', '-')}: {error}\n")
        return None, None
    try:
        exclude_newer = parse_date(options.exclude_newer, field="--exclude-newer") if options.exclude_newer else None
        broke = options.what_broke_since
        broke_since = parse_date(broke, field="--what-broke-since") if broke else None
        targets = [parse_target(text, default_platform=target.platform) for text in options.target or []]
    except (DateError, TargetError) as error:
        stderr.write(f"error: {'--target: ' if isinstance(error, TargetError) else ''}{error}\n")
        return None, None
    formats = FormatControl()
    try:
        for option, value in options.format_options or []:
            formats = formats.add(option, value)
    except FormatError as error:
        stderr.write(f"error: {error}\n")
        return None, None
    if defaults.log_level is not None:
        _log_to_stderr(defaults.log_level)
    cache = disk if disk is not None else MemoryCache()
    limits = IndexLimits(max_requests=defaults.max_requests)

    # The CLI's user is trusted and on their own machine: their files may name any index, local
    # ones included, so the policy forbids nothing (it still goes through the one vetting path).
    policy = EgressPolicy.permissive()
    clients: list[IndexClient] = []

    def client_for(urls: list[str]) -> IndexClient:
        clients.append(IndexClient(urls, cache=cache, limits=limits, allow_url=policy, ca_bundle=defaults.ca_bundle))
        return clients[-1]

    client = client_for(index_urls)
    try:
        if stored is not None and client.unchanged(stored.stale):
            stored.report["stats"]["requests"] = client.stats.requests
            return stored.report, None
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
        for each in clients:
            each.close()
    footing: dict[str, str] | None = {}
    for each in clients:
        read = each.footing()
        footing = None if read is None or footing is None else {**footing, **read}
    return report, footing


def _log_to_stderr(level: str) -> None:
    """As config.settings.LOGGING: the message alone on stderr. Not when the process has set
    logging up already (a caller, a test runner): that is theirs."""
    import logging

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
        root.setLevel(level)


def _write(report: Report, options: argparse.Namespace, stdout: Writer, code: int) -> int:
    """Print the report as asked, write the pinned outputs when it resolved; return `code`."""
    if options.format == "json":
        stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        from resolver.output.text import render_text

        stdout.write(render_text(report))
    if report["status"] == "resolved" and (options.output_requirements or options.output_urls):
        from resolver.output.report import requirements_txt, requirements_urls

        command = "manage.py resolve " + " ".join(options.files)
        if options.output_requirements:
            with open(options.output_requirements, "w") as out:
                out.write(requirements_txt(report, command=command))
        if options.output_urls:
            with open(options.output_urls, "w") as out:
                out.write(requirements_urls(report))
    return code


# -- the fast path of `manage.py resolve` ------------------------------------------------------------

# Options Django's BaseCommand adds to every command: with any of them, Django must run the command.
_DJANGO_OPTIONS: tuple[str, ...]
_DJANGO_OPTIONS = ("-h", "--help", "--version", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback")
_DJANGO_OPTIONS += ("--no-color", "--force-color", "--skip-checks")


class _NotForUs(Exception):
    """The arguments need Django's own handling (an argparse error, help): hand the run over."""


class _Parser(argparse.ArgumentParser):
    """Hands every error to Django; its formatter's fixed width spares `add_argument` importing
    `shutil` (and the compressors) to measure a terminal for help text this parser never prints."""

    def __init__(self, **options: Any) -> None:
        super().__init__(formatter_class=_FixedWidth, **options)

    def error(self, message: str) -> NoReturn:
        raise _NotForUs(message)


class _FixedWidth(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=100)


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

    def number(name: str) -> int | None:
        return int(environ[name]) if name in environ else None

    return Defaults(
        index_urls=environ.get("PIP_INDEX_URL", "").split(),
        python_version=environ.get("RESOLVER_DEFAULT_PYTHON", "3.11"),
        platform=environ.get("RESOLVER_DEFAULT_PLATFORM", "manylinux_2_28_x86_64"),
        rounds=number("RESOLVER_MAX_ROUNDS"),
        seconds=number("RESOLVER_MAX_SECONDS"),
        requests=number("RESOLVER_MAX_REQUESTS"),
        ca_bundle=environ.get("RESOLVER_CA_BUNDLE") or environ.get("PIP_CERT") or environ.get("SSL_CERT_FILE") or None,
        # As config.settings.LOGGING: the message alone on stderr, at LOG_LEVEL (default INFO).
        log_level=environ.get("LOG_LEVEL", "INFO"),
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
        from resolver.index.urls import redact

        urls = pip_index_urls()[:1]
        defaults = defaults.replace(
            index_urls=urls, index_name=f"the index pip uses: {redact(urls[0])}" if urls else ""
        )
    elif not options.index_url and (options.index == "snapshot" or not defaults.index_urls):
        return None
    return run(options, defaults, _LineWriter(stdout), _LineWriter(stderr))
