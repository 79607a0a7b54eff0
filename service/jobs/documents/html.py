"""HTML: each block of text (with its inline tags) is a unit; every tag and attribute comes back."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.jobs.documents import DocumentError, Rendered, Unit, decode_text
from service.jobs.model import JobSpec
from service.text import markup

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class HtmlDocument:
    """A parsed page: its raw parts and the HTML fragment of each block."""

    document: markup.Document
    fragments: tuple[str, ...]

    @property
    def units(self) -> list[Unit]:
        """Each block as an HTML fragment: translated with `format: html`."""
        return [Unit(fragment, html=True) for fragment in self.fragments]

    def plain_text(self) -> str:
        """The blocks' text without tags, a paragraph each."""
        texts = (html_lib.unescape(_TAG.sub("", f)).strip() for f in self.fragments)
        return "\n\n".join(text for text in texts if text)

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """The page with each block's translated fragment in its place."""
        page = markup.render(self.document, list(outputs))
        return Rendered(page.encode("utf-8"), "text/html; charset=utf-8", ".html")


def load(data: bytes, spec: JobSpec) -> HtmlDocument:
    """Parse the page into raw parts and blocks of text."""
    source = decode_text(data, "page")
    marker = markup.marker_for(source)
    document = markup.parse(source, marker)
    fragments = tuple(markup.restore(b.text, b.tags, marker) for b in document.blocks)
    if not any(_TAG.sub("", fragment).strip() for fragment in fragments):
        raise DocumentError("the page has no text outside tags")
    return HtmlDocument(document, fragments)
