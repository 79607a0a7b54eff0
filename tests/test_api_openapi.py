"""The OpenAPI 3.1 document: every registered view, its models, errors, limits and keys."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Blueprint, Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.settings import Settings


def _document(app: Flask) -> dict[str, object]:
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, object] = response.get_json()
    return document


def test_every_registered_view_is_in_the_document(app: Flask) -> None:
    # A view added after create_app (as other routes are, branch by branch) is picked up too:
    # the document is built from the URL map at the first request.
    late = Blueprint("late", __name__)
    late.add_url_rule("/v1/late", "late", lambda: {"ok": True}, methods=["POST"])
    app.register_blueprint(late)
    paths = _document(app)["paths"]
    assert isinstance(paths, dict)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("openapi") or rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)  # as OpenAPI writes it
        assert path in paths, rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}:  # type: ignore[operator]
            assert method.lower() in paths[path]
    assert paths["/v1/late"]["post"]["responses"]["default"]


def test_operations_carry_their_models_and_errors(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    translate = document["paths"]["/v1/translate"]["post"]
    body = translate["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TranslateRequest"}
    responses = translate["responses"]
    assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TranslateResponse"
    )
    for status in ("400", "401", "403", "413", "415", "422", "429", "503", "504"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorResponse"
        )
    assert "Retry-After" in responses["429"]["headers"]
    assert "X-Request-ID" in responses["200"]["headers"]
    compat = document["paths"]["/translate"]["post"]
    assert set(compat["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert compat["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CompatError"
    )
    assert "422" not in compat["responses"]  # LibreTranslate answers 400 for invalid requests
    schemas = document["components"]["schemas"]
    assert {"TranslateRequest", "CompatTranslateRequest", "CompatError", "ErrorResponse"} <= set(
        schemas
    )
    assert "ValidationError" not in schemas  # spectree's own error model is never served


def test_limits_and_keys_are_in_the_document(
    make_settings: Callable[..., Settings], fake_engine: Engine
) -> None:
    settings = make_settings(
        api_keys=["tk-doc-1"],
        rate_limit="60/minute",
        rate_limit_chars="5000/hour",
        max_text_chars=5000,
        max_texts=7,
    )
    document = _document(create_app(settings, engine=fake_engine))
    description = document["info"]["description"]  # type: ignore[index]
    assert "7 texts per request" in description
    assert "60/minute requests" in description
    assert "5000/hour characters" in description
    assert "Bearer" in description
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"  # type: ignore[index]
    paths = document["paths"]
    assert paths["/v1/translate"]["post"]["security"] == [{"bearer": []}]  # type: ignore[index]
    assert "security" not in paths["/languages"]["get"]  # type: ignore[index]
    assert "security" not in paths["/livez"]["get"]  # type: ignore[index]


def test_without_keys_no_operation_asks_for_one(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    assert "securitySchemes" not in document["components"]
    assert "security" not in document["paths"]["/v1/translate"]["post"]


def test_docs_page_points_at_the_document(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'url: "/openapi.json"' in response.data


def test_docs_page_needs_no_internet(client: FlaskClient) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert "http://" not in page
    assert "https://" not in page
    for asset, size in (
        ("swagger-ui.css", 10_000),
        ("swagger-ui-bundle.js", 10_000),
        ("favicon-32x32.png", 100),
    ):
        assert f"/docs/assets/{asset}" in page
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200
        assert len(response.data) > size
        response.close()
    assert client.get("/docs/assets/../../settings.py").status_code == 404
