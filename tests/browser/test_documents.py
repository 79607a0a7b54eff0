"""The page's document tab in headless Chromium: upload, progress, download; a bad file's reason."""

from __future__ import annotations

import io

import docx
import pytest
from playwright.sync_api import Page, expect

from tests.jobs.documents import make_docx

pytestmark = [pytest.mark.integration, pytest.mark.browser]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def open_tab(page: Page) -> None:
    page.get_by_role("tab", name="Document").click()
    expect(page.locator("#panel-document")).to_be_visible()
    expect(page.locator("#panel-text")).to_be_hidden()


def test_a_docx_is_uploaded_followed_and_downloaded(page: Page) -> None:
    open_tab(page)
    source = make_docx(8)
    page.set_input_files(
        "#doc-file", files=[{"name": "report.docx", "mimeType": DOCX, "buffer": source}]
    )
    page.get_by_label("Output language").select_option("fa")
    page.get_by_role("button", name="Translate document").click()
    link = page.locator("#doc-download")
    expect(link).to_be_visible(timeout=60_000)
    expect(page.locator("#doc-status")).to_contain_text("Done")
    expect(page.locator("#doc-demo")).to_be_visible()  # demo models: never called a translation
    assert page.eval_on_selector("#doc-progress", "p => p.value === p.max")
    with page.expect_download() as found:
        link.click()
    download = found.value
    assert download.suggested_filename == "report.translated.docx"
    result = docx.Document(io.BytesIO(download.path().read_bytes()))
    original = docx.Document(io.BytesIO(source))
    assert len(result.paragraphs) == len(original.paragraphs)
    assert result.paragraphs[1].text != original.paragraphs[1].text


def test_a_broken_file_shows_the_servers_reason(page: Page) -> None:
    open_tab(page)
    page.set_input_files(
        "#doc-file", files=[{"name": "r.docx", "mimeType": DOCX, "buffer": b"nope"}]
    )
    page.get_by_role("button", name="Translate document").click()
    expect(page.locator("#doc-error")).to_contain_text("not a .docx")
    expect(page.locator("#doc-download")).to_be_hidden()
