"""The /v1 API: translate, detect, summarize and models."""

from __future__ import annotations

import time

from flask import Blueprint

from service.api.openapi import documented
from service.api.request import check_alternatives, texts_request
from service.api.state import state
from service.pipelines.summarize import Request, summarize
from service.pipelines.translate import Translation, translate
from service.schemas import (
    DateResult,
    DetectionResult,
    DetectRequest,
    DetectResponse,
    SummarizeRequest,
    SummarizeResponse,
    SummaryResult,
    TranslateRequest,
    TranslateResponse,
    TranslationResult,
)
from service.text.detect import Detection, detect_each

blueprint = Blueprint("v1", __name__, url_prefix="/v1")


@blueprint.post("/translate")
@documented(ok=TranslateResponse, json=TranslateRequest, tags=("v1",))
def translate_view() -> dict[str, object]:
    """Translate one text or a list of texts between Persian and English."""
    started = time.perf_counter()
    app_state = state()
    body, texts = texts_request(TranslateRequest, app_state.settings)
    check_alternatives(body.alternatives, app_state.settings)
    results = translate(
        app_state.engine,
        texts,
        body.source,
        body.target,
        html=body.format == "html",
        terms_glossary=body.glossary,
        keep=body.keep,
        polish=body.polish,
        date_mode=body.dates,
        alternatives=body.alternatives,
    )
    response = TranslateResponse(
        results=[_result(r) for r in results],
        models=sorted({r.model for r in results if r.model}),
        demo=app_state.engine.demo,
        timing_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return response.model_dump()


@blueprint.post("/detect")
@documented(ok=DetectResponse, json=DetectRequest, tags=("v1",))
def detect_view() -> dict[str, object]:
    """The language of each text (fa, en or null), never one language for a whole list."""
    _, texts = texts_request(DetectRequest, state().settings)
    return DetectResponse(results=[_detection(d) for d in detect_each(texts)]).model_dump()


def _detection(detection: Detection) -> DetectionResult:
    return DetectionResult(
        language=detection.language,  # fa, en or None by construction
        confidence=round(detection.confidence, 4),
        reliable=detection.reliable,
    )


def _result(result: Translation) -> TranslationResult:
    return TranslationResult(
        text=result.text,
        source=result.source,  # fa or en, checked by the pipeline
        target=result.target,
        model=result.model,
        detected=_detection(result.detected) if result.detected else None,
        untranslated=result.untranslated,
        terms_applied=list(result.terms_applied),
        terms_lost=list(result.terms_lost),
        truncated=result.truncated,
        suspect=result.suspect,
        dates=[DateResult.model_validate(d, from_attributes=True) for d in result.dates],
        alternatives=list(result.alternatives),
    )


@blueprint.post("/summarize")
@documented(ok=SummarizeResponse, json=SummarizeRequest, tags=("v1",))
def summarize_view() -> dict[str, object]:
    """Summarize one text or a list of texts, in their language or across languages."""
    started = time.perf_counter()
    app_state = state()
    body, texts = texts_request(SummarizeRequest, app_state.settings)
    options = Request(body.mode, body.max_sentences, body.max_words)
    results = summarize(app_state.engine, texts, body.source, body.target, options)
    response = SummarizeResponse(
        results=[SummaryResult.model_validate(r) for r in results],
        models=sorted({m for r in results for m in r.models}),
        demo=app_state.engine.demo and any(r.models for r in results),
        timing_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return response.model_dump()


@blueprint.get("/models")
@documented(errors=(401, 403, 429), tags=("v1",))
def models_view() -> dict[str, object]:
    """The profile's models: loaded or not, bytes, device, licence."""
    engine = state().engine
    return {"profile": engine.profile.name, "demo": engine.demo, "models": engine.models_info()}
