"""Word .docx: every paragraph (body, tables, text boxes, headers, footers) is a unit.

A paragraph whose runs differ in formatting is sent as HTML, one `<span>` per run, so the
sentence is translated whole and each run's formatting lands on the words that came from it;
runs holding pictures or fields are never touched. Persian output paragraphs are set
right-to-left (`w:bidi`, `w:rtl`).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.run import Run

from service.jobs.documents import DocumentError, Rendered, Unit
from service.jobs.model import JobSpec

MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_TEXT_PARTS = {qn(t) for t in ("w:rPr", "w:t", "w:tab", "w:br", "w:cr", "w:noBreakHyphen")}
_RUN_HOLDERS = {qn(t) for t in ("w:hyperlink", "w:ins", "w:smartTag")}
_HEADER_PARTS = ("/word/header", "/word/footer")


def _text_runs(paragraph: Any) -> list[Run]:
    """The runs of a paragraph that hold only text (not pictures, fields or objects)."""
    runs = []
    for child in paragraph:
        found = [child] if child.tag == qn("w:r") else []
        if child.tag in _RUN_HOLDERS:
            found = [r for r in child if r.tag == qn("w:r")]
        runs += [Run(r, None) for r in found if all(c.tag in _TEXT_PARTS for c in r)]  # type: ignore[arg-type]
    return [run for run in runs if run.text]


def _style(run: Run) -> bytes:
    properties = run._r.rPr
    return b"" if properties is None else bytes(properties.xml, "utf-8")


@dataclass
class _Paragraph:
    element: Any
    runs: list[Run]

    @property
    def styled(self) -> bool:
        """True when the runs differ in formatting: sent as one span per run."""
        return len({_style(run) for run in self.runs}) > 1

    def unit(self) -> Unit:
        if not self.styled:
            return Unit("".join(run.text for run in self.runs))
        spans = (
            f'<span id="r{i}">{html.escape(r.text, quote=False)}</span>'
            for i, r in enumerate(self.runs)
        )
        return Unit("".join(spans), html=True)

    def write(self, output: str) -> None:
        texts = _span_texts(output, len(self.runs)) if self.styled else [output]
        texts += [""] * (len(self.runs) - len(texts))
        for run, text in zip(self.runs, texts, strict=True):
            run.text = text


class _Spans(HTMLParser):
    """Collects the text of each `<span id="rN">`; text outside spans joins the previous run."""

    def __init__(self, count: int) -> None:
        super().__init__(convert_charrefs=True)
        self.texts = [""] * count
        self.current = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        value = dict(attrs).get("id") or ""
        if tag == "span" and value[1:].isdigit() and int(value[1:]) < len(self.texts):
            self.current = int(value[1:])

    def handle_data(self, data: str) -> None:
        self.texts[self.current] += data


def _span_texts(fragment: str, count: int) -> list[str]:
    parser = _Spans(count)
    parser.feed(fragment)
    parser.close()
    return parser.texts


def _right_to_left(paragraph: _Paragraph) -> None:
    properties = paragraph.element.get_or_add_pPr()
    if properties.find(qn("w:bidi")) is None:
        properties.insert(0, OxmlElement("w:bidi"))
    for run in paragraph.runs:
        run_properties = run._r.get_or_add_rPr()
        if run_properties.find(qn("w:rtl")) is None:
            run_properties.append(OxmlElement("w:rtl"))


@dataclass
class WordDocument:
    """A parsed .docx and its paragraphs that hold text."""

    document: Any
    paragraphs: list[_Paragraph]

    @property
    def units(self) -> list[Unit]:
        """One unit per paragraph with text."""
        return [paragraph.unit() for paragraph in self.paragraphs]

    def plain_text(self) -> str:
        """The body's paragraphs (not headers and footers), a paragraph each."""
        return "\n\n".join(_texts(self.document.element.body))

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """The same file, each paragraph's runs holding its output."""
        for paragraph, output in zip(self.paragraphs, outputs, strict=True):
            paragraph.write(output)
            if target == "fa":
                _right_to_left(paragraph)
        buffer = io.BytesIO()
        self.document.save(buffer)
        return Rendered(buffer.getvalue(), MEDIA, ".docx")


def _texts(element: Any) -> Iterator[str]:
    for p in element.iter(qn("w:p")):
        text = "".join(run.text for run in _text_runs(p))
        if text.strip():
            yield text


def _elements(document: Any) -> Iterator[Any]:
    """The body, then each header and footer part."""
    yield document.element.body
    for part in document.part.package.iter_parts():
        if str(part.partname).startswith(_HEADER_PARTS):
            yield part.element


def load(data: bytes, spec: JobSpec) -> WordDocument:
    """Open the .docx; DocumentError when it is not one or has no text."""
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and key errors alike for a bad file
        raise DocumentError(f"not a .docx file (a Word 2007+ document): {exc}") from None
    paragraphs = []
    for element in _elements(document):
        for p in element.iter(qn("w:p")):
            runs = _text_runs(p)
            if "".join(run.text for run in runs).strip():
                paragraphs.append(_Paragraph(p, runs))
    if not paragraphs:
        raise DocumentError("the .docx has no text")
    return WordDocument(document, paragraphs)
