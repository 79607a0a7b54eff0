"""The LibreTranslate-compatible surface: POST /translate, POST /detect, GET /languages."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from service import errors
from service.api.errors import http_error, keep_allow
from service.api.openapi import documented
from service.api.request import check_text_limits, json_body, validate
from service.api.state import state
from service.pipelines.translate import Translation, translate
from service.schemas_compat import (
    CompatDetectRequest,
    CompatError,
    CompatLanguage,
    CompatTranslateRequest,
    CompatTranslateResponse,
    DetectedLanguage,
)
from service.text.detect import detect
from service.text.normalize import normalize

log = logging.getLogger(__name__)
blueprint = Blueprint("compat", __name__)
NAMES = {"fa": "Persian", "en": "English"}
# LibreTranslate answers 400 for every request it cannot serve as sent; keys, limits and
# overload keep their own statuses (401/403, 429, 503).
_AS_400 = (413, 415, 422)
ERRORS = (400, 401, 403, 429, 503, 504)
_TAGS = ("LibreTranslate-compatible",)


def _body() -> dict[str, Any]:
    """The request as a dict, from a form (a repeated `q` is a list) or a JSON object."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        body: dict[str, Any] = {key: request.form.get(key) for key in request.form}
        texts = request.form.getlist("q")
        if len(texts) > 1:
            body["q"] = texts
        return body
    data = json_body()
    if not isinstance(data, dict):
        raise errors.InvalidRequest("send a JSON object or a form")
    return data


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
    tags=_TAGS,
)
def translate_view() -> dict[str, Any]:
    """Translate as LibreTranslate does: `q` a string or a list, `translatedText` alike."""
    app_state = state()
    body = validate(CompatTranslateRequest, _body())
    texts = body.texts()
    check_text_limits(texts, app_state.settings)
    results = translate(
        app_state.engine, texts, body.source, body.target, html=body.format == "html"
    )
    single = isinstance(body.q, str)
    outputs = [r.text for r in results]
    response = CompatTranslateResponse(
        translated_text=outputs[0] if single else outputs, demo=app_state.engine.demo
    )
    if body.source == "auto":
        found = [_detected(t, r) for t, r in zip(texts, results, strict=True)]
        response.detected_language = found[0] if single else found
    if body.alternatives:
        # Tarjoman generates one output per text; an empty list says there are no others.
        none_each: list[list[str]] = [[] for _ in texts]
        response.alternatives = [] if single else none_each
    return response.model_dump(by_alias=True, exclude_none=True)


@blueprint.post("/detect")
@documented(
    ok=list[DetectedLanguage],
    json=CompatDetectRequest,
    form=CompatDetectRequest,
    errors=ERRORS,
    error_model=CompatError,
    tags=_TAGS,
)
def detect_view() -> Response:
    """The language of `q` with a confidence of 0 to 100; empty when it has no letters."""
    body = validate(CompatDetectRequest, _body())
    check_text_limits([body.q], state().settings)
    found = detect(normalize(body.q))
    if found.language is None:
        return jsonify([])
    language = DetectedLanguage(
        confidence=round(found.confidence * 100, 1), language=found.language
    )
    return jsonify([language.model_dump()])


@blueprint.get("/languages")
@documented(ok=list[CompatLanguage], errors=(429, 503), error_model=CompatError, tags=_TAGS)
def languages_view() -> Response:
    """The languages this server translates between, with their targets."""
    targets: dict[str, set[str]] = {}
    for spec in state().engine.profile.models:
        for task in spec.tasks:
            if task.kind == "translate":
                targets.setdefault(task.source, set()).add(task.target)
    languages = [
        CompatLanguage(code=code, name=NAMES.get(code, code), targets=sorted(to))
        for code, to in sorted(targets.items())
    ]
    return jsonify([language.model_dump() for language in languages])


@blueprint.errorhandler(errors.TarjomanError)
def _on_error(error: errors.TarjomanError) -> Response:
    status = 400 if error.status in _AS_400 else error.status
    return _compat_response(error.message, status, error.retry_after)


@blueprint.errorhandler(HTTPException)
def _on_http_error(error: HTTPException) -> Response:
    wrapped = http_error(error)
    status = 400 if wrapped.status in _AS_400 else (error.code or 500)
    return keep_allow(_compat_response(wrapped.message, status, None), error)


def _compat_response(message: str, status: int, retry_after: float | None) -> Response:
    response = jsonify(CompatError(error=message).model_dump())
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


@blueprint.errorhandler(Exception)
def _on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return _compat_response("internal error; it has been logged", 500, None)
