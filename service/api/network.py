"""Where requests come from: client addresses through trusted proxies, and CORS for browsers."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from service.api.logs import REQUEST_ID_HEADER
from service.settings import Settings

# The API a browser dashboard may call; the page at / is same-origin and needs none of this.
CORS_RESOURCES = [
    r"/v1/*",
    r"/v2/*",
    r"/translate",
    r"/translate_file",
    r"/download_file/*",
    r"/detect",
    r"/languages",
    r"/health",
    r"/frontend/settings",
    r"/spec",
]


def install(app: Flask, settings: Settings) -> None:
    """ProxyFix for TARJOMAN_TRUSTED_PROXIES hops, and CORS for TARJOMAN_CORS_ORIGINS only."""
    if settings.trusted_proxies:
        # Only the last N X-Forwarded-For entries, the ones our own proxies appended, are
        # believed; anything a client puts before them is ignored.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if settings.cors_origins:
        CORS(
            app,
            resources={path: {"origins": settings.cors_origins} for path in CORS_RESOURCES},
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
