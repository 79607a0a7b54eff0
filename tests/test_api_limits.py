"""Rate limits: per key or client address, in requests and characters; proxies and forged headers.

Limits are per day: the sliding-window counter weighs in the previous window, so a test that
crossed a window's edge could see a different count; a day's edge is never crossed mid-test.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

KEY_A = "tk-limits-aaaaaaaaaaaa"
KEY_B = "tk-limits-bbbbbbbbbbbb"


def _post(client: FlaskClient, text: str = "Heavy rain.", **headers: str) -> int:
    response = client.post("/v1/translate", json={"text": text, "target": "fa"}, headers=headers)
    return response.status_code


def test_the_request_over_the_limit_is_429_with_retry_after(make_app: Callable[..., Flask]) -> None:
    client = make_app(rate_limit="2/day").test_client()
    first = client.post("/v1/translate", json={"text": "Heavy rain.", "target": "fa"})
    assert first.status_code == 200
    assert "Retry-After" not in first.headers  # only a refusal says when to come back
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert _post(client) == 200
    refused = client.post("/v1/translate", json={"text": "Heavy rain.", "target": "fa"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "2/day" in refused.get_json()["error"]["message"]
    compat = client.post("/translate", data={"q": "Heavy rain.", "target": "fa"})
    assert compat.status_code == 429  # one bucket for the whole API
    assert isinstance(compat.get_json()["error"], str)
    assert client.get("/livez").status_code == 200  # probes are never limited
    assert client.get("/openapi.json").status_code == 200


def test_characters_are_counted_across_texts(make_app: Callable[..., Flask]) -> None:
    client = make_app(rate_limit_chars="30/day", max_text_chars=30).test_client()
    assert _post(client, "x" * 20) == 200
    response = client.post("/v1/translate", json={"text": ["y" * 6, "z" * 6], "target": "fa"})
    assert response.status_code == 429  # 20 + 12 > 30
    assert _post(client, "w" * 10) == 200  # 20 + 10 = 30 fits
    assert _post(client, "v") == 429


def test_each_key_has_its_own_bucket(make_app: Callable[..., Flask]) -> None:
    client = make_app(rate_limit="1/day", api_keys=[KEY_A, KEY_B]).test_client()
    assert _post(client, Authorization=f"Bearer {KEY_A}") == 200
    assert _post(client, Authorization=f"Bearer {KEY_A}") == 429
    assert _post(client, Authorization=f"Bearer {KEY_B}") == 200
    # Wrong keys are counted by address, so guessing keys is limited too.
    assert _post(client, Authorization="Bearer guess-1") == 403
    assert _post(client, Authorization="Bearer guess-2") == 429


def test_a_forged_forwarded_for_from_a_direct_client_opens_no_bucket(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(rate_limit="2/day").test_client()
    statuses = [
        _post(client, **{"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"})
        for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_client(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(rate_limit="1/day", trusted_proxies=1).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def via_proxy(forwarded_for: str) -> int:
        response = client.post(
            "/v1/translate",
            json={"text": "Heavy rain.", "target": "fa"},
            headers={"X-Forwarded-For": forwarded_for},
            environ_base=proxy,
        )
        return response.status_code

    # The proxy appends the peer it saw; what the client wrote before that is ignored.
    assert via_proxy("192.0.2.7") == 200
    assert via_proxy("203.0.113.9, 192.0.2.7") == 429
    assert via_proxy("198.51.100.1, 192.0.2.7") == 429
    assert via_proxy("192.0.2.8") == 200  # another client behind the same proxy


def test_no_limit_is_set_by_default(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    assert [_post(client) for _ in range(5)] == [200] * 5
    assert "limiter" not in app.extensions
