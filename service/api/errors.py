"""The one JSON error handler: every failure becomes {"error": {...}} with its status."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

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


def error_response(error: errors.TarjomanError) -> Response:
    """The JSON response for one of our errors."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return response


def _on_tarjoman_error(error: errors.TarjomanError) -> Response:
    if error.status >= 500 and not isinstance(error, errors.Unavailable | errors.DeadlineExceeded):
        log.error("internal error: %s", error.message)
    return error_response(error)


def http_error(error: HTTPException) -> errors.TarjomanError:
    """One of our errors for a werkzeug HTTP error (routing, body size, rate limits)."""
    status = error.code or 500
    kind = _HTTP_ERRORS.get(status, errors.ClientError if status < 500 else errors.TarjomanError)
    message = error.description or error.name
    if status == 413:
        message = "the request body is over the configured limit (TARJOMAN_MAX_BODY_BYTES)"
    return kind(message)


def _on_http_exception(error: HTTPException) -> Response:
    response = error_response(http_error(error))
    response.status_code = error.code or 500
    return response


def _on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(errors.TarjomanError("internal error; it has been logged"))


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on an app."""
    app.register_error_handler(errors.TarjomanError, _on_tarjoman_error)
    app.register_error_handler(HTTPException, _on_http_exception)
    app.register_error_handler(Exception, _on_unexpected)
