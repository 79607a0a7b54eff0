"""Form bodies read leniently: one byte that is not UTF-8 must not empty the whole form."""

from __future__ import annotations

from typing import IO
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.formparser import FormDataParser

# Werkzeug registers this error handler: it writes an undecodable byte as `%XX`, as it
# already does for percent-escapes that are not UTF-8.
_QUOTE_BAD_BYTES = "werkzeug.url_quote"


class LenientFormParser(FormDataParser):
    """Werkzeug's parser, except that a URL-encoded body with raw bytes that are not UTF-8
    keeps its other fields (Werkzeug's own turns the decoding error into an empty form)."""

    def _parse_urlencoded(  # type: ignore[override]
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[IO[bytes], object, object]:
        text = stream.read().decode("utf-8", _QUOTE_BAD_BYTES)
        items = parse_qsl(text, keep_blank_values=True, errors=_QUOTE_BAD_BYTES)
        return stream, self.cls(items), self.cls()


class TarjomanRequest(Request):
    """Flask's request with the lenient form parser."""

    form_data_parser_class = LenientFormParser
