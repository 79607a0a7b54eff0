"""The page in headless Chromium: translate and summarize the IRNA article, show API errors."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import MAX_TEXT_CHARS

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def submit(page: Page, button: str) -> None:
    """Click a button and wait until the page has the API's answer (or its error) shown."""
    page.get_by_role("button", name=button).click()
    expect(page.locator("#job")).to_have_attribute("aria-busy", "false")


def is_rtl(page: Page, selector: str) -> bool:
    """Whether the element's resolved direction (dir=auto included) is right-to-left."""
    return bool(page.eval_on_selector(selector, "el => el.matches(':dir(rtl)')"))


def test_the_page_is_labelled_warns_of_demo_models_and_fits_a_phone(page: Page) -> None:
    expect(page.get_by_label("Text (paste or type an article)")).to_be_visible()
    expect(page.get_by_label("From")).to_have_value("auto")
    expect(page.get_by_role("button", name="Translate")).to_be_enabled()
    expect(page.get_by_role("button", name="Summarize")).to_be_enabled()
    expect(page.locator("#demo-banner")).to_contain_text("not a translation")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_translates_the_irna_article(page: Page, irna_text: str) -> None:
    page.get_by_label("Text (paste or type an article)").fill(irna_text)
    assert is_rtl(page, "#text")  # the Persian article reads right-to-left as typed
    submit(page, "Translate")
    result = page.locator("#result")
    expect(result).to_be_visible()
    # Demo models: the output is never called a translation.
    expect(page.locator("#result-title")).to_have_text("Demo output")
    expect(page.locator("#result-demo")).to_contain_text("not a translation")
    output = page.locator("#output")
    expect(output).not_to_be_empty()
    expect(output).to_have_attribute("dir", "ltr")
    expect(output).to_have_attribute("lang", "en")
    meta = page.locator("#meta")
    expect(meta).to_contain_text("Persian → English")
    expect(meta).to_contain_text("Detected")  # From was "Detect the language"
    expect(meta).to_contain_text("tiny-marian-fa-en")
    expect(meta).to_contain_text(" ms")
    expect(page.locator("#error")).to_be_hidden()


def test_persian_output_is_shown_right_to_left(page: Page) -> None:
    page.get_by_label("Text (paste or type an article)").fill("The ministry met on Monday.")
    assert not is_rtl(page, "#text")
    page.get_by_label("Into").select_option("fa")
    submit(page, "Translate")
    output = page.locator("#output")
    expect(output).to_have_attribute("dir", "rtl")
    expect(output).to_have_attribute("lang", "fa")
    assert is_rtl(page, "#output")
    expect(page.locator("#meta")).to_contain_text("English → Persian")


def summarize(page: Page, text: str, target: str, mode: str | None = None) -> None:
    """Fill the form for a summary and submit it; the request must succeed."""
    page.get_by_label("Text (paste or type an article)").fill(text)
    page.get_by_label("Into").select_option(target)
    if mode:
        page.locator("summary", has_text="Summary options").click()
        page.get_by_label("Method").select_option(mode)
    submit(page, "Summarize")
    assert page.locator("#error").is_hidden(), page.locator("#error").text_content()
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#output")).not_to_be_empty()


def test_summarizes_the_irna_article_in_persian_right_to_left(page: Page, irna_text: str) -> None:
    summarize(page, irna_text, "fa")
    output = page.locator("#output")
    expect(output).to_have_attribute("dir", "rtl")
    assert is_rtl(page, "#output")
    meta = page.locator("#meta")
    expect(meta).to_contain_text("Persian → Persian")
    expect(meta).to_contain_text("Strategy")
    # The tiny profile's Persian summarizer is a random model: its output is not a summary.
    expect(page.locator("#result-title")).to_have_text("Demo output")
    expect(page.locator("#result-demo")).to_contain_text("not a summary")


def test_an_extractive_summary_is_called_a_summary(page: Page, irna_text: str) -> None:
    summarize(page, irna_text, "fa", mode="extractive")
    # Sentences quoted from the article: no demo model wrote them.
    expect(page.locator("#result-title")).to_have_text("Summary")
    expect(page.locator("#result-demo")).to_be_hidden()
    expect(page.locator("#output")).to_have_attribute("dir", "rtl")
    expect(page.locator("#meta")).to_contain_text("extractive")


def test_summarizes_the_irna_article_in_english(page: Page, irna_text: str) -> None:
    summarize(page, irna_text, "en", mode="extractive")
    expect(page.locator("#output")).to_have_attribute("dir", "ltr")
    meta = page.locator("#meta")
    expect(meta).to_contain_text("Persian → English")
    expect(meta).to_contain_text("extractive")
    # Translated into English by a demo model: not called a summary.
    expect(page.locator("#result-title")).to_have_text("Demo output")


def test_an_unclear_language_is_a_readable_error(page: Page) -> None:
    page.get_by_label("Text (paste or type an article)").fill("Tehran تهران")
    submit(page, "Translate")
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Could not translate: the language of")
    expect(error).to_contain_text("is too mixed to tell")
    expect(error).to_contain_text("Change the request and try again.")
    expect(error).not_to_contain_text("{")
    expect(page.locator("#result")).to_be_hidden()


def test_a_text_over_the_limit_is_a_readable_error(page: Page) -> None:
    page.get_by_label("Text (paste or type an article)").fill("word " * (MAX_TEXT_CHARS // 5 + 10))
    submit(page, "Translate")
    error = page.get_by_role("alert")
    expect(error).to_contain_text(f"the limit is {MAX_TEXT_CHARS}")
    expect(error).to_contain_text("send a shorter text")


def test_a_missing_or_wrong_api_key_is_a_readable_error(page: Page) -> None:
    key = page.get_by_label("API key (only if this server asks for one)")
    key.fill("")
    page.get_by_label("Text (paste or type an article)").fill("Hello there.")
    submit(page, "Translate")
    error = page.get_by_role("alert")
    expect(error).to_contain_text("Could not translate:")
    expect(error).to_contain_text("This server needs an API key")
    key.fill("not-the-key")
    submit(page, "Translate")
    expect(error).to_contain_text("The API key was not accepted.")
    expect(error).not_to_contain_text("not-the-key")


def test_an_overloaded_service_says_when_to_retry(page: Page) -> None:
    def overloaded(route: Route) -> None:
        body = {"error": {"code": "overloaded", "message": "the queue is full"}}
        route.fulfill(
            status=503, headers={"Retry-After": "7"}, content_type="application/json",
            body=json.dumps(body),
        )  # fmt: skip

    page.route("**/v1/translate", overloaded)
    page.get_by_label("Text (paste or type an article)").fill("Hello there.")
    submit(page, "Translate")
    error = page.get_by_role("alert")
    expect(error).to_contain_text("Could not translate: the queue is full.")
    expect(error).to_contain_text("busy")
    expect(error).to_contain_text("Try again in 7 s.")


def test_a_proxy_page_instead_of_json_is_a_readable_error(page: Page) -> None:
    page.route(
        "**/v1/summarize",
        lambda route: route.fulfill(status=502, content_type="text/html", body="<h1>Bad</h1>"),
    )
    page.get_by_label("Text (paste or type an article)").fill("Hello there.")
    submit(page, "Summarize")
    expect(page.get_by_role("alert")).to_contain_text(
        "Could not summarize: the server answered 502"
    )
    expect(page.locator("#result")).to_be_hidden()
