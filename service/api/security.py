"""Security headers on every response: nosniff, a Content-Security-Policy, frame and referrer."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response

# The page at / loads its own script and stylesheet and calls the API on its own origin;
# nothing inline, nothing from elsewhere. A view may send a policy of its own (/docs does).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS: Mapping[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def install(app: Flask) -> None:
    """Add the headers to every response the app sends, errors included."""
    app.after_request(_secure)
