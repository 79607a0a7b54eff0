"""OpenAPI 3.1 from the pydantic models with spectree, at /openapi.json, and a page at /docs."""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, jsonify, send_from_directory
from pydantic import BaseModel
from spectree import Response as Responses
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from service import __version__
from service.api import access
from service.api.auth import KeyRing
from service.settings import Settings

View = TypeVar("View", bound=Callable[..., Any])
_ATTR = "__tarjoman_operation__"
# What every API operation can answer besides success (see the error tree in service/errors.py).
V1_ERRORS = (400, 401, 403, 413, 415, 422, 429, 503, 504)
_ERROR_TEXT = {
    400: "Malformed JSON or a bad request.",
    401: "An API key is required and none was sent.",
    403: "The API key sent is not valid.",
    413: "The body, a text or the list of texts is over its limit.",
    415: "The body is not in a content type the operation accepts.",
    422: "Valid JSON that is not a valid request.",
    404: "Turned off on this server.",
    429: "Rate limited (per key or client address); see Retry-After.",
    503: "Overloaded, or a model is not ready.",
    504: "The request did not finish within its deadline.",
}


class ErrorInfo(BaseModel):
    """What went wrong: a stable code and a readable message."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every error on /v1 and the service's own routes."""

    error: ErrorInfo


@dataclass(frozen=True)
class Operation:
    """What the document says about one view; the view validates its own input."""

    ok: Any = None
    json: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    errors: tuple[int, ...] = V1_ERRORS
    error_model: type[BaseModel] = ErrorResponse
    tags: tuple[str, ...] = field(default_factory=tuple)
    status: int = 200


def documented(
    *,
    ok: Any = None,
    json: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    errors: tuple[int, ...] = V1_ERRORS,
    error_model: type[BaseModel] = ErrorResponse,
    tags: tuple[str, ...] = (),
    status: int = 200,
) -> Callable[[View], View]:
    """Describe a view for the document: its body model(s), success model and status, errors."""

    def mark(view: View) -> View:
        setattr(view, _ATTR, Operation(ok, json, form, errors, error_model, tags, status))
        return view

    return mark


def _description(settings: Settings, ring: KeyRing) -> str:
    keys = (
        "API keys are required: `Authorization: Bearer <key>` (or `api_key` on the "
        "LibreTranslate-compatible routes). 401 when none is sent, 403 when it is wrong."
        if ring.required
        else "No API key is required on this server."
    )
    rate = ", ".join(
        f"{value} {what}"
        for value, what in (
            (settings.rate_limit, "requests"),
            (settings.rate_limit_chars, "characters"),
        )
        if value
    )
    return (
        "Persian↔English translation and summarization. Errors on /v1 are "
        '`{"error": {"code", "message", "details"}}`; on the LibreTranslate-compatible routes '
        '`{"error": "..."}`.\n\n'
        f"Limits: {settings.max_texts} texts per request, {settings.max_text_chars} characters "
        f"per text, {settings.max_body_bytes} bytes per body (413 past them). "
        f"Rate limits per key or client address: {rate or 'none on this server'} (429 with "
        f"Retry-After).\n\n{keys}"
    )


def _responses(op: Operation) -> Responses:
    codes: dict[str, Any] = {f"HTTP_{op.status}": (op.ok, "Success.")}
    for status in op.errors:
        codes[f"HTTP_{status}"] = (op.error_model, _ERROR_TEXT.get(status, "Error."))
    return Responses(**codes)


def _wrap_views(app: Flask, tree: SpecTree) -> None:
    for endpoint, view in list(app.view_functions.items()):
        op: Operation | None = getattr(view, _ATTR, None)
        if op is None:
            continue
        app.view_functions[endpoint] = tree.validate(
            json=op.json,
            form=op.form,
            resp=_responses(op),
            tags=op.tags,
            # The view validates its own input with the service's error shape; spectree only
            # documents it.
            skip_validation=True,
            # spectree adds a model of its own at this status unless we already have one there.
            validation_error_status=next(
                (s for s in (422, 400, *op.errors) if s in op.errors), 200
            ),
        )(view)


