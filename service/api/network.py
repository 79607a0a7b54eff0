"""Where requests come from: client addresses through trusted proxies, and CORS for browsers."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from service.api import access
from service.api.logs import REQUEST_ID_HEADER
from service.settings import Settings


def _only_the_api(response: Response) -> Response:
    """Keep CORS headers on the API routes (access.cross_origin) only; they vary by Origin."""
    if access.cross_origin(request.endpoint):
        # A cache must not serve one origin's answer (or lack of CORS headers) to another.
        response.vary.add("Origin")
    else:
        names = {name for name, _ in response.headers if name.lower().startswith("access-control-")}
        for name in names:
            del response.headers[name]
    return response


def install(app: Flask, settings: Settings) -> None:
    """ProxyFix for TARJOMAN_TRUSTED_PROXIES hops, and CORS for TARJOMAN_CORS_ORIGINS only."""
    if settings.trusted_proxies:
        # Only the last N X-Forwarded-For entries, the ones our own proxies appended, are
        # believed; anything a client puts before them is ignored.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if settings.cors_origins:
        # Registered before Flask-CORS's own hook, so it runs after it (Flask runs them in
        # reverse). The page at / is same-origin and needs none of this.
        app.after_request(_only_the_api)
        CORS(
            app,
            resources={r"/*": {"origins": settings.cors_origins}},
            allow_headers=["Authorization", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=[
                REQUEST_ID_HEADER,
                "Retry-After",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ],
            max_age=600,
        )
