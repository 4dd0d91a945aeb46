"""`manage.py snapshot_index`: build the bundled offline index from any simple index.

Walks the closure of the seeds (`data/offline-index-seeds.txt` by default) on the index from
--index-url or PIP_INDEX_URL (TLS verified against RESOLVER_CA_BUNDLE, i.e. PIP_CERT), and writes
the archive (`data/offline-index.tar.xz`) and beside it a `.txt` that says what is in it and how
it was made. The index's address is never written: the bundle must not name it. Index responses
go through the usual on-disk cache, so a second run only revalidates pages.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from resolver.index.cache import MemoryCache
from resolver.index.client import IndexClient
from resolver.index.diskcache import DirectoryCache, default_cache_dir
from resolver.index.limits import IndexLimits
from resolver.snapshot import bundle
from resolver.snapshot.collect import DEFAULT_PYTHONS, Scope, Snapshot, collect

DEFAULT_SEEDS = "data/offline-index-seeds.txt"
DEFAULT_OUTPUT = "data/offline-index.tar.xz"


def read_seeds(path: Path) -> list[str]:
    """One requirement per line; `#` comments and blank lines skipped."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def manifest(snapshot: Snapshot, *, command: str, made: datetime, seconds: tuple[float, float], size: int) -> str:
    """The text beside the archive: what it holds, from which seeds, and how it was made."""
    scope = snapshot.scope
    counts = snapshot.counts()
    lines = [
        "Bundled offline index: a snapshot of simple-index pages and core metadata (no package files).",
        f"Made: {made:%Y-%m-%d %H:%M} UTC in {sum(seconds):.0f} s ({seconds[0]:.0f} s walking the index, "
        f"{seconds[1]:.0f} s compressing), from the simple index in PIP_INDEX_URL "
        "(its address is deliberately not recorded).",
        f"Command: {command}",
        f"Targets: Python {', '.join(scope.pythons)} on {', '.join(scope.platforms)}",
        f"Bounds: {scope.max_projects} projects; the newest {scope.max_versions} versions of each "
        f"({scope.max_optional_versions} for the {counts['optional_projects']} projects reached only through "
        f"extras), every version a seed admits, and the newest {scope.per_specifier} meeting each specifier "
        f"found in kept metadata (at most {scope.max_pulled} more per project)",
        f"Archive: {size} bytes; {counts['projects']} projects, {counts['versions']} versions, "
        f"{counts['files']} files, {counts['metadata_files']} metadata files "
        f"({counts['distinct_metadata']} distinct)",
        "",
        "Seeds:",
        *(f"  {seed}" for seed in snapshot.seeds),
        "",
        f"Required but not on the index ({len(snapshot.missing)}): {' '.join(snapshot.missing) or '-'}",
        f"Left out by the project cap ({len(snapshot.left_out)}): {' '.join(snapshot.left_out) or '-'}",
        f"Versions left out ({sum(map(len, snapshot.dropped.values()))} of "
        f"{sum(1 for v in snapshot.dropped.values() if v)} projects, beyond the version cap or needing a project "
        "not held; listed in the archive's coverage.json)",
        f"Requirements never followed ({len(snapshot.unfollowed)} projects asked for by kept metadata, behind "
        f"an extra or beyond the cap): {' '.join(sorted(snapshot.unfollowed)) or '-'}",
        f"Files dropped ({len(snapshot.problems)}):",
        *(f"  {problem}" for problem in snapshot.problems),
    ]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Build the bundled offline index (pages and metadata of a seed closure) from a simple index."
    requires_system_checks: list[str] = []  # a build tool: it needs no URLs, models or templates

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--index-url", action="append", help="simple index URL; default PIP_INDEX_URL")
        parser.add_argument("--seeds", default=DEFAULT_SEEDS, help=f"seed requirements file (default {DEFAULT_SEEDS})")
        parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"archive to write (default {DEFAULT_OUTPUT})")
        parser.add_argument("--max-projects", type=int, default=Scope.max_projects)
        parser.add_argument("--max-versions", type=int, default=Scope.max_versions)
        parser.add_argument("--python", action="append", help="target Python (repeat; default 3.8 to 3.14)")
        parser.add_argument("--platform", action="append", help="target platform tag (repeat; default the app's)")
        parser.add_argument("--tree", metavar="DIR", help="also write the unpacked tree here")
        parser.add_argument(
            "--cache-dir", metavar="PATH", help="index cache (default $XDG_CACHE_HOME/conflict-explorer)"
        )
        parser.add_argument("--no-cache", action="store_true", help="do not read or write the on-disk cache")
        parser.add_argument("--workers", type=int, default=24, help="concurrent requests")

    def handle(self, *args: Any, **options: Any) -> None:
        index_urls = options["index_url"] or list(settings.RESOLVER_INDEX_URLS)
        if not index_urls:
            raise CommandError("no index: set PIP_INDEX_URL or pass --index-url URL")
        try:
            seeds = read_seeds(Path(options["seeds"]))
        except OSError as error:
            raise CommandError(f"cannot read the seeds: {error}") from None
        scope = Scope(
            pythons=tuple(options["python"] or DEFAULT_PYTHONS),
            platforms=tuple(options["platform"] or Scope.platforms),
            max_projects=options["max_projects"],
            max_versions=options["max_versions"],
        )
        cache_dir = Path(options["cache_dir"] or default_cache_dir())
        client = IndexClient(
            index_urls,
            cache=MemoryCache() if options["no_cache"] else DirectoryCache(cache_dir),
            limits=IndexLimits(max_requests=10_000_000),
            ca_bundle=settings.RESOLVER_CA_BUNDLE,
            max_workers=options["workers"],
        )
        started, made = time.monotonic(), datetime.now(UTC)
        try:
            snapshot = collect(client, seeds, scope, progress=lambda line: self.stdout.write(line))
        except ValueError as error:  # a bad seed
            raise CommandError(f"{options['seeds']}: {error}") from None
        finally:
            client.close()
        walked = time.monotonic()
        output = Path(options["output"])
        bundle.write_archive(snapshot, output)
        if options["tree"]:
            bundle.write_tree(snapshot, Path(options["tree"]))
        seconds = (walked - started, time.monotonic() - walked)
        size = output.stat().st_size
        command = "manage.py snapshot_index " + " ".join(
            f"--{key.replace('_', '-')} {value}"
            for key, value in (("seeds", options["seeds"]), ("max_projects", scope.max_projects),
                               ("max_versions", scope.max_versions))
        )  # fmt: skip
        text = manifest(snapshot, command=command, made=made, seconds=seconds, size=size)
        output.with_name(output.name.removesuffix(".tar.xz") + ".txt").write_text(text)
        counts = snapshot.counts()
        self.stdout.write(
            f"Wrote {output} ({size} bytes) in {sum(seconds):.0f} s: {counts['projects']} projects, "
            f"{counts['versions']} versions, {counts['files']} files, {counts['metadata_files']} metadata files; "
            f"{len(snapshot.missing)} missing, {len(snapshot.left_out)} left out, {len(snapshot.problems)} problems"
        )
