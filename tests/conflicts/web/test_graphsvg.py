"""Drawing the graph with the real Graphviz (`dot`, and graphviz-pure where installed).

Each drawing test runs once per renderer found; the module is skipped only when there is none.
Fake renderers (small scripts in tmp_path, set as GRAPHVIZ_DOT) stand in for a slow, failing or
runaway Graphviz.
"""

from __future__ import annotations

import shutil
import stat
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from django.core.cache import caches

from conflicts.web.graphsvg import (
    GraphvizError,
    RendererNotFound,
    RenderFailed,
    RenderTimeout,
    RenderTooLarge,
    cache_key,
    find_renderer,
    inline_svg,
    render_svg,
)
from resolver.output.dot import to_dot
from resolver.resolution.graph import ROOT, new_graph

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
HOSTILE = ["<script>alert(1)</script>", 'a"b\\c', "x&amp;y", "<img src=x onerror=alert(1)>"]


def available() -> list[str]:
    found = [shutil.which("dot"), shutil.which("graphviz-pure")]
    beside = Path(sys.executable).parent / "graphviz-pure"
    found.append(str(beside) if beside.is_file() else None)
    return list(dict.fromkeys(path for path in found if path))


RENDERERS = available()


@pytest.fixture(autouse=True)
def fresh_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture(params=RENDERERS or [None], ids=lambda path: Path(path).name if path else "none")
def renderer(request: pytest.FixtureRequest, settings) -> str:
    """Each real renderer installed in turn; the drawing tests skip only when there is none."""
    if request.param is None:
        pytest.skip("no Graphviz renderer (dot or graphviz-pure) installed")
    settings.GRAPHVIZ_DOT = request.param
    return request.param


def script(tmp_path: Path, body: str, name: str = "fake-dot") -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def link(name: str) -> str:
    return f"/r/abc/p/{name}/"


@pytest.fixture
def classic() -> nx.DiGraph:
    """The classic conflict, with unrelated packages beside it and a conditional requirement."""
    graph = new_graph()

    def add(u: str, v: str, specifier: str = "", line: int | None = None, **extra: object) -> None:
        for name in (u, v):
            if name != ROOT and name not in graph:
                graph.add_node(name, version="1.0", status="tried")
        sources = [{"file": "requirements.in", "line": line}] if line else []
        graph.add_edge(u, v, specifier=specifier, marker=None, extras=[], text=v, sources=sources, **extra)

    add(ROOT, "django", "==1.11.29", line=2, clash=True)
    add(ROOT, "djangocms-blog", line=4)
    add("djangocms-blog", "django", ">2.0", clash=True)
    add(ROOT, "requests", line=5)
    add("requests", "urllib3", "<3")
    graph.nodes["django"].update(version="1.11.29", conflict=True)
    graph.nodes["djangocms-blog"].update(version="1.2.0", culprit=True)
    return graph


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, kind: str) -> dict[str, set[str]]:
    """The SVG's node or edge groups: id -> classes."""
    return {
        g.get("id"): set(g.get("class", "").split()) for g in root.iter(f"{SVG}g") if kind in g.get("class", "").split()
    }


def test_the_classic_conflict_is_highlighted_in_the_svg(renderer, classic) -> None:
    root = parse(render_svg(to_dot(classic, link=link)))
    assert groups(root, "node") == {
        "input": {"node", "input"},
        "pkg-django": {"node", "package", "tried", "conflict"},
        "pkg-djangocms-blog": {"node", "package", "tried", "culprit"},
    }
    edges = groups(root, "edge")
    assert edges["req-django"] == {"edge", "input", "clash"}
    assert edges["dep-djangocms-blog--django"] == {"edge", "clash"}


def test_the_conflict_subgraph_is_smaller_than_the_whole_graph(renderer, classic) -> None:
    focused = groups(parse(render_svg(to_dot(classic, link=link))), "node")
    whole = groups(parse(render_svg(to_dot(classic, focus="all", link=link))), "node")
    assert (len(focused), len(whole)) == (3, 5)
    assert whole["pkg-urllib3"] == {"node", "package", "tried", "dim"}


def test_every_package_is_a_real_link(renderer, classic) -> None:
    root = parse(render_svg(to_dot(classic, focus="all", link=link)))
    hrefs = {}
    for g in root.iter(f"{SVG}g"):
        if "package" in g.get("class", "").split():
            anchors = [a.get("href") or a.get(XLINK) for a in g.iter(f"{SVG}a") if a.get("href") or a.get(XLINK)]
            hrefs[g.get("id")] = anchors
    assert hrefs == {f"pkg-{n}": [link(n)] for n in ("django", "djangocms-blog", "requests", "urllib3")}


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
def test_hostile_names_are_text_in_the_svg_never_markup(renderer, classic, compact: bool) -> None:
    for i, name in enumerate(HOSTILE):
        classic.add_node(name, version=f'1<0"{i}', status="tried")
        classic.add_edge(ROOT, name, specifier=f">={name}", marker=None, extras=[], text=name, sources=[])
    svg = render_svg(to_dot(classic, focus="all", link=link, compact=compact))
    root = parse(svg)  # well-formed XML, so nothing broke out of an attribute or a text node
    assert "<script" not in svg and "<img" not in svg
    drawn = {"svg", "g", "title", "a", "path", "polygon", "polyline", "ellipse", "text"}
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= drawn
    texts = [el.text for el in root.iter(f"{SVG}text")]
    titles = {el.text for el in root.iter(f"{SVG}title")}
    for name in HOSTILE:
        assert name in texts  # the label, drawn as written
        assert name in titles  # the node's own title
        assert f">={name}" in texts  # the specifier: on the edge, or in the node when compact


