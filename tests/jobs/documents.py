"""Test documents made in the test: .docx with runs, tables, headers and footers; text PDFs."""

from __future__ import annotations

import io
import random

import docx
from docx.shared import Pt

WORDS = [
    "minister",
    "envoy",
    "trade",
    "oil",
    "meeting",
    "market",
    "capital",
    "river",
    "council",
    "report",
    "budget",
    "school",
    "farmer",
    "harvest",
    "railway",
    "bridge",
    "museum",
    "doctor",
    "village",
    "summer",
    "winter",
    "election",
    "court",
    "factory",
    "export",
    "border",
    "treaty",
    "festival",
    "library",
    "airport",
    "science",
    "student",
    "teacher",
]


def sentences(count: int, seed: int = 0) -> list[str]:
    """Distinct English sentences (the engine computes a repeated sentence once)."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        words = rng.sample(WORDS, 6)
        sentence = f"The {words[0]} saw the {words[1]} near the {words[2]} and {words[3]}."
        if sentence not in found:
            found.append(sentence)
    return found


def make_docx(paragraphs: int = 12, seed: int = 0) -> bytes:
    """A .docx: body paragraphs (every third with a bold run), a table, a header and footer."""
    document = docx.Document()
    texts = sentences(paragraphs + 6, seed)
    for index in range(paragraphs):
        paragraph = document.add_paragraph()
        if index % 3 == 0:
            paragraph.add_run("Note: ").bold = True
            run = paragraph.add_run(texts[index])
            run.font.size = Pt(11)
        else:
            paragraph.add_run(texts[index])
    table = document.add_table(rows=2, cols=2)
    for number, cell in enumerate(c for row in table.rows for c in row.cells):
        cell.text = texts[paragraphs + number]
    section = document.sections[0]
    section.header.paragraphs[0].text = texts[paragraphs + 4]
    section.footer.paragraphs[0].text = texts[paragraphs + 5]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with a text layer (Helvetica, Latin text): one line of text per entry."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for lines in pages:
        body = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(
            f"({_escape(line)}) Tj T*" for line in lines
        )
        stream = body + " ET"
        page_number = len(objects) + 1
        kids.append(f"{page_number} 0 R")
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_number + 1} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    start = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    )
    return out.getvalue()
