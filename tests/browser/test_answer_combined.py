"""Several conflicts (issue 15, second pass), in Chromium on the bundled offline index.

The two-conflict example gets one combined change, proven on the whole file, before the one fix
per conflict; the least disturbing django fix keeps the user's Django 3.2; the graph's first view
holds the clashing node whole; a phone at 390 px still never scrolls the page sideways.
Screenshots go to artifacts/screenshots/combined-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_answer_first import DESK, PHONE, resolved, shoot
from tests.browser.test_explanations import assert_accessible, assert_no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_conflicts_show_a_combined_fix_first(page, bundled_index) -> None:
    two = resolved("company-site-two-conflicts")
    page.page.set_viewport_size(DESK)
    page.page.goto(f"{page.base_url}/r/{two.id}/")
    combined = page.page.locator("#answer #combined-fix")
    expect(combined).to_contain_text("Change these 2 lines and the whole file resolves")
    expect(combined.locator(".proven")).to_have_text("✓ resolves the whole file")
    expect(combined.locator("pre.diff .d-add")).to_have_text(["+django-filter==23.5", "+kombu>=5.7.0"])
    # It comes before every single-conflict fix, and on the first screen.
    first_fix = page.page.locator("#answer .best-fix").first
    expect(first_fix).to_have_id("combined-fix")
    box = combined.locator("pre.diff").bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESK["height"], f"the combined diff ends at {box}"
    # The django conflict's own best fix keeps Django 3.2: an older django-filter, not Django 5.2.
    django_fix = page.page.locator("#answer ol.best-fixes").first.locator("li.best-fix").first
    expect(django_fix).to_contain_text("django-filter==23.5")
    expect(django_fix).not_to_contain_text("django 3.2 \N{RIGHTWARDS ARROW} 5.2")
    assert_accessible(page, "two-conflict report with a combined fix")
    shoot(page, "combined-two-conflicts-1366")
    page.page.set_viewport_size(PHONE)
    page.page.reload()
    expect(combined).to_be_visible()
    assert_no_sideways_scroll(page)
    shoot(page, "combined-two-conflicts-390")
    assert page.blocked == [] and page.console_errors == []


def test_the_graphs_first_view_holds_the_clash_whole(page, bundled_index) -> None:
    two = resolved("company-site-two-conflicts")
    page.page.set_viewport_size(DESK)
    page.page.goto(f"{page.base_url}/r/{two.id}/#graph")
    canvas = page.page.locator("#graph-canvas")
    clash = canvas.locator("svg g.node.conflict").first
    expect(clash).to_be_visible()
    frame, node = canvas.bounding_box(), clash.bounding_box()
    assert frame and node
    inside = (
        frame["x"] <= node["x"]
        and node["x"] + node["width"] <= frame["x"] + frame["width"]
        and frame["y"] <= node["y"]
        and node["y"] + node["height"] <= frame["y"] + frame["height"]
    )
    assert inside, f"the clash {node} is cut off by the canvas {frame}"
    # The canvas is no taller than the drawing (no white below it).
    svg = canvas.locator("svg").bounding_box()
    assert svg and frame["height"] <= svg["height"] + 4
    page.page.locator("section#graph").screenshot(
        path=str(page.screenshot("combined-graph-1366").with_name("combined-graph.png"))
    )
    # Drag to pan moves the view; the drawing stays where it was drawn.
    before = canvas.evaluate("c => [c.scrollLeft, c.scrollTop]")
    box = canvas.bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.mouse.down()
    page.page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 40, steps=5)
    page.page.mouse.up()
    after = canvas.evaluate("c => [c.scrollLeft, c.scrollTop]")
    scrollable = canvas.evaluate("c => c.scrollWidth > c.clientWidth || c.scrollHeight > c.clientHeight")
    assert after != before or not scrollable
    page.page.set_viewport_size(PHONE)
    page.page.reload()
    assert_no_sideways_scroll(page)
    # On a phone the chains are text: the drawing gives way to a pointer to them.
    expect(canvas).to_be_hidden()
    expect(page.page.locator(".graph-on-phone")).to_be_visible()
    assert page.console_errors == []
