"""`manage.py resolve FILE...`: resolve requirements files and explain any conflict.

Exit status: 0 resolved, 1 not resolvable (conflict, not found, no compatible distribution),
2 bad input or an index error. The logic lives in `resolver.cli`; this passes the settings.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from conflicts.indexes import PIP_NAME, default_index_urls, offline_choice
from resolver import cli
from resolver.index import pipindex
from resolver.index.urls import redact


class Command(BaseCommand):
    help = "Resolve requirements files against an index and explain any conflict."

    def add_arguments(self, parser: CommandParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        # PIP_INDEX_URL, else the bundled offline index (unpacked only when no --index-url is given),
        # named by what it covers; `--index pip` asks pip for its index instead.
        index_urls, index_name = [], ""
        if options["index_url"]:
            pass
        elif options.get("index") == "pip":
            index_urls = pipindex.pip_index_urls()[:1]
            index_name = f"{PIP_NAME}: {redact(index_urls[0])}" if index_urls else ""
        elif options.get("index") == "snapshot" or not settings.RESOLVER_INDEX_URLS:
            offline = offline_choice()
            index_urls, index_name = ([offline.url], offline.name) if offline else ([], "")
        else:
            index_urls = default_index_urls()
        defaults = cli.Defaults(
            index_urls=index_urls,
            python_version=settings.RESOLVER_DEFAULT_PYTHON,
            platform=settings.RESOLVER_DEFAULT_PLATFORM,
            rounds=settings.RESOLVER_MAX_ROUNDS,
            seconds=settings.RESOLVER_MAX_SECONDS,
            requests=settings.RESOLVER_MAX_REQUESTS,
            ca_bundle=settings.RESOLVER_CA_BUNDLE,
            index_name=index_name,
        )
        namespace = type("Options", (), options)()
        code = cli.run(namespace, defaults, self.stdout, self.stderr)
        sys.exit(code)
