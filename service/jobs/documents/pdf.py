"""PDF text: the text of each page (pypdf), cut into paragraphs; written out as .txt or .docx.

Only text comes back, not the PDF's layout: pictures, columns and fonts are not kept. A PDF
with no text layer (a scan) is refused: it needs OCR first.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.jobs.documents import DocumentError, Rendered, Unit
from service.jobs.model import JobSpec

_BREAK = re.compile(r"\n[ \t]*\n")
_HYPHEN_WRAP = re.compile(r"(\w)-\n(\w)")


@dataclass(frozen=True)
class PdfText:
    """The paragraphs of each page."""

    pages: tuple[tuple[str, ...], ...]
    output: str  # txt or docx

    @property
    def units(self) -> list[Unit]:
        """Every paragraph of every page."""
        return [Unit(paragraph) for page in self.pages for paragraph in page]

    def plain_text(self) -> str:
        """The paragraphs, blank lines between them."""
        return "\n\n".join(unit.text for unit in self.units)

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """A .txt (paragraphs, a form feed between pages) or a .docx (a page break between)."""
        found = iter(outputs)
        pages = [[next(found) for _ in page] for page in self.pages]
        if self.output == "docx":
            return _docx(pages, target)
        text = "\n\f\n".join("\n\n".join(page) for page in pages) + "\n"
        return Rendered(text.encode("utf-8"), "text/plain; charset=utf-8", ".txt")


def _docx(pages: list[list[str]], target: str) -> Rendered:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement

    from service.jobs.documents.docx import MEDIA

    document = docx.Document()
    for number, page in enumerate(pages):
        for paragraph in page:
            written = document.add_paragraph(paragraph)
            if target == "fa":
                written._p.get_or_add_pPr().insert(0, OxmlElement("w:bidi"))
        if number < len(pages) - 1:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    buffer = io.BytesIO()
    document.save(buffer)
    return Rendered(buffer.getvalue(), MEDIA, ".docx")


def _paragraphs(text: str) -> tuple[str, ...]:
    text = _HYPHEN_WRAP.sub(r"\1\2", text.replace("\r\n", "\n"))
    found = (" ".join(chunk.split()) for chunk in _BREAK.split(text))
    return tuple(paragraph for paragraph in found if paragraph)


def load(data: bytes, spec: JobSpec) -> PdfText:
    """Extract each page's text; DocumentError when it is not a PDF or has no text."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    output = spec.output_format or "txt"
    if output not in ("txt", "docx"):
        raise DocumentError(f"a PDF's text comes back as txt or docx, not {output!r}")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns per odd object, not per file
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        texts = [] if encrypted else [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise DocumentError(f"not a readable PDF: {exc}") from None
    if encrypted:
        raise DocumentError("the PDF is encrypted; send it without a password")
    pages = tuple(_paragraphs(text) for text in texts)
    if not any(pages):
        raise DocumentError("the PDF has no text layer (a scan?): run OCR on it first")
    return PdfText(tuple(page for page in pages if page), output)
