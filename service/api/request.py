"""Reading request bodies into schema objects, with the service's errors and limits."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from service.api.body import parsed_json
from service.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from service.schemas import TextsRequest
from service.settings import Settings

Model = TypeVar("Model", bound=BaseModel)


def json_body() -> Any:
    """The body parsed as JSON; 415 when it is not JSON, 400 when it does not parse or nests too
    deep, 422 when a string in it is not Unicode."""
    if request.mimetype not in ("application/json", "") and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"send JSON (Content-Type: application/json), not {request.mimetype}"
        )
    return parsed_json()


def validate(model: type[Model], data: Any) -> Model:
    """Validate data against a schema; 422 with the problems (never the input) when invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems)
        raise InvalidRequest(f"invalid request: {summary}", details=problems) from None


def check_text_limits(texts: list[str], settings: Settings) -> None:
    """413 when there are too many texts or one is too long."""
    if len(texts) > settings.max_texts:
        raise PayloadTooLarge(
            f"{len(texts)} texts in one request; the limit is {settings.max_texts}",
            details={"limit": settings.max_texts, "setting": "TARJOMAN_MAX_TEXTS"},
        )
    for index, text in enumerate(texts):
        if len(text) > settings.max_text_chars:
            raise PayloadTooLarge(
                f"text[{index}] has {len(text)} characters; the limit is {settings.max_text_chars}",
                details={"limit": settings.max_text_chars, "setting": "TARJOMAN_MAX_TEXT_CHARS"},
            )


def check_alternatives(wanted: int, settings: Settings) -> None:
    """422 when a request asks for more alternatives than the server gives."""
    if wanted > settings.max_alternatives:
        raise InvalidRequest(
            f"alternatives: at most {settings.max_alternatives} on this server",
            details={"limit": settings.max_alternatives, "setting": "TARJOMAN_MAX_ALTERNATIVES"},
        )


TextsModel = TypeVar("TextsModel", bound=TextsRequest)


def texts_request(model: type[TextsModel], settings: Settings) -> tuple[TextsModel, list[str]]:
    """The body validated as `model`, and its texts checked against the text limits."""
    body = validate(model, json_body())
    texts = body.texts()
    check_text_limits(texts, settings)
    return body, texts
