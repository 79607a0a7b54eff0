"""Form bodies: read leniently (a byte that is not UTF-8 keeps the form), or JSON in their place."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any
from urllib.parse import parse_qsl

from flask import Request, request
from werkzeug.formparser import FormDataParser

from service.api.request import json_body
from service.errors import TarjomanError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

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


def is_form() -> bool:
    """Whether this request's body is a form (URL-encoded or multipart)."""
    return request.mimetype in FORM_TYPES


def form_or_json(
    field: Callable[[str, list[str]], Any], not_object: TarjomanError, *, empty_ok: bool = False
) -> dict[str, Any]:
    """The body's parameters: a form's (`field` makes one of each field's values) or a JSON
    object's; `not_object` when the JSON is not an object; with `empty_ok`, no body is {}."""
    if is_form():
        return {key: field(key, request.form.getlist(key)) for key in request.form}
    if empty_ok and not (request.content_length or request.mimetype):
        return {}
    parsed = json_body()
    if not isinstance(parsed, dict):
        raise not_object
    return parsed
