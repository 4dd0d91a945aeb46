"""Explanations in a real browser (issue 7), on the bundled offline index (real metadata):
the classic Django conflict and a real-world file with two conflicts, from the home form to the
report: the smallest clashing lines first, the compatibility matrix, proven fixes, the targets
matrix, re-running as of the index read time and asking what broke the build.

Full-page screenshots go to artifacts/screenshots/explain-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conflicts.web.presenters import REAL_WORLD
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLASSIC = "# A Django 1.11 site asking for a newer REST framework\ndjango==1.11.29\ndjangorestframework>=3.12\n"
REPORT_URL = re.compile(r"/r/[0-9a-f-]{36}/$")
ANALYSED = 180_000  # ms: the real-world file takes about 30 re-resolutions on a shared 2-CPU machine


def detail(page, selector: str, name: str) -> Path:
    """A screenshot of one part of the page, readable at full size (the full page is very tall)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.page.locator(selector).first.screenshot(path=str(path))
    return path


def assert_no_sideways_scroll(page) -> None:
    """Wide matrices scroll inside their own box; the page itself never scrolls sideways."""
    width = page.page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.page.viewport_size["width"], f"the page is {width}px wide"


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page.page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {[(v['id'], v['help'], [n['target'] for n in v['nodes']][:3]) for v in bad]}"


def submit(page, text: str, python_version: str, *, targets: str = "") -> None:
    page.page.goto(page.base_url + "/")
    page.page.fill("textarea[name=text]", text)
    page.page.select_option("select[name=python_version]", python_version)
    page.page.select_option("select[name=index]", index=0)  # the snapshot, the only index here
    if targets:
        page.page.click("details.more > summary")
        page.page.fill("textarea[name=targets]", targets)
        detail(page, "form.submit", "explain-home-options")
    page.page.click("button[type=submit]:has-text('Explain')")
    expect(page.page).to_have_url(REPORT_URL)


def test_the_classic_django_conflict_explained(page, bundled_index, worker) -> None:
    submit(page, CLASSIC, "3.8", targets="3.12 manylinux_2_28_x86_64\n3.8 win_amd64")
    minimal = page.page.locator("#minimal-lines")
    expect(minimal).to_contain_text("These 2 of your 2 lines conflict", timeout=ANALYSED)
    expect(minimal).to_contain_text("requirements.in:2 django==1.11.29")
    expect(minimal).to_contain_text("requirements.in:3 djangorestframework>=3.12")
    # Shown first: above the conflict card.
    above = page.page.evaluate(
        "document.querySelector('#minimal-lines').compareDocumentPosition(document.querySelector('.card.conflict'))"
    )
    assert above & 4, "the smallest clashing lines come before the conflict card"

    card = page.page.locator("section.card.conflict").first
    expect(card).to_contain_text("Could not find a version that matches django")
    card.locator("details.matrix > summary").click()  # collapsed below the fixes
    matrix = card.locator("table.compat tbody[data-parent=djangorestframework]")
    expect(matrix).to_be_visible()
    expect(card.locator("table.compat thead th.v").first).to_have_text(re.compile(r"^django \d+\.\d+"))
    expect(matrix.locator("td.yes").first).to_contain_text("✓")
    expect(matrix.locator("td.no").first).to_contain_text("✗")
    expect(matrix.locator("td.no .sr").first).to_have_text("rejects")  # not by colour alone
    fixes = card.locator("ol.fix-list > li.fix")
    assert fixes.count() >= 1
    expect(fixes.first.locator("pre.diff .d-remove")).to_contain_text("-djangorestframework>=3.12")  # keeps Django 1.11
    expect(fixes.first.locator("pre.diff .d-add")).to_have_count(1)
    expect(fixes.first).to_contain_text("✓ resolves")

    targets = page.page.locator("#targets")
    expect(targets).to_contain_text("Targets: 0 of 3 resolve")
    expect(targets.locator("td[data-target='3.12 manylinux_2_28_x86_64']")).to_contain_text("✗")
    expect(targets.locator("td[data-target='3.8 win_amd64']")).to_contain_text("Could not find a version")
    expect(page.page.locator("#reproduce")).to_contain_text("Index read at")
    assert_no_sideways_scroll(page)
    assert_accessible(page, "classic report")
    page.screenshot("explain-classic-django")
    detail(page, "#minimal-lines", "explain-classic-django-minimal")
    detail(page, "section.card.conflict", "explain-classic-django-conflict")
    detail(page, "#targets", "explain-classic-django-targets")
    detail(page, "#reproduce", "explain-classic-django-reproduce")
    first_report = page.page.url

    # Re-run as of the time the index was read: a new report, linked, with the same answer.
    page.page.click("button:has-text('Re-run as of that time')")
    expect(page.page).not_to_have_url(first_report)
    expect(page.page.locator("#reproduce")).to_contain_text("resolved as of", timeout=ANALYSED)
    expect(page.page.locator("#minimal-lines")).to_contain_text("These 2 of your 2 lines conflict")
    expect(page.page.locator(".verdict")).to_contain_text("re-run of an earlier report")
    page.screenshot("explain-classic-django-as-of")

    # What broke my build: a date with a typo is refused under its field; a day in 2020 is answered.
    page.page.fill("#good-date", "2020-13-01")
    page.page.click("button:has-text('Find the release')")
    expect(page.page.locator("#good-date-error")).to_contain_text("good_date: '2020-13-01' is not a date")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()  # that 400 was the answer to the typo
    page.page.fill("#good-date", "2020-06-01")
    page.page.click("button:has-text('Find the release')")
    answer = page.page.locator("#what-broke")
    expect(answer).to_contain_text("What broke the build since 2020-06-01", timeout=ANALYSED)
    # DRF 3.12 came out in September 2020: as of June 2020 nothing met djangorestframework>=3.12.
    expect(answer).to_contain_text("did not resolve as of 2020-06-01")
    page.screenshot("explain-classic-django-what-broke")
    detail(page, "#what-broke", "explain-classic-django-what-broke-answer")
    assert page.blocked == [], f"requests to other hosts: {page.blocked}"
    assert page.console_errors == []


