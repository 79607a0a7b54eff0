"""JSON logs: one line per request with its id, route, status, latency and character counts."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

from service.api.payload import request_chars, request_texts, response_chars
from service.settings import Settings

access_log = logging.getLogger("tarjoman.access")
REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is echoed into logs and headers: accept only short, plain tokens.
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HANDLER_NAME = "tarjoman-json"


def configure_logging(settings: Settings) -> None:
    """Every log record as one JSON line on stderr, at the configured level (idempotent)."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    )
    root.addHandler(handler)


def request_id() -> str:
    """This request's id: the client's X-Request-ID when it is a plain token, else a new one."""
    found: str | None = g.get("tarjoman_request_id")
    if found is None:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        found = sent if _VALID_ID.fullmatch(sent) else uuid.uuid4().hex
        g.tarjoman_request_id = found
    return found


def install(app: Flask, settings: Settings) -> None:
    """Time each request, return its id, and log one line when it ends."""

    @app.before_request
    def _start() -> None:
        g.tarjoman_log_started = time.perf_counter()
        request_id()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        started = g.get("tarjoman_log_started", time.perf_counter())
        record = {
            "request_id": request_id(),
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "chars_in": request_chars(),
            "chars_out": response_chars(response),
        }
        if settings.log_text:
            record["texts"] = request_texts()
        access_log.info("request", extra=record)
        return response
