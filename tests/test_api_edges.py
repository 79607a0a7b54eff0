"""Edges of the HTTP surface: lenient forms, 405 shapes, security headers on every answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api.security import CONTENT_SECURITY_POLICY

FORM = "application/x-www-form-urlencoded"


def test_a_byte_that_is_not_utf8_in_an_unused_field_keeps_the_form(client: FlaskClient) -> None:
    body = b"q=Heavy+rain.&source=en&target=fa&note=caf\xe9"
    response = client.post("/translate", data=body, content_type=FORM)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["translatedText"]
    detected = client.post("/detect", data=b"q=Heavy+rain+in+the+north.&x=\xff", content_type=FORM)
    assert detected.status_code == 200
    assert detected.get_json()[0]["language"] == "en"


def test_a_byte_that_is_not_utf8_in_the_text_is_kept_visible(client: FlaskClient) -> None:
    response = client.post("/translate", data=b"q=\xff\xfe&source=en&target=fa", content_type=FORM)
    assert response.status_code == 200  # read as `%FF%FE`, as a percent-escape of it would be
    assert response.get_json()["translatedText"]


@pytest.mark.parametrize("path", ["/translate", "/detect"])
def test_a_wrong_method_on_the_compatible_routes_has_their_shape(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 405
    body = response.get_json()
    assert isinstance(body["error"], str)
    assert "POST" in response.headers["Allow"]


def test_a_wrong_method_on_v1_keeps_the_v1_shape(client: FlaskClient) -> None:
    response = client.get("/v1/translate")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert client.post("/livez").get_json()["error"]["code"] == "method_not_allowed"


def test_a_wrong_method_needs_a_key_like_the_route(make_app: Callable[..., Flask]) -> None:
    client = make_app(api_keys=["tk-edges"]).test_client()
    refused = client.get("/translate")  # LibreTranslate's status and words for a missing key
    assert refused.status_code == 400
    assert "API key" in refused.get_json()["error"]
    assert client.get("/v1/translate").status_code == 401
    keyed = client.get("/translate", headers={"Authorization": "Bearer tk-edges"})
    assert keyed.status_code == 405


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/livez", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/static/tarjoman.js", 200),
        ("GET", "/nowhere", 404),
        ("GET", "/translate", 405),
        ("POST", "/v1/translate", 415),
        ("POST", "/v1/detect", 200),
    ],
)
def test_every_answer_carries_the_security_headers(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    data = b'{"text": "Rain."}' if path == "/v1/detect" else b"x"
    response = client.open(path, method=method, data=data, content_type="text/plain")
    if path == "/v1/detect":
        response = client.post(path, json={"text": "Rain."})
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    response.close()


def test_the_docs_page_allows_its_own_inline_script_only(client: FlaskClient) -> None:
    response = client.get("/docs")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
