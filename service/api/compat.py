"""The LibreTranslate 1.9-compatible surface: /translate and /detect, with its errors and words."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from service import errors
from service.api.errors import http_error, json_error, keep_allow, log_if_ours
from service.api.forms import form_or_json
from service.api.openapi import documented
from service.api.state import state
from service.pipelines.translate import Translation, translate
from service.schemas_compat import (
    CompatDetectRequest,
    CompatError,
    CompatTranslateRequest,
    CompatTranslateResponse,
    DetectedLanguage,
)
from service.settings import Settings
from service.text.detect import detect
from service.text.normalize import normalize

log = logging.getLogger(__name__)
blueprint = Blueprint("compat", __name__)
NAMES = {"fa": "Persian", "en": "English"}
ERRORS = (400, 403, 429, 503, 504)
TAGS = ("LibreTranslate-compatible",)
# LibreTranslate answers 400 for every request it cannot serve as sent; a missing key is 400
# and a wrong one 403, in its words; rate limits, overload and deadlines keep their statuses.
_AS_400 = (401, 413, 415, 422)
_WORDS: dict[type[errors.TarjomanError], str] = {
    errors.Unauthorized: "Please contact the server operator to get an API key",
    errors.Forbidden: "Invalid API key",
}


class BadRequest(errors.ClientError):
    """A request LibreTranslate refuses with 400, in its words."""


@dataclass(frozen=True)
class TranslateParams:
    """A /translate request, checked in LibreTranslate's order."""

    texts: list[str]
    single: bool
    source: str
    target: str
    html: bool
    alternatives: int


def _form_field(key: str, values: list[str]) -> str | list[str]:
    """A form field's value: its first, except that a repeated `q` is a list."""
    if key != "q":
        return values[0]
    if len(values) > 1:
        return values
    # As LibreTranslate does: line endings of a form become LF before limits are counted.
    return "\n".join(values[0].splitlines())


def body() -> dict[str, Any]:
    """The request as a dict, from a form (a repeated `q` is a list) or a JSON object."""
    return form_or_json(_form_field, BadRequest("Invalid JSON format"))


def missing(name: str) -> BadRequest:
    """LibreTranslate's error for a parameter not sent (or empty)."""
    return BadRequest(f"Invalid request: missing {name} parameter")


def language(code: str, allowed: set[str]) -> str:
    """A language code this server has, else LibreTranslate's `xx is not supported`."""
    if code not in allowed:
        raise BadRequest(f"{code} is not supported")
    return code


def _alternatives(value: Any, settings: Settings) -> int:
    try:
        wanted = max(0, int(value or 0))
    except (TypeError, ValueError):
        raise BadRequest("Invalid request: alternatives parameter is not a number") from None
    if wanted > settings.max_alternatives:
        raise BadRequest(
            f"Invalid request: alternatives parameter must be <= {settings.max_alternatives}"
        )
    return wanted


def check_limits(texts: list[str], batch: bool, settings: Settings) -> None:
    """The batch and character limits, worded as LibreTranslate words them."""
    if batch and len(texts) > settings.max_texts:
        raise BadRequest(
            f"Invalid request: request ({len(texts)}) exceeds text limit ({settings.max_texts})"
        )
    for text in texts:
        if len(text) > settings.max_text_chars:
            raise BadRequest(
                f"Invalid request: request ({len(text)}) exceeds text limit "
                f"({settings.max_text_chars})"
            )