# A Flask rule's `<converter:name>` is OpenAPI's `{name}`.
_RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_HEADERS = {
    "X-Request-ID": {
        "description": "The request's id, as sent or made.",
        "schema": {"type": "string"},
    },
}
_RETRY = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}


def _secured(app: Flask) -> set[tuple[str, str]]:
    """(path, method) of every operation that needs a key: all but the public endpoints."""
    found = set()
    for rule in app.url_map.iter_rules():
        if access.needs_key(rule.endpoint):
            path = _RULE_ARGUMENT.sub(r"{\1}", rule.rule)
            found |= {(path, method.lower()) for method in rule.methods or ()}
    return found


def _finish(spec: Mapping[str, Any], secured: set[tuple[str, str]]) -> dict[str, Any]:
    """Fill in what spectree leaves out: urlencoded forms, headers, undescribed views, keys."""
    result = copy.deepcopy(dict(spec))
    for path, path_item in result["paths"].items():
        for method, operation in path_item.items():
            operation.pop("security", None)
            if (path, method) in secured:
                operation["security"] = [{"bearer": []}]
    for path_item in result["paths"].values():
        for operation in path_item.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                content["application/x-www-form-urlencoded"] = content["multipart/form-data"]
            responses = operation.setdefault("responses", {})
            if not responses:
                responses["default"] = {"description": "Not described by a schema."}
            for status, response in responses.items():
                headers = dict(_HEADERS)
                if status in ("429", "503"):
                    headers |= _RETRY
                response["headers"] = headers
    return result


# Swagger UI 5 (it renders OpenAPI 3.1), as built by its authors, from the flask-swagger-ui
# package's data; its blueprint is not used (its page has a templated inline script).
SWAGGER_UI_DIR = Path(str(resources.files("flask_swagger_ui") / "dist"))
_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tarjoman API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>{script}</script>
</body>
</html>
"""
_DOCS_SCRIPT = (
    'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});'
)
# The page's one inline script is allowed by its hash; Swagger UI sets inline styles.
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'sha256-"
    + base64.b64encode(hashlib.sha256(_DOCS_SCRIPT.encode()).digest()).decode()
    + "'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def install(app: Flask, settings: Settings, ring: KeyRing) -> None:
    """Document every view registered so far; serve the document and its page unless turned off."""
    schemes = [
        SecurityScheme(
            name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer")
        )
    ]
    tree = SpecTree(
        "flask",
        title="Tarjoman",
        version=__version__,
        description=_description(settings, ring),
        path="docs",
        annotations=False,
        naming_strategy=lambda model: model.__name__,
        nested_naming_strategy=lambda _parent, child: child,
        security_schemes=schemes if ring.required else None,
    )
    _wrap_views(app, tree)
    if not settings.docs:
        return
    finished: list[dict[str, Any]] = []

    def openapi_json() -> Response:
        if not finished:  # built at the first request, when every view is registered
            secured = _secured(app) if ring.required else set()
            finished.append(_finish(tree.spec, secured))
        return jsonify(finished[0])

    def openapi_docs() -> Response:
        page = Response(_DOCS_PAGE.replace("{script}", _DOCS_SCRIPT), mimetype="text/html")
        page.headers["Content-Security-Policy"] = _DOCS_POLICY
        return page

    def openapi_assets(name: str) -> Response:
        # Served from the installed package: /docs works with no internet.
        return send_from_directory(SWAGGER_UI_DIR, name, max_age=86400)

    # Endpoints named openapi* are left out of the document by spectree.
    app.add_url_rule("/openapi.json", "openapi_json", openapi_json, methods=["GET"])
    app.add_url_rule("/spec", "openapi_spec", openapi_json, methods=["GET"])  # LibreTranslate's
    app.add_url_rule("/docs", "openapi_docs", openapi_docs, methods=["GET"])
    app.add_url_rule("/docs/assets/<path:name>", "openapi_assets", openapi_assets)
