"""CORS for an explicit allow-list of origins (none by default)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.settings import SettingsError, load_settings

DASHBOARD = "https://dash.example.org"


def _preflight(client: FlaskClient, origin: str) -> dict[str, str]:
    response = client.options(
        "/v1/translate",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    return dict(response.headers)


def test_no_origin_is_allowed_by_default(client: FlaskClient) -> None:
    assert "Access-Control-Allow-Origin" not in _preflight(client, DASHBOARD)
    response = client.post(
        "/v1/translate", json={"text": "Rain.", "target": "fa"}, headers={"Origin": DASHBOARD}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_an_allowed_origin_may_send_keys_and_read_the_request_id(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(cors_origins=[DASHBOARD], api_keys=["tk-cors"]).test_client()
    headers = _preflight(client, DASHBOARD)
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "authorization" in headers["Access-Control-Allow-Headers"].lower()
    response = client.post(
        "/translate",
        data={"q": "Rain.", "source": "en", "target": "fa"},
        headers={"Origin": DASHBOARD, "Authorization": "Bearer tk-cors"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    refused = client.post("/v1/translate", json={"text": "Rain."}, headers={"Origin": DASHBOARD})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == DASHBOARD  # readable in the browser


def test_other_origins_get_no_cors_headers(make_app: Callable[..., Flask]) -> None:
    client = make_app(cors_origins=[DASHBOARD]).test_client()
    assert "Access-Control-Allow-Origin" not in _preflight(client, "https://evil.example.com")


def test_settings_reject_a_rate_limit_that_does_not_parse() -> None:
    with pytest.raises(SettingsError, match="TARJOMAN_RATE_LIMIT_CHARS"):
        load_settings({"TARJOMAN_RATE_LIMIT_CHARS": "lots per hour"})
    settings = load_settings({"TARJOMAN_CORS_ORIGINS": f"{DASHBOARD}, http://localhost:3000"})
    assert settings.cors_origins == [DASHBOARD, "http://localhost:3000"]
