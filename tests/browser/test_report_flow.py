"""A developer uploads a conflicting file, watches it resolve, and reads the highlighted clash."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFLICT = "# our site\ndjango==1.11.29\ndjangocms-blog\n"


def submit(page, tmp_path) -> None:
    infile = tmp_path / "requirements.in"
    infile.write_text(CONFLICT)
    page.page.goto(page.base_url + "/")
    page.page.set_input_files("input[name=upload]", str(infile))
    page.page.select_option("select[name=index]", "test index")
    page.screenshot("home")
    page.page.click("button[type=submit]:has-text('Explain')")


def test_upload_progress_highlighted_graph_node_click_and_permalink(page, slow_index, worker, tmp_path) -> None:
    submit(page, tmp_path)
    expect(page.page).to_have_url(re.compile(r"/r/[0-9a-f-]{36}/$"))
    expect(page.page.locator("#progress")).to_be_visible()
    page.screenshot("progress")

    card = page.page.locator("section.card.conflict")
    expect(card).to_contain_text("Could not find a version that matches django==1.11.29,>2.0", timeout=60_000)
    expect(card.locator("li.constraint").nth(1)).to_contain_text("required by djangocms-blog==1.2.0")
    expect(card).to_contain_text("requirements.in:2")

    graph = page.page.locator("#graph-canvas svg")
    expect(graph.locator("g.conflict#pkg-django")).to_have_count(1)
    expect(graph.locator("g.culprit#pkg-djangocms-blog")).to_have_count(1)
    expect(graph.locator("g.clash")).not_to_have_count(0)
    page.screenshot("report-conflict")

    graph.locator("#pkg-django a").first.click()
    expect(page.page.locator("#inspector")).to_contain_text("djangocms-blog==1.2.0 asks for >2.0")
    assert page.page.url.endswith("/"), "the node opened in the inspector, not as a new page"
    page.screenshot("node-inspector")

    permalink = page.page.url
    page.page.reload()
    expect(page.page.locator("section.card.conflict")).to_contain_text("django==1.11.29,>2.0")
    assert page.page.url == permalink
    assert page.blocked == [], f"requests to other hosts: {page.blocked}"
    assert page.console_errors == []


def test_graph_nodes_are_reachable_by_keyboard(page, slow_index, worker, tmp_path) -> None:
    submit(page, tmp_path)
    expect(page.page.locator("section.card.conflict")).to_be_visible(timeout=60_000)
    svg = page.page.locator("#graph-canvas svg")
    packages = svg.locator("g.package")
    assert packages.count() >= 2
    assert svg.locator("g.package a[href]").count() == packages.count()
    page.page.locator("button[data-zoom=reset]").focus()
    in_graph = "document.activeElement.closest('#graph-canvas svg') !== null"
    for _ in range(5):  # past the graph's own controls, the first node link takes the focus
        page.page.keyboard.press("Tab")
        if page.page.evaluate(in_graph):
            break
    assert page.page.evaluate(in_graph)
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#inspector")).to_contain_text("Required by")


def test_pages_have_no_serious_accessibility_violations(page, slow_index, worker, tmp_path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.page.goto(page.base_url + "/")
    home = axe.run(page.page)
    submit(page, tmp_path)
    expect(page.page.locator("#progress")).to_be_visible()
    progress = axe.run(page.page)
    expect(page.page.locator("section.card.conflict")).to_be_visible(timeout=60_000)
    report = axe.run(page.page)
    for name, results in (("home", home), ("progress", progress), ("report", report)):
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name}: {[(v['id'], v['help']) for v in bad]}"
