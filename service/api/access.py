"""The one list of public endpoints; auth, rate limits, CORS and OpenAPI all read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Public:
    """Why an endpoint is open to anyone, and whether browsers of other origins may call it."""

    why: str
    api: bool = False  # part of the API a dashboard calls: CORS applies as to protected routes


# Every endpoint not named here needs a key when keys are configured, is rate limited and is
# offered to the CORS origins: a new route is protected unless someone adds it here on purpose.
PUBLIC: Mapping[str, Public] = {
    "health.livez": Public("liveness probe"),
    "health.readyz": Public("readiness probe"),
    "ui.index": Public("the web page; it asks for a key itself when the API needs one"),
    "static": Public("the web page's scripts and styles"),
    "openapi_json": Public("the API document (TARJOMAN_DOCS turns it off)"),
    "openapi_docs": Public("the API documentation page (TARJOMAN_DOCS)"),
    "openapi_assets": Public("the documentation page's scripts and styles"),
    "metrics.metrics_view": Public("guarded by its own token, TARJOMAN_METRICS_TOKEN"),
    "openapi_spec": Public("LibreTranslate's /spec: the same document", api=True),
    # LibreTranslate 1.9 checks no key on these either.
    "compat.languages_view": Public("the languages, as on LibreTranslate", api=True),
    "compat.health_view": Public("LibreTranslate's health check", api=True),
    "compat.frontend_settings_view": Public("LibreTranslate's front-end settings", api=True),
    "compat.suggest_view": Public("LibreTranslate's suggestions, refused anyway", api=True),
    "compat.download_file_view": Public(
        "a translated file: its random name is the capability", api=True
    ),
}


def is_public(endpoint: str | None) -> bool:
    """True for an endpoint of the list; an unmatched request (None) is not public."""
    return endpoint is not None and endpoint in PUBLIC


def needs_key(endpoint: str | None) -> bool:
    """True for every routed endpoint that is not public (None: routing answers 404/405)."""
    return endpoint is not None and endpoint not in PUBLIC


def rate_limited(endpoint: str | None) -> bool:
    """True for everything but the public endpoints, unmatched requests included."""
    return not is_public(endpoint)


def cross_origin(endpoint: str | None) -> bool:
    """True for routes browsers of the configured origins may call: the API, keyed or not."""
    if endpoint is None:
        return False
    found = PUBLIC.get(endpoint)
    return found is None or found.api
