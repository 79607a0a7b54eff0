"""LibreTranslate's informational routes: /health, /frontend/settings, /languages, /suggest."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from service.api.auth import KeyRing
from service.api.compat import NAMES, TAGS, BadRequest, blueprint
from service.api.compat_files import FORMATS
from service.api.openapi import documented
from service.api.state import state
from service.schemas_compat import (
    CompatError,
    CompatFrontendLanguages,
    CompatFrontendSettings,
    CompatHealth,
    CompatLanguage,
    CompatNamedLanguage,
)

__all__ = ["blueprint"]  # the compatible blueprint, with these routes on it
# LibreTranslate's default for how long its page waits after typing before translating.
FRONTEND_TIMEOUT_MS = 500


class SuggestionsDisabled(BadRequest):
    """Suggestions are off on this server, as LibreTranslate refuses them."""

    status = 403
    code = "forbidden"


def _targets() -> dict[str, set[str]]:
    """Each source language's targets."""
    targets: dict[str, set[str]] = {}
    for source, target in state().translation_pairs():
        targets.setdefault(source, set()).add(target)
    return targets


@blueprint.get("/health")
@documented(ok=CompatHealth, errors=(), tags=TAGS)
def health_view() -> dict[str, str]:
    """LibreTranslate's health check: the process answers (readiness is /readyz)."""
    return {"status": "ok"}


@blueprint.get("/languages")
@documented(ok=list[CompatLanguage], errors=(429, 503), error_model=CompatError, tags=TAGS)
def languages_view() -> Response:
    """The languages this server translates between, with their targets."""
    languages = [
        CompatLanguage(code=code, name=NAMES.get(code, code), targets=sorted(to))
        for code, to in sorted(_targets().items())
    ]
    return jsonify([language.model_dump() for language in languages])


@blueprint.get("/frontend/settings")
@documented(ok=CompatFrontendSettings, errors=(), tags=TAGS)
def frontend_settings_view() -> dict[str, object]:
    """What LibreTranslate's front-ends read first: limits, keys, languages; no suggestions."""
    app_state = state()
    ring: KeyRing = current_app.extensions["tarjoman.keys"]
    targets = _targets()
    first_target = "en" if "en" in {t for to in targets.values() for t in to} else "fa"
    settings = CompatFrontendSettings(
        char_limit=app_state.settings.max_text_chars,
        frontend_timeout=FRONTEND_TIMEOUT_MS,
        api_keys=ring.required,
        key_required=ring.required,
        suggestions=False,
        files_translation=True,
        supported_files_format=list(FORMATS),
        language=CompatFrontendLanguages(
            source=CompatNamedLanguage(code="auto", name="Auto Detect"),
            target=CompatNamedLanguage(code=first_target, name=NAMES[first_target]),
        ),
    )
    return settings.model_dump(by_alias=True)


@blueprint.post("/suggest")
@documented(errors=(403,), error_model=CompatError, tags=TAGS)
def suggest_view() -> Response:
    """Refused, as LibreTranslate refuses it when suggestions are off."""
    raise SuggestionsDisabled("Suggestions are disabled on this server.")
