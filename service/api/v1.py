"""The /v1 API: translate and models."""

from __future__ import annotations

import time

from flask import Blueprint

from service.api.openapi import documented
from service.api.request import check_text_limits, json_body, validate
from service.api.state import state
from service.pipelines.translate import translate
from service.schemas import TranslateRequest, TranslateResponse, TranslationResult

blueprint = Blueprint("v1", __name__, url_prefix="/v1")


@blueprint.post("/translate")
@documented(ok=TranslateResponse, json=TranslateRequest, tags=("v1",))
def translate_view() -> dict[str, object]:
    """Translate one text or a list of texts between Persian and English."""
    started = time.perf_counter()
    app_state = state()
    body = validate(TranslateRequest, json_body())
    texts = body.texts()
    check_text_limits(texts, app_state.settings)
    results = translate(app_state.engine, texts, body.source, body.target)
    response = TranslateResponse(
        results=[TranslationResult(**vars(r)) for r in results],
        models=sorted({r.model for r in results if r.model}),
        demo=app_state.engine.demo,
        timing_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return response.model_dump()


@blueprint.get("/models")
@documented(errors=(401, 403, 429), tags=("v1",))
def models_view() -> dict[str, object]:
    """The profile's models: loaded or not, bytes, device, licence."""
    engine = state().engine
    return {"profile": engine.profile.name, "demo": engine.demo, "models": engine.models_info()}
