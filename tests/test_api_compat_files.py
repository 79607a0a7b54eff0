"""LibreTranslate's /translate_file and /download_file: the jobs' document formats, at once."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

BAD = "Invalid request: "
NOT_UTF8 = "the file is not UTF-8 text (a bad byte at offset 0); convert it to UTF-8 first"


def _upload(client: FlaskClient, name: str, content: bytes, **form: str) -> dict[str, object]:
    data: dict[str, object] = {"source": "en", "target": "fa"} | form
    data["file"] = (io.BytesIO(content), name)
    response = client.post("/translate_file", data=data, content_type="multipart/form-data")
    result: dict[str, object] = {"status": response.status_code} | response.get_json()
    return result


def test_a_text_file_is_translated_and_downloaded(client: FlaskClient) -> None:
    answer = _upload(client, "news report.txt", b"Heavy rain.\n\nRoads closed.\n")
    assert answer["status"] == 200
    url = str(answer["translatedFileUrl"])
    assert url.startswith("http://localhost/download_file/")
    download = client.get(url.removeprefix("http://localhost"))
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=news_report.txt"
    assert download.get_data(as_text=True) == "[fa] Heavy rain.\n\n[fa] Roads closed.\n"


def test_an_html_file_keeps_its_tags(client: FlaskClient) -> None:
    answer = _upload(client, "page.html", b"<p>Heavy <b>rain</b>.</p>", source="auto")
    url = str(answer["translatedFileUrl"]).removeprefix("http://localhost")
    assert client.get(url).get_data(as_text=True) == "<p>[fa] Heavy <b>rain</b>.</p>"


@pytest.mark.parametrize(
    ("name", "content", "form", "message"),
    [
        ("a.txt", b"x", {"source": ""}, "Invalid request: missing source parameter"),
        ("a.txt", b"x", {"target": ""}, "Invalid request: missing target parameter"),
        ("a.txt", b"x", {"target": "de"}, "de is not supported"),
        ("", b"x", {}, "Invalid request: empty file"),
        ("a.odt", b"PK", {}, "Invalid request: file format not supported"),
        ("a.jsonl", b"{}", {}, "Invalid request: file format not supported"),
        ("a.pdf", b"%PDF", {}, f"{BAD}not a readable PDF: Stream has ended unexpectedly"),
        ("a.txt", b"\xfa\xfb", {}, f"{BAD}{NOT_UTF8}"),
        ("a.txt", b"  \n", {}, "Invalid request: the file has no text"),
        ("a.txt", b"a" * 31, {}, "Invalid request: request (31) exceeds text limit (30)"),
    ],
)  # fmt: skip
def test_mistakes_are_400_in_libretranslates_words(
    make_app: Callable[..., Flask], name: str, content: bytes, form: dict[str, str], message: str
) -> None:
    client = make_app(max_text_chars=30).test_client()
    answer = _upload(client, name, content, **form)
    assert answer == {"status": 400, "error": message}


def test_no_file_is_a_missing_parameter(client: FlaskClient) -> None:
    response = client.post("/translate_file", data={"source": "en", "target": "fa"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "Invalid request: missing file parameter"}


def test_downloads_refuse_odd_names_and_unknown_files(client: FlaskClient) -> None:
    assert client.get("/download_file/..%2Fdeepl.sqlite3").status_code in (400, 404)
    assert client.get("/download_file/%00").get_json() == {"error": "Invalid filename"}
    odd = client.get("/download_file/.hidden")
    assert odd.status_code == 400
    assert odd.get_json() == {"error": "Invalid filename"}
    gone = client.get("/download_file/0000.a.txt")
    assert gone.status_code == 404
    assert list(gone.get_json()) == ["error"]


def test_a_docx_comes_back_a_docx_with_its_paragraphs(client: FlaskClient) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Heavy rain.")
    document.add_paragraph("Roads closed.")
    buffer = io.BytesIO()
    document.save(buffer)
    answer = _upload(client, "report.docx", buffer.getvalue())
    assert answer["status"] == 200, answer
    url = str(answer["translatedFileUrl"]).removeprefix("http://localhost")
    download = client.get(url)
    assert download.headers["Content-Disposition"] == "attachment; filename=report.docx"
    paragraphs = [p.text for p in docx.Document(io.BytesIO(download.data)).paragraphs]
    assert paragraphs == ["[fa] Heavy rain.", "[fa] Roads closed."]