def parse_translate(data: dict[str, Any], settings: Settings) -> TranslateParams:
    """The checks LibreTranslate makes, in its order and words."""
    q, source, target = data.get("q"), data.get("source"), data.get("target")
    for name, value in (("q", q), ("source", source), ("target", target)):
        if not value:
            raise missing(name)
    if not isinstance(q, str) and not (
        isinstance(q, list) and all(isinstance(text, str) for text in q)
    ):
        raise BadRequest("Invalid request: q parameter must be a string or a list of strings")
    if not isinstance(source, str) or not isinstance(target, str):
        raise BadRequest("Invalid request: source and target must be language codes")
    wanted = _alternatives(data.get("alternatives"), settings)
    texts = [q] if isinstance(q, str) else list(q)
    check_limits(texts, isinstance(q, list), settings)
    languages = set(NAMES)
    language(source, languages | {"auto"})
    language(target, languages)
    text_format = data.get("format") or "text"
    if text_format not in ("text", "html"):
        raise BadRequest(f"{text_format} format is not supported")
    if source == target:
        name = NAMES[target]
        raise BadRequest(
            f"{name} ({target}) is not available as a target language from {name} ({source})"
        )
    return TranslateParams(texts, isinstance(q, str), source, target, text_format == "html", wanted)


def _detected(text: str, result: Translation) -> DetectedLanguage:
    """The language the pipeline used for a text, with the detector's confidence in it."""
    found = result.detected or detect(normalize(text))
    confidence = found.confidence * 100 if found.language == result.source else 0.0
    return DetectedLanguage(confidence=round(confidence, 1), language=result.source)


@blueprint.post("/translate")
@documented(
    ok=CompatTranslateResponse,
    json=CompatTranslateRequest,
    form=CompatTranslateRequest,
    errors=ERRORS,
    error_model=CompatError,
    tags=TAGS,
)
def translate_view() -> dict[str, Any]:
    """Translate as LibreTranslate does: `q` a string or a list, `translatedText` alike."""
    app_state = state()
    params = parse_translate(body(), app_state.settings)
    results = translate(
        app_state.engine,
        params.texts,
        params.source,
        params.target,
        html=params.html,
        alternatives=0 if params.html else params.alternatives,  # none for HTML, as LT
    )
    outputs = [r.text for r in results]
    response = CompatTranslateResponse(
        translated_text=outputs[0] if params.single else outputs, demo=app_state.engine.demo
    )
    if params.source == "auto":
        found = [_detected(t, r) for t, r in zip(params.texts, results, strict=True)]
        response.detected_language = found[0] if params.single else found
    if params.alternatives:
        others = [list(r.alternatives) for r in results]
        response.alternatives = others[0] if params.single else others
    return response.model_dump(by_alias=True, exclude_none=True)


@blueprint.post("/detect")
@documented(
    ok=list[DetectedLanguage],
    json=CompatDetectRequest,
    form=CompatDetectRequest,
    errors=ERRORS,
    error_model=CompatError,
    tags=TAGS,
)
def detect_view() -> Response:
    """The language of `q` with a confidence of 0 to 100; empty when it has no letters."""
    q = body().get("q")
    if not q:
        raise missing("q")
    if not isinstance(q, str):
        raise BadRequest("Invalid request: q parameter must be a string")
    check_limits([q], False, state().settings)
    found = detect(normalize(q))
    if found.language is None:
        return jsonify([])
    language = DetectedLanguage(
        confidence=round(found.confidence * 100, 1), language=found.language
    )
    return jsonify([language.model_dump()])


def compat_error(message: str, status: int, retry_after: float | None = None) -> Response:
    """LibreTranslate's error shape: {"error": ...}."""
    return json_error(CompatError(error=message).model_dump(), status, retry_after)


def _answer(status: int, message: str, retry_after: float | None) -> Response:
    if status == 429:
        message = f"Slowdown: {message}"
    return compat_error(message, 400 if status in _AS_400 else status, retry_after)


@blueprint.errorhandler(errors.TarjomanError)
def _on_error(error: errors.TarjomanError) -> Response:
    log_if_ours(error, log)
    return _answer(error.status, _WORDS.get(type(error), error.message), error.retry_after)


@blueprint.errorhandler(HTTPException)
def _on_http_error(error: HTTPException) -> Response:
    return keep_allow(_answer(error.code or 500, http_error(error).message, None), error)


@blueprint.errorhandler(Exception)
def _on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return compat_error("internal error; it has been logged", 500)
