"""/docs in headless Chromium: Swagger UI renders every operation of the 3.1 document, no error."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import API_KEY, watch_policy
from tests.integration.conftest import Server

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# Swagger UI's marks of a document it could not show: its version message ("Unable to render
# this definition") and its box of errors met while reading the document.
ERROR_MARKS = ".version-pragma, .errors-wrapper"
RENDERED_OPERATIONS = """() => [...document.querySelectorAll('#swagger-ui .opblock')].map(op =>
  [op.querySelector('.opblock-summary-method').textContent.toLowerCase(),
   op.querySelector('.opblock-summary-path').dataset.path])"""


def document_operations(server: Server) -> set[tuple[str, str]]:
    """(method, path) of every operation in the server's /openapi.json."""
    document = requests.get(server.url + "/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.1")
    return {(method, path) for path, item in document["paths"].items() for method in item}


def open_docs(browser: Browser, server: Server) -> tuple[Page, list[str], list[str]]:
    """/docs opened and drawn (operations or an error); what the policy refused; the errors
    thrown or logged in the console."""
    page = browser.new_context().new_page()
    refused = watch_policy(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(server.url + "/docs")
    # Swagger UI fetches the document, then draws either its operations or an error.
    expect(page.locator(f"#swagger-ui .opblock, {ERROR_MARKS}").first).to_be_attached(
        timeout=30_000
    )
    return page, refused, errors


def test_docs_renders_every_operation_of_the_document(
    browser: Browser, page_server: Server
) -> None:
    page, refused, errors = open_docs(browser, page_server)
    expect(page.locator(ERROR_MARKS)).to_have_count(0)
    expect(page.locator("#swagger-ui")).not_to_contain_text("Unable to render")
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("Tarjoman")
    expected = document_operations(page_server)
    assert {("post", "/v1/translate"), ("post", "/translate")} <= expected
    rendered = {(method, path) for method, path in page.evaluate(RENDERED_OPERATIONS)}
    assert rendered == expected
    assert refused == []
    assert errors == []
    page.context.close()


def test_an_operation_is_described_and_tried_out_with_a_key(
    browser: Browser, page_server: Server
) -> None:
    page, refused, errors = open_docs(browser, page_server)
    operation = page.locator(".opblock-post", has=page.locator('[data-path="/v1/translate"]'))
    operation.locator(".opblock-summary").click()
    body = operation.locator(".opblock-body")
    expect(body).to_contain_text("Request body")
    expect(body).to_contain_text("application/json")
    for status in ("200", "413", "422", "429"):
        expect(body.locator(f'.response[data-code="{status}"]')).to_be_attached()
    expect(page.locator(ERROR_MARKS)).to_have_count(0)
    expect(page.locator("#swagger-ui .models")).to_contain_text("ErrorResponse")
    # Authorize with the key, then call the API from the page (connect-src 'self').
    page.locator(".auth-wrapper .authorize").click()
    page.locator(".dialog-ux input").fill(API_KEY)
    page.locator(".dialog-ux .auth-btn-wrapper .authorize").click()
    page.locator(".dialog-ux .btn-done").click()
    operation.locator(".try-out__btn").click()
    operation.locator("textarea.body-param__text").fill(
        '{"text": "The ministry met on Monday.", "target": "fa"}'
    )
    operation.locator(".execute").click()
    answer = operation.locator(".live-responses-table .response")
    expect(answer.locator(".response-col_status")).to_have_text("200", timeout=60_000)
    expect(answer.locator(".response-col_description")).to_contain_text('"demo": true')
    assert refused == []
    assert errors == []
    page.context.close()
