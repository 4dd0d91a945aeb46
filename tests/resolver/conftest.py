"""Fixtures for engine tests: indexes written by the tests, served as files or over loopback HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from resolver.engine import resolve
from resolver.environment import Target
from resolver.index.client import IndexClient
from resolver.limits import Limits
from resolver.output.report import Report
from tests.support.server import serve_index
from tests.support.universe import Universe, build_index

INDEX_KINDS = ["html-file", "json-file", "html-http", "json-http"]


class IndexFactory:
    """Builds an index for a universe in the chosen format and transport, and a client for it."""

    def __init__(self, kind: str, root: Path, stack: ExitStack) -> None:
        self.format, self.transport = kind.split("-")
        self.root = root
        self.stack = stack
        self.count = 0
        self.server = None

    def url(self, universe: Universe, **build: object) -> str:
        self.count += 1
        root = self.root / f"index{self.count}"
        simple = build_index(root, universe, formats=(self.format,), **build)  # type: ignore[arg-type]
        if self.transport == "file":
            return simple.as_uri() + "/"
        self.server = self.stack.enter_context(serve_index(root))
        return self.server.simple_url

    def client(self, universe: Universe, **build: object) -> IndexClient:
        client = IndexClient([self.url(universe, **build)])
        self.stack.callback(client.close)
        return client


@pytest.fixture(params=INDEX_KINDS)
def indexes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexFactory]:
    with ExitStack() as stack:
        yield IndexFactory(request.param, tmp_path, stack)


Resolve = Callable[..., Report]


@pytest.fixture
def run(indexes: IndexFactory) -> Resolve:
    """Resolve `text` (or `files`) against a universe: `run(universe, "django==1.11.29\\n")`."""

    def _run(
        universe: Universe,
        text: str | None = None,
        *,
        files: dict[str, str] | None = None,
        python: str = "3.11",
        platform: str = "manylinux_2_28_x86_64",
        pre: bool = False,
        limits: Limits | None = None,
    ) -> Report:
        client = indexes.client(universe)
        return resolve(
            files or {"requirements.in": text or ""},
            index=client,
            target=Target(python, platform),
            index_name="test-index",
            pre=pre,
            limits=limits,
        )

    return _run


@pytest.fixture
def run_with(indexes: IndexFactory) -> Resolve:
    """Like `run`, with any other `resolve` option: `run_with(universe, text, analyse=False)`."""

    def _run(
        universe: Universe,
        text: str | None = None,
        *,
        files: dict[str, str] | None = None,
        python: str = "3.11",
        platform: str = "manylinux_2_28_x86_64",
        **options: object,
    ) -> Report:
        client = indexes.client(universe)
        target = Target(python, platform)
        return resolve(files or {"requirements.in": text or ""}, index=client, target=target, **options)  # type: ignore[arg-type]

    return _run
