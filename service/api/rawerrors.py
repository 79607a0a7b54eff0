"""gunicorn's own error answers (bad request line, URI or headers too long) as JSON."""

from __future__ import annotations

import json

from service.api.security import HEADERS

# Statuses gunicorn answers itself, before a request reaches the app, and their codes.
CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}


def error_page(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP/1.1 response in the /v1 error shape; the connection closes after it."""
    code = CODES.get(status, "bad_request" if status < 500 else "internal_error")
    body = json.dumps(
        {"error": {"code": code, "message": message or reason}}, ensure_ascii=False
    ).encode("utf-8")
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Connection: close",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in HEADERS.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
