"""The one JSON error handler: every failure becomes {"error": {...}} with its status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed as WrongMethod

from service import errors

log = logging.getLogger(__name__)

# werkzeug's own HTTP errors (routing, body size) mapped onto the service's tree.
_HTTP_ERRORS: dict[int, type[errors.TarjomanError]] = {
    400: errors.ClientError,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    408: errors.RequestTimeout,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    429: errors.RateLimited,
}


def json_error(body: dict[str, Any], status: int, retry_after: float | None = None) -> Response:
    """An error body as JSON with its status, and Retry-After in whole seconds when given."""
    response = jsonify(body)
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


def error_response(error: errors.TarjomanError) -> Response:
    """The JSON response for one of our errors."""
    return json_error(error.to_dict(), error.status, error.retry_after)


def log_if_ours(error: errors.TarjomanError, logger: logging.Logger) -> None:
    """Log a 5xx that is a bug of ours (not overload or a deadline, which are expected)."""
    if error.status >= 500 and not isinstance(error, errors.Unavailable | errors.DeadlineExceeded):
        logger.error("internal error: %s", error.message)


def _on_tarjoman_error(error: errors.TarjomanError) -> Response:
    log_if_ours(error, log)
    return error_response(error)


def http_error(error: HTTPException) -> errors.TarjomanError:
    """One of our errors for a werkzeug HTTP error (routing, body size, rate limits)."""
    status = error.code or 500
    kind = _HTTP_ERRORS.get(status, errors.ClientError if status < 500 else errors.TarjomanError)
    message = error.description or error.name
    if status == 413:
        message = "the request body is over the configured limit (TARJOMAN_MAX_BODY_BYTES)"
    return kind(message)


def keep_allow(response: Response, error: HTTPException) -> Response:
    """A 405 names the methods the route takes (RFC 9110), whatever shape its body has."""
    if isinstance(error, WrongMethod) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _on_http_exception(error: HTTPException) -> Response:
    response = error_response(http_error(error))
    response.status_code = error.code or 500
    return keep_allow(response, error)


def _on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(errors.TarjomanError("internal error; it has been logged"))


def _route_wrong_method() -> None:
    """A 405 belongs to the route it missed: its blueprint answers it in its own error shape
    (LibreTranslate's `{"error": "..."}` on the compatible routes), and keys apply to it."""
    error = request.routing_exception
    if not isinstance(error, WrongMethod) or not error.valid_methods:
        return
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return
    try:
        method = next(iter(error.valid_methods))
        rule, _ = adapter.match(method=method, return_rule=True)
    except HTTPException:
        return
    request.url_rule = rule  # dispatch still raises the 405; only its owner changes


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on an app."""
    # First of all request hooks, so auth, limits and logs see the route too.
    app.before_request_funcs.setdefault(None, []).insert(0, _route_wrong_method)
    app.register_error_handler(errors.TarjomanError, _on_tarjoman_error)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(Exception, _on_unexpected)
