"""The texts a request carries and a response returns, counted for limits and logs."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from service.api.body import parsed_json
from service.api.forms import is_form
from service.errors import TarjomanError

# Fields that carry text to translate or summarize: `text` on /v1, `q` on the compatible surface.
INPUT_FIELDS = ("text", "q")
# Fields that carry generated text back.
OUTPUT_FIELDS = ("text", "translatedText", "summary")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _form() -> MultiDict[str, str]:
    """The form body, or an empty one when it cannot be read (never raising)."""
    try:
        return request.form
    except HTTPException:
        return MultiDict()


def _json_body() -> dict[str, Any]:
    """The JSON object body, or {} (never raising: the view reports bad bodies itself)."""
    if request.method not in ("POST", "PUT", "PATCH") or is_form():
        return {}
    try:
        body = parsed_json()
    except (HTTPException, TarjomanError):  # the view reports the bad body itself
        return {}
    return body if isinstance(body, dict) else {}


def request_field(name: str) -> str | None:
    """One string field of the JSON or form body, if present."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if is_form():
        return _form().get(name)
    value = _json_body().get(name)
    return value if isinstance(value, str) else None


def request_texts() -> list[str]:
    """The texts in this request's JSON or form body (parsed once)."""
    cached: list[str] | None = g.get("tarjoman_texts")
    if cached is not None:
        return cached
    texts: list[str] = []
    for field in INPUT_FIELDS:
        if is_form() and request.method in ("POST", "PUT", "PATCH"):
            texts.extend(_form().getlist(field))
        else:
            texts.extend(_strings(_json_body().get(field)))
    g.tarjoman_texts = texts
    return texts


def request_chars() -> int:
    """Characters of text in this request."""
    return sum(len(text) for text in request_texts())


def _count_output(value: Any) -> int:
    if isinstance(value, list):
        return sum(_count_output(item) for item in value)
    if not isinstance(value, dict):
        return 0
    total = 0
    for key, item in value.items():
        if key in OUTPUT_FIELDS:
            total += sum(len(text) for text in _strings(item))
        elif isinstance(item, list | dict):
            total += _count_output(item)
    return total


def response_chars(response: Response) -> int:
    """Characters of generated text in a successful JSON response."""
    if response.status_code >= 300 or not response.is_json or response.direct_passthrough:
        return 0
    return _count_output(response.get_json(silent=True))