def test_a_real_world_file_with_two_conflicts(page, bundled_index, worker) -> None:
    submit(page, REAL_WORLD, "3.11")
    minimal = page.page.locator("#minimal-lines")
    expect(minimal).to_contain_text(re.compile(r"These 2 of your 12 lines conflict"), timeout=ANALYSED)
    cards = page.page.locator("section.card.conflict")
    expect(cards).to_have_count(2)
    expect(page.page.locator(".details-title")).to_contain_text("2 independent conflicts")
    packages = sorted(cards.nth(i).get_attribute("data-package") for i in range(2))
    assert packages == ["django", "kombu"]
    kombu = page.page.locator("section.card.conflict[data-package=kombu]")
    expect(kombu.locator(".set-aside")).to_contain_text("it remains with django set aside")
    kombu.locator("details.matrix > summary").click()
    expect(kombu.locator("table.compat tbody[data-parent=celery]")).to_be_visible()
    expect(kombu.locator("pre.diff .d-add").first).to_contain_text("+")
    django = page.page.locator("section.card.conflict[data-package=django]")
    django.locator("details.matrix > summary").click()
    expect(django.locator("table.compat tbody[data-parent=django-filter] tr")).not_to_have_count(0)
    expect(django.locator("li.fix").filter(has_text="django-filter==23.5")).to_have_count(1)
    expect(django).to_contain_text("(another conflict remains)")
    assert_no_sideways_scroll(page)
    assert_accessible(page, "real-world report")
    page.screenshot("explain-real-world")
    detail(page, "#minimal-lines", "explain-real-world-minimal")
    detail(page, "section.card.conflict[data-package=django]", "explain-real-world-django")
    detail(page, "section.card.conflict[data-package=kombu]", "explain-real-world-kombu")
    assert page.blocked == [] and page.console_errors == []


def test_without_javascript_the_explanation_and_its_buttons_work(browser, live_server, bundled_index, worker) -> None:
    """No htmx polling: the visitor reloads; the re-run and what-broke forms are plain POSTs."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    plain = context.new_page()
    plain.set_default_timeout(30_000)

    def until_finished() -> None:
        for _ in range(ANALYSED // 1000):
            if plain.locator("#report").count():
                return
            plain.wait_for_timeout(1000)
            plain.reload()
        raise AssertionError("the report did not finish")

    plain.goto(live_server.url + "/")
    plain.fill("textarea[name=text]", CLASSIC)
    plain.select_option("select[name=python_version]", "3.8")
    plain.click("button[type=submit]:has-text('Explain')")
    until_finished()
    expect(plain.locator("#minimal-lines")).to_contain_text("These 2 of your 2 lines conflict")
    expect(plain.locator("table.compat td.no").first).to_contain_text("rejects")
    plain.click("button:has-text('Re-run as of that time')")
    until_finished()
    expect(plain.locator("#reproduce")).to_contain_text("resolved as of")
    context.close()
