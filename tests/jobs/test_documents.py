"""Each document format: units out, outputs back in, structure kept; bad files refused clearly."""

from __future__ import annotations

import io
import json
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from service.jobs import documents
from service.jobs.model import JobSpec
from tests.jobs.documents import make_docx, make_pdf


def spec(fmt: str, **extra: str) -> JobSpec:
    return JobSpec("translate", fmt, f"doc.{fmt}", {}, **extra)  # type: ignore[arg-type]


def round_trip(fmt: str, data: bytes, **extra: str) -> tuple[list[documents.Unit], bytes]:
    """Load, replace each unit by its upper-case self, render: the units and the output."""
    document = documents.load(data, spec(fmt, **extra))
    units = list(document.units)
    return units, document.render([u.text.upper() for u in units], "en").data


@pytest.mark.parametrize(
    ("name", "named", "expected"),
    [
        ("a.TXT", None, "txt"),
        ("x.ndjson", None, "jsonl"),
        ("s.vtt", None, "vtt"),
        ("f", "pdf", "pdf"),
    ],
)
def test_format_from_name_or_field(name: str, named: str | None, expected: str) -> None:
    assert documents.format_of(name, named) == expected


@pytest.mark.parametrize(("name", "named"), [("a.exe", None), ("a.txt", "texts"), ("a", "doc")])
def test_unknown_formats_are_refused(name: str, named: str | None) -> None:
    with pytest.raises(documents.DocumentError, match="format"):
        documents.format_of(name, named)


def test_txt_keeps_blank_lines() -> None:
    units, out = round_trip("txt", b"first line.\n\nsecond line.\n")
    assert [u.text for u in units] == ["first line.", "second line."]
    assert out == b"FIRST LINE.\n\nSECOND LINE.\n"


def test_jsonl_puts_the_output_in_its_field_and_keeps_the_rest() -> None:
    data = b'{"id": 1, "text": "one"}\n\n{"id": 2, "text": "two"}\n'
    units, out = round_trip("jsonl", data)
    assert [u.text for u in units] == ["one", "two"]
    rows = [json.loads(line) for line in out.decode().splitlines()]
    assert rows == [
        {"id": 1, "text": "one", "translation": "ONE"},
        {"id": 2, "text": "two", "translation": "TWO"},
    ]


def test_jsonl_field_and_output_field_are_options() -> None:
    _units, out = round_trip("jsonl", b'{"body": "x"}\n', field="body", output_field="fa")
    assert json.loads(out) == {"body": "x", "fa": "X"}


def test_html_keeps_tags_and_attributes() -> None:
    page = (
        b'<html><body><h1 class="t">Title</h1><p>Hello <b>bold</b> <a href="/x">link</a>.</p>'
        b'<script>var a = "no";</script></body></html>'
    )
    document = documents.load(page, spec("html"))
    units = list(document.units)
    assert all(u.html for u in units)
    assert [u.text for u in units] == ["Title", 'Hello <b>bold</b> <a href="/x">link</a>.']
    assert document.render([u.text for u in units], "en").data == page  # lossless
    out = document.render(["TITLE", 'HELLO <b>BOLD</b> <a href="/x">LINK</a>.'], "en").data
    assert out.decode().startswith('<html><body><h1 class="t">TITLE</h1><p>HELLO <b>BOLD</b>')
    assert document.plain_text() == "Title\n\nHello bold link."


def test_srt_keeps_numbers_and_timings() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,500\nHello there.\nSecond line.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nBye.\n"
    )
    units, out = round_trip("srt", srt.encode())
    assert [u.text for u in units] == ["Hello there.\nSecond line.", "Bye."]
    assert out.decode() == srt.upper().replace("-->", "-->")


def test_vtt_keeps_header_notes_and_cue_settings() -> None:
    vtt = "WEBVTT\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.000 align:start\nHi.\n"
    units, out = round_trip("vtt", vtt.encode())
    assert [u.text for u in units] == ["Hi."]
    assert out.decode() == vtt.replace("Hi.", "HI.")


def test_docx_paragraphs_tables_headers_footers_and_run_formatting() -> None:
    units, out = round_trip("docx", make_docx(6))
    assert len(units) == 6 + 4 + 2  # body, table cells, header, footer
    result = docx.Document(io.BytesIO(out))
    first = result.paragraphs[0]
    assert first.runs[0].bold
    assert first.runs[0].text == "NOTE: "
    assert not first.runs[1].bold
    assert first.runs[1].text.isupper()
    assert all(c.text.isupper() for row in result.tables[0].rows for c in row.cells)
    assert result.sections[0].header.paragraphs[0].text.isupper()
    assert result.sections[0].footer.paragraphs[0].text.isupper()


def test_docx_persian_output_is_right_to_left() -> None:
    document = documents.load(make_docx(3), spec("docx"))
    out = document.render(["متن" for _ in document.units], "fa").data
    body = docx.Document(io.BytesIO(out)).paragraphs[0]._p
    assert body.pPr.find(qn("w:bidi")) is not None
    assert all(r.rPr.find(qn("w:rtl")) is not None for r in body.iter(qn("w:r")))


def test_pdf_text_comes_back_as_txt_or_docx() -> None:
    pdf = make_pdf([["Hello world.", "More text."], ["Page two."]])
    units, out = round_trip("pdf", pdf)
    assert [u.text for u in units] == ["Hello world. More text.", "Page two."]
    assert out == b"HELLO WORLD. MORE TEXT.\n\f\nPAGE TWO.\n"
    _, out = round_trip("pdf", pdf, output_format="docx")
    texts = [p.text for p in docx.Document(io.BytesIO(out)).paragraphs if p.text]
    assert texts == ["HELLO WORLD. MORE TEXT.", "PAGE TWO."]


def _zip_without_word() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a document")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "data", "reason"),
    [
        ("docx", b"PK\x03\x04 this is not a zip", "not a .docx"),
        ("docx", _zip_without_word(), "not a .docx"),
        ("pdf", b"%PDF-1.4 garbage", "PDF"),
        ("pdf", make_pdf([[]]), "no text layer"),
        ("txt", b"\xff\xfe\x00\xd8", "UTF-16"),
        ("txt", b"caf\xe9 latin-1", "not UTF-8"),
        ("txt", b"\n \n", "no text"),
        ("jsonl", b'{"text": 1}\n', "string field"),
        ("jsonl", b"not json\n", "not valid JSON"),
        ("srt", b"just words, no cues\n", "no srt cues"),
        ("vtt", b"00:01.000 --> 00:02.000\nHi\n", "WEBVTT"),
        ("html", b"<p> </p><script>x()</script>", "no text"),
    ],
)
def test_bad_files_are_refused_with_the_reason(fmt: str, data: bytes, reason: str) -> None:
    with pytest.raises(documents.DocumentError, match=reason):
        documents.load(data, spec(fmt))