def test_the_svg_is_ready_to_inline_and_named(renderer, classic) -> None:
    svg = render_svg(to_dot(classic), title="Why django clashes")
    assert svg.startswith("<svg ")
    for unwanted in ("<?xml", "<!DOCTYPE", "<!--"):
        assert unwanted not in svg
    root = parse(svg)
    assert root.get("role") == "graphics-document"
    assert root.get("aria-label") == "Why django clashes"
    assert root[0].tag == f"{SVG}title" and root[0].text == "Why django clashes"


def test_the_same_dot_is_drawn_once(tmp_path: Path, settings) -> None:
    counter = tmp_path / "count"
    settings.GRAPHVIZ_DOT = script(tmp_path, f'echo x >> "{counter}"\ncat > /dev/null\necho "<svg><g/></svg>"')
    assert render_svg("digraph { a }") == render_svg("digraph { a }")
    assert counter.read_text().count("x") == 1
    render_svg("digraph { b }")
    assert counter.read_text().count("x") == 2


def test_without_a_cache_every_call_draws(tmp_path: Path, settings) -> None:
    counter = tmp_path / "count"
    settings.GRAPHVIZ_DOT = script(tmp_path, f'echo x >> "{counter}"\ncat > /dev/null\necho "<svg></svg>"')
    settings.GRAPHVIZ_CACHE = None
    render_svg("digraph { a }")
    render_svg("digraph { a }")
    assert counter.read_text().count("x") == 2


def test_a_slow_renderer_is_killed_at_the_timeout(tmp_path: Path, settings) -> None:
    settings.GRAPHVIZ_DOT = script(tmp_path, "sleep 30 &\nsleep 30")  # a child holds the pipes too
    settings.GRAPHVIZ_TIMEOUT = 0.5
    started = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"fake-dot took longer than 0.5 s"):
        render_svg("digraph { a }")
    assert time.monotonic() - started < 5


def test_a_failing_renderer_is_a_clear_error_that_does_not_quote_the_graph(tmp_path: Path, settings) -> None:
    settings.GRAPHVIZ_DOT = script(tmp_path, 'cat > /dev/null\necho "Error: syntax error near <script>" >&2\nexit 3')
    with pytest.raises(RenderFailed) as failure:
        render_svg("digraph { <script> }")
    assert str(failure.value) == "fake-dot failed (exit status 3)"
    assert "syntax error near <script>" in failure.value.stderr
    assert failure.value.code == "graphviz-failed"


def test_a_runaway_renderer_is_stopped_at_the_size_cap(tmp_path: Path, settings) -> None:
    settings.GRAPHVIZ_DOT = script(tmp_path, "cat > /dev/null\nexec head -c 50000000 /dev/zero")
    settings.GRAPHVIZ_MAX_BYTES = 1024 * 1024
    with pytest.raises(RenderTooLarge, match="larger than 1 MB"):
        render_svg("digraph { a }")


def test_a_configured_renderer_that_does_not_exist_is_reported(tmp_path: Path, settings) -> None:
    settings.GRAPHVIZ_DOT = str(tmp_path / "missing-dot")
    with pytest.raises(RendererNotFound, match="GRAPHVIZ_DOT"):
        render_svg("digraph { a }")


def test_without_a_setting_dot_on_path_comes_first(settings, monkeypatch) -> None:
    settings.GRAPHVIZ_DOT = None
    monkeypatch.setattr(shutil, "which", lambda name: {"dot": "/opt/gv/dot"}.get(name))
    assert find_renderer() == "/opt/gv/dot"


def test_without_dot_the_virtualenvs_graphviz_pure_is_used(tmp_path: Path, settings, monkeypatch) -> None:
    settings.GRAPHVIZ_DOT = None
    monkeypatch.setattr(shutil, "which", lambda name: None)  # neither is on PATH
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    pure = script(tmp_path, "exit 0", name="graphviz-pure")
    assert find_renderer() == pure


def test_no_renderer_at_all_says_what_to_install(tmp_path: Path, settings, monkeypatch) -> None:
    settings.GRAPHVIZ_DOT = None
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(RendererNotFound, match="install Graphviz"):
        render_svg("digraph { a }")


def test_every_error_is_a_graphviz_error() -> None:
    for error in (RendererNotFound, RenderTimeout, RenderTooLarge, RenderFailed):
        assert issubclass(error, GraphvizError)


def test_inline_svg_refuses_output_without_an_svg() -> None:
    with pytest.raises(RenderFailed):
        inline_svg("<?xml version='1.0'?><html/>")


def test_drawings_are_cached_compressed_and_a_damaged_entry_is_drawn_again(tmp_path: Path, settings) -> None:
    counter = tmp_path / "count"
    svg = "<svg>" + "<g class='node'></g>" * 1000 + "</svg>"
    settings.GRAPHVIZ_DOT = script(tmp_path, f'echo x >> "{counter}"\ncat > /dev/null\necho "{svg}"')
    first = render_svg("digraph { a }")
    key = cache_key("digraph { a }", executable=settings.GRAPHVIZ_DOT, title="Dependency graph")
    stored = caches["default"].get(key)
    assert isinstance(stored, bytes) and len(stored) < len(first) / 5
    caches["default"].set(key, b"not zlib", timeout=None)
    assert render_svg("digraph { a }") == first
    assert counter.read_text().count("x") == 2
