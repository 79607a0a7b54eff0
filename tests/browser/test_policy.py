"""The Content-Security-Policy in Chromium: the page works under it, nothing refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import API_KEY, watch_policy
from tests.integration.conftest import Server

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_the_page_translates_under_its_policy(browser: Browser, page_server: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    refused = watch_policy(page)
    response = page.goto(page_server.url + "/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator("summary", has_text="API key").click()
    page.get_by_label("API key (only if this server asks for one)").fill(API_KEY)
    page.get_by_label("Text (paste or type an article)").fill("The ministry met on Monday.")
    page.get_by_role("button", name="Translate").click()
    expect(page.locator("#job")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#output")).not_to_be_empty()
    assert refused == []
    context.close()
