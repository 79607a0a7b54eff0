"""The DeepL v2-compatible surface: /v2/translate, /v2/languages, /v2/usage, DeepL's errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from service import errors
from service.api.deepl_params import (
    body,
    check_formality,
    owner,
    source_language,
    store,
    target_language,
    validate,
)
from service.api.deepl_store import Glossary
from service.api.errors import http_error, json_error, keep_allow, log_if_ours
from service.api.openapi import documented
from service.api.request import check_text_limits
from service.api.state import state
from service.pipelines.translate import translate
from service.schemas_deepl import (
    SOURCE_CODES,
    SOURCE_NAMES,
    TARGET_CODES,
    TARGET_NAMES,
    DeepLError,
    DeepLLanguage,
    DeepLTranslateRequest,
    DeepLTranslateResponse,
    DeepLTranslation,
    DeepLUsage,
)

log = logging.getLogger(__name__)
blueprint = Blueprint("deepl", __name__, url_prefix="/v2")
TAGS = ("DeepL-compatible",)
# 456 (quota exceeded) is DeepL's own status; spectree documents standard statuses only.
ERRORS = (400, 403, 404, 413, 429, 503, 504)
# What DeepL reports as the limit of a key without one.
UNLIMITED = 1_000_000_000_000
# DeepL answers 400 for every request it cannot serve as sent, and 403 for any key problem.
_STATUS = {401: 403, 415: 400, 422: 400}


class QuotaExceeded(errors.ClientError):
    """The key's character limit for this month is reached (DeepL's own status)."""

    status = 456
    code = "quota_exceeded"


def _glossary_terms(glossary_id: str | None, source: str, target: str) -> dict[str, str] | None:
    """The entries of the glossary a request names, checked against its languages."""
    if not glossary_id:
        return None
    if source == "auto":
        raise errors.ClientError(
            "Use of a glossary requires the 'source_lang' parameter to be specified."
        )
    glossary: Glossary | None = store().glossary(owner(), glossary_id)
    if glossary is None:
        raise errors.NotFound("Glossary not found")
    if (glossary.source, glossary.target) != (source, target):
        raise errors.ClientError(
            "Language pair of the glossary does not match the language pair of the request."
        )
    return dict(glossary.entries)


def _parse_translate() -> DeepLTranslateRequest:
    data = body()
    for name in ("text", "target_lang"):
        if data.get(name) in (None, "", []):
            raise errors.ClientError(f"Parameter '{name}' not specified.")
    return validate(DeepLTranslateRequest, data)


@contextmanager
def _charged(who: str, characters: int, limit: int) -> Iterator[None]:
    """Count the characters against the key's monthly limit; give them back on failure."""
    if not store().charge(who, characters, limit):
        raise QuotaExceeded("Quota exceeded. The character limit has been reached.")
    try:
        yield
    except BaseException:
        store().refund(who, characters)
        raise


@blueprint.post("/translate")
@documented(
    ok=DeepLTranslateResponse,
    json=DeepLTranslateRequest,
    form=DeepLTranslateRequest,
    errors=ERRORS,
    error_model=DeepLError,
    tags=TAGS,
)
def translate_view() -> dict[str, Any]:
    """Translate as DeepL's /v2/translate does: one result per `text`, in order."""
    app_state = state()
    request_body = _parse_translate()
    source = source_language(request_body.source_lang)
    target = target_language(request_body.target_lang)
    check_formality(request_body.formality)
    terms = _glossary_terms(request_body.glossary_id, source, target)
    texts = request_body.text
    check_text_limits(texts, app_state.settings)
    characters = sum(len(text) for text in texts)
    with _charged(owner(), characters, app_state.settings.deepl_character_limit):
        results = translate(
            app_state.engine,
            texts,
            source,
            target,
            html=request_body.tag_handling is not None,
            terms_glossary=terms,
            ignore_tags=request_body.ignore_tags,
        )
    translations = [
        DeepLTranslation(
            detected_source_language=result.source.upper(),
            text=result.text,
            billed_characters=len(text),
        )
        for text, result in zip(texts, results, strict=True)
    ]
    response = DeepLTranslateResponse(translations=translations, demo=app_state.engine.demo)
    return response.model_dump()


@blueprint.route("/languages", methods=["GET", "POST"])
@documented(ok=list[DeepLLanguage], errors=(400, 403, 429), error_model=DeepLError, tags=TAGS)
def languages_view() -> Response:
    """Source languages, or with `type=target` target languages, in DeepL's codes."""
    kind = str(body().get("type") or "source").lower()
    if kind not in ("source", "target"):
        raise errors.ClientError("Value for 'type' not supported.")
    pairs = state().translation_pairs()
    sources, targets = {source for source, _ in pairs}, {target for _, target in pairs}
    if kind == "source":
        found = [
            DeepLLanguage(language=code, name=name)
            for code, name in SOURCE_NAMES.items()
            if SOURCE_CODES[code] in sources
        ]
    else:
        found = [
            DeepLLanguage(language=code, name=name, supports_formality=False)
            for code, name in TARGET_NAMES.items()
            if TARGET_CODES[code] in targets
        ]
    return jsonify([language.model_dump(exclude_none=True) for language in found])


@blueprint.route("/usage", methods=["GET", "POST"])
@documented(ok=DeepLUsage, errors=(403, 429), error_model=DeepLError, tags=TAGS)
def usage_view() -> dict[str, Any]:
    """Characters this key has translated this month (UTC), and its limit."""
    limit = state().settings.deepl_character_limit
    usage = DeepLUsage(character_count=store().used(owner()), character_limit=limit or UNLIMITED)
    return usage.model_dump()


def deepl_error(message: str, status: int, retry_after: float | None = None) -> Response:
    """DeepL's error shape: {"message": ...}."""
    body = DeepLError(message=message).model_dump(exclude_none=True)
    return json_error(body, status, retry_after)


@blueprint.errorhandler(errors.TarjomanError)
def _on_error(error: errors.TarjomanError) -> Response:
    log_if_ours(error, log)
    return deepl_error(error.message, _STATUS.get(error.status, error.status), error.retry_after)


@blueprint.errorhandler(HTTPException)
def _on_http_error(error: HTTPException) -> Response:
    wrapped = http_error(error)
    status = error.code or 500
    return keep_allow(deepl_error(wrapped.message, _STATUS.get(status, status)), error)


@blueprint.errorhandler(Exception)
def _on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return deepl_error("Internal error; it has been logged.", 500)
