"""Large graphs stay usable: 300 resolved packages end to end, and a stored 1,000-node report.

The timings are measured and written to artifacts/ for the closing note; the assertions only
guard against gross regressions (several times the targets), since a shared CI machine varies.
"""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from conflicts.models import Report, Status
from resolver.resolution.graph import to_node_link
from tests.browser.conftest import ARTIFACTS
from tests.support.graphs import synthetic_graph
from tests.support.server import serve_index
from tests.support.universe import build_index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def layered_universe(size: int) -> dict:
    """`size` packages in layers of 30; each depends on three packages of the next layer."""
    names = [f"pkg-{i:03d}" for i in range(size)]
    universe = {}
    for i, name in enumerate(names):
        layer_start = (i // 30 + 1) * 30
        deps = [names[j] for j in range(layer_start + i % 30, min(size, layer_start + 30), 10)][:3]
        universe[name] = {"1.0": {"requires": [f"{d}>=1.0" for d in deps]}, "2.0": {"requires": deps}}
    return universe


def answer_time(page, index: int) -> float:
    """Seconds from a node's click to its details shown, measured in the page (as htmx does it)."""
    return page.evaluate(
        """async (index) => {
            const link = document.querySelectorAll('#graph-canvas svg g.package a[href]')[index];
            const started = performance.now();
            await htmx.ajax('GET', link.getAttribute('href'), {target: '#inspector', swap: 'innerHTML'});
            await new Promise(requestAnimationFrame);
            return (performance.now() - started) / 1000;
        }""",
        index,
    )


def record(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2))


def test_a_300_package_resolution_is_drawn_and_usable(page, worker, tmp_path, settings) -> None:
    root = tmp_path / "index"
    build_index(root, layered_universe(300))
    with serve_index(root) as server:
        settings.RESOLVER_INDEXES = [("test index", server.simple_url)]
        page.page.goto(page.base_url + "/")
        page.page.fill("textarea[name=text]", "\n".join(f"pkg-{i:03d}" for i in range(30)) + "\n")
        page.page.click("button[type=submit]:has-text('Explain')")
        expect(page.page.locator(".verdict")).to_contain_text("Resolved 300 packages", timeout=120_000)
    started = time.monotonic()
    page.page.reload(wait_until="load")
    load_seconds = time.monotonic() - started
    expect(page.page.locator("#graph-canvas svg g.package")).to_have_count(300)
    page.screenshot("report-300-packages")
    click_seconds = answer_time(page.page, 150)
    page.page.locator("#graph-canvas svg g.package a[href]").nth(150).click()
    expect(page.page.locator("#inspector .node-detail")).to_be_visible()
    record("timings-300", {"page_load_s": round(load_seconds, 3), "node_click_s": round(click_seconds, 3)})
    assert load_seconds < 10 and click_seconds < 2
    assert page.blocked == [] and page.console_errors == []


def test_a_1000_node_report_loads_and_answers_clicks(page, db) -> None:
    graph = synthetic_graph(1000)
    report = Report.objects.create(
        files={"requirements.in": "\n".join(n for n in graph.successors("<root>"))},
        roots=["requirements.in"], python_version="3.11", platform="manylinux_2_28_x86_64",
        index_name="test index", status=Status.CONFLICT,
        result={"schema_version": 1, "status": "conflict", "input": {}, "pins": {}, "conflicts": [],
                "diagnoses": [], "graph": to_node_link(graph),
                "stats": {"duration_ms": 0, "requests": 0, "cache_hits": 0, "rounds": 0, "backtracks": 0}},
    )  # fmt: skip
    url = f"{page.base_url}/r/{report.id}/?graph=all"
    page.page.goto(url)  # the first view renders and caches the SVG on the server
    started = time.monotonic()
    page.page.goto(url, wait_until="load")
    load_seconds = time.monotonic() - started
    expect(page.page.locator("#graph-canvas svg g.package")).to_have_count(1000)
    page.screenshot("report-1000-nodes")
    click_seconds = answer_time(page.page, 500)
    page.page.locator("#graph-canvas svg g.package a[href]").nth(500).click()
    expect(page.page.locator("#inspector .node-detail")).to_be_visible()
    record("timings-1000", {"page_load_s": round(load_seconds, 3), "node_click_s": round(click_seconds, 3)})
    assert load_seconds < 10 and click_seconds < 2
