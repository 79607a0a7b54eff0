"""create_app: wiring only. Settings → engine → request hooks → blueprints → errors → OpenAPI."""

from __future__ import annotations

import logging

from flask import Flask

from service.api import (
    auth,
    caching,
    compat_info,
    deepl_glossaries,
    deepl_params,
    health,
    jobs,
    limits,
    logs,
    metrics,
    network,
    openapi,
    security,
    v1,
)
from service.api.bodyguard import BodyGuard
from service.api.errors import register_error_handlers
from service.api.forms import TarjomanRequest
from service.api.state import EXTENSION, AppState
from service.api.ui import blueprint as ui_page
from service.engine import Engine
from service.settings import Settings, load_settings
from service.startup import check_preload, checked_profile

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    """Build the Flask app; with no engine given, build one and start preloading its models."""
    settings = settings or load_settings()
    logs.configure_logging(settings)
    if engine is None:
        profile = checked_profile(settings)
        if profile.notice:
            log.warning("profile %s: %s", profile.name, profile.notice)
        engine = Engine(settings, profile)
        engine.start_preload()
    else:
        check_preload(settings, engine.profile)

    app = Flask(__name__)
    app.request_class = TarjomanRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = AppState(settings=settings, engine=engine)
    app.wsgi_app = BodyGuard(  # type: ignore[method-assign]
        app.wsgi_app, settings.read_timeout_s, settings.max_body_bytes, settings.max_upload_bytes
    )

    # Request hooks run in this order: request id and timer, rate limit, API key, /metrics guard.
    keys = auth.load_keys(settings)
    security.install(app)
    network.install(app, settings)
    logs.install(app, settings)
    limits.install(app, settings, keys)
    auth.install(app, keys)
    auth.guard_metrics(app, settings)

    app.register_blueprint(health.blueprint)
    app.register_blueprint(v1.blueprint)
    jobs.install(app, settings)
    app.register_blueprint(compat_info.blueprint)  # LibreTranslate's, every route on it
    deepl_params.install(app, settings)
    app.register_blueprint(deepl_glossaries.blueprint)  # DeepL's blueprint, glossaries included
    app.register_blueprint(metrics.blueprint)
    metrics.install_hooks(app)
    caching.install(app)
    app.register_blueprint(ui_page)
    register_error_handlers(app)
    openapi.install(app, settings, keys)  # last: it documents every view registered before it
    return app
