"""The API's docs page renders in chromium offline, under the app's strict Content Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_every_operation_without_csp_violations_or_other_hosts(page) -> None:
    page.page.goto(page.base_url + "/api/v1/docs")
    operations = page.page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=30_000)
    expect(page.page.locator(".opblock-summary-path")).to_have_count(6)
    expect(page.page.locator("button.authorize")).to_be_visible()
    page.screenshot("api-docs")
    assert page.blocked == [], f"requests to other hosts: {page.blocked}"
    assert page.console_errors == [], page.console_errors
