"""Headless Chromium (Debian's) driven by Playwright, against a real gunicorn on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.integration.conftest import Server, start_server, stop_server

# expect() polls until its condition holds; Playwright's 5 s default is a deadline a loaded
# machine misses (the IRNA article's first translation took 8 s at load 9): a minute instead.
expect.set_options(timeout=60_000)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAX_TEXT_CHARS = 4000  # above the IRNA article (about 2,100), so a longer paste gets a real 413
API_KEY = "page-test-key-3f9c1e"  # the API needs it; the page, its assets and /readyz do not


@pytest.fixture(scope="module")
def page_server(
    test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """gunicorn serving the tiny profile and the page."""
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    settings = {"TARJOMAN_MAX_TEXT_CHARS": str(MAX_TEXT_CHARS), "TARJOMAN_API_KEYS": API_KEY}
    process, server = start_server(test_models_dir, log, settings)
    yield server
    stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; never a browser downloaded by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield found
        found.close()


@pytest.fixture
def page(browser: Browser, page_server: Server) -> Iterator[Page]:
    """The page at /, phone-sized, with the server's API key entered as a person would."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    opened = context.new_page()
    opened.goto(page_server.url + "/")
    opened.locator("summary", has_text="API key").click()
    opened.get_by_label("API key (only if this server asks for one)").fill(API_KEY)
    yield opened
    context.close()


def watch_policy(page: Page) -> list[str]:
    """Every console message and violation event about the security policy, as it comes."""
    refused: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    def on_violation(text: str) -> None:
        refused.append(text)

    page.on("console", on_console)
    page.expose_function("reportViolation", on_violation)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));"
    )
    return refused
