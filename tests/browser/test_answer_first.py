"""The report answers first (issue 15), in Chromium, on the bundled offline index (real metadata).

Reports are resolved in the test thread with the worker's own function (no Celery round trip),
so these stay fast: the first proven fix is on the first screen at 1366x900, a phone at 390 px
never scrolls the page sideways, the tab title follows the state, and axe finds nothing serious.
Screenshots of each screen go to artifacts/screenshots/answer-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conflicts.indexes import OFFLINE_NAME
from conflicts.jobs.run import run_report
from conflicts.models import Report
from conflicts.web.presenters import EXAMPLES_BY_SLUG
from tests.browser.test_explanations import assert_accessible, assert_no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_report(slug: str) -> Report:
    example = EXAMPLES_BY_SLUG[slug]
    return Report.objects.create(
        files={"requirements.in": example["text"]},
        roots=["requirements.in"],
        python_version=example["python_version"],
        platform="manylinux_2_28_x86_64",
        index_name=OFFLINE_NAME,
    )


def resolved(slug: str) -> Report:
    report = new_report(slug)
    run_report(report.id)
    return report


def shoot(page, name: str) -> None:
    """The first screen as the visitor sees it, and the whole page."""
    page.page.screenshot(path=str(page.screenshot(name + "-full").with_name(name + ".png")))


def test_the_first_proven_fix_is_on_the_first_screen(page, bundled_index) -> None:
    report = resolved("drf-on-django-1-11")
    page.page.set_viewport_size(DESK)
    page.page.goto(f"{page.base_url}/r/{report.id}/")
    heading = page.page.locator("h1")
    expect(heading).to_contain_text("djangorestframework 3.12.0 and later need django>=2.2 or newer")
    expect(heading).to_contain_text("you pin django==1.11.29 on line 2")
    best = page.page.locator("#answer li.best-fix")
    expect(best).to_have_count(2)
    # The least disturbing fix first: it keeps Django 1.11.
    expect(best.first).to_contain_text("Downgrade djangorestframework 3.15 \N{RIGHTWARDS ARROW} 3.11, minor")
    expect(best.first.locator("pre.diff .d-add")).to_have_text("+djangorestframework==3.11.2")
    box = best.first.locator("pre.diff").bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESK["height"], f"the first fix ends at {box}"
    expect(page.page.locator("#minimal-lines")).to_be_in_viewport()
    # One matrix, collapsed, below the fixes; no second versions table.
    expect(page.page.locator("table.compat")).to_have_count(1)
    expect(page.page.locator("details.matrix")).not_to_have_attribute("open", re.compile(".*"))
    expect(page.page.locator("details.versions")).to_have_count(0)
    assert_accessible(page, "one-conflict report")
    shoot(page, "answer-one-conflict-1366")
    page.page.set_viewport_size(PHONE)
    page.page.reload()
    expect(best.first).to_be_visible()
    assert_no_sideways_scroll(page)
    page.page.locator("details.matrix > summary").click()  # a wide table scrolls in its own box
    assert_no_sideways_scroll(page)
    shoot(page, "answer-one-conflict-390")
    assert page.blocked == [] and page.console_errors == []


def test_the_title_follows_the_state(page, bundled_index) -> None:
    report = new_report("wagtail-4-on-django-5")
    page.page.goto(f"{page.base_url}/r/{report.id}/")
    expect(page.page).to_have_title("Queued\N{HORIZONTAL ELLIPSIS} · Conflict Explorer")
    run_report(report.id)  # the page polls; the answer swaps in with its own title
    expect(page.page.locator("#answer")).to_be_visible(timeout=30_000)
    expect(page.page).to_have_title("Conflict on django · Conflict Explorer")
    expect(page.page.locator(".verdict .meta")).to_contain_text("answered in")
    assert page.console_errors == []


def test_two_conflicts_a_resolved_report_and_the_home_page(page, bundled_index) -> None:
    two = resolved("company-site-two-conflicts")
    fine = resolved("wagtail-site")
    for size, viewport in (("1366", DESK), ("390", PHONE)):
        page.page.set_viewport_size(viewport)
        page.page.goto(f"{page.base_url}/r/{two.id}/")
        expect(page.page.locator("h1")).to_have_text("2 conflicts stop your requirements from resolving")
        expect(page.page.locator("#answer .answer-items > li")).to_have_count(2)
        expect(page.page.locator("#answer")).not_to_contain_text("the rest resolve")
        assert_no_sideways_scroll(page)
        shoot(page, f"answer-two-conflicts-{size}")
        page.page.goto(f"{page.base_url}/r/{fine.id}/")
        expect(page.page).to_have_title(re.compile(r"^Resolves: \d+ packages pinned"))
        assert_no_sideways_scroll(page)
        shoot(page, f"answer-resolved-{size}")
        page.page.goto(f"{page.base_url}/")
        assert_no_sideways_scroll(page)
        shoot(page, f"answer-home-{size}")
    assert_accessible(page, "home page")
    page.page.goto(f"{page.base_url}/r/{two.id}/")
    assert_accessible(page, "two-conflict report")
    page.page.goto(f"{page.base_url}/r/{fine.id}/")
    assert_accessible(page, "resolved report")
    page.page.goto(f"{page.base_url}/r/{two.id}/node/django/")
    expect(page.page.locator("h1")).to_contain_text("django")
    assert_accessible(page, "node page")
    # A bad line: the summary takes the focus, the field says it is wrong and gets a hint.
    page.page.goto(f"{page.base_url}/")
    page.page.fill("textarea[name=text]", "django=1.11\n")
    page.page.click("button[type=submit]:has-text('Explain')")
    expect(page.page.locator("#form-errors")).to_be_focused()
    expect(page.page.locator("textarea[name=text]")).to_have_attribute("aria-invalid", "true")
    expect(page.page.locator("#form-errors")).to_contain_text("did you mean django==1.11?")
    assert_accessible(page, "home page with an error")
    assert page.blocked == []
