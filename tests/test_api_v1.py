"""POST /v1/translate and GET /v1/models over a fake engine: results, order and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.engine import Engine


def post(client: FlaskClient, body: Any, path: str = "/v1/translate") -> Any:
    """POST a JSON body."""
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_translates_a_persian_text_to_english(client: FlaskClient) -> None:
    response = post(client, {"text": "سلام دنیا.", "target": "en"})
    assert response.status_code == 200
    body = response.get_json()
    result = body["results"][0]
    assert len(body["results"]) == 1
    assert {k: result[k] for k in ("text", "source", "target", "model")} == {
        "text": "[en] سلام دنیا.",
        "source": "fa",
        "target": "en",
        "model": "tiny-marian-fa-en",
    }
    assert body["demo"] is True
    assert body["models"] == ["tiny-marian-fa-en"]
    assert body["timing_ms"] >= 0


def test_a_list_gives_results_in_order_with_per_text_detection(client: FlaskClient) -> None:
    texts = ["Good morning.", "صبح بخیر.", "The second English text."]
    body = post(client, {"text": texts}).get_json()
    assert [r["source"] for r in body["results"]] == ["en", "fa", "en"]
    assert [r["text"] for r in body["results"]] == [
        "[fa] Good morning.",
        "[en] صبح بخیر.",
        "[fa] The second English text.",
    ]


def test_json_is_utf8_not_escaped(client: FlaskClient) -> None:
    response = post(client, {"text": "Hello.", "target": "fa"})
    assert "\\u" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": 5}, 422, "invalid_request"),
        ({"text": ""}, 422, "invalid_request"),
        ({"text": "   "}, 422, "invalid_request"),
        ({"text": []}, 422, "invalid_request"),
        ({"text": ["ok", ""]}, 422, "invalid_request"),
        ({"text": "hi", "target": "de"}, 422, "invalid_request"),
        ({"text": "hi", "source": "xx"}, 422, "invalid_request"),
        ({"text": "hi", "source": "en", "target": "en"}, 422, "invalid_request"),
        ({"text": "hi", "colour": "red"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
        (["hi"], 422, "invalid_request"),
        ("hi", 422, "invalid_request"),
    ],
)
def test_invalid_requests_get_422(client: FlaskClient, body: Any, status: int, code: str) -> None:
    response = post(client, body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_malformed_json_gets_400(client: FlaskClient) -> None:
    response = client.post("/v1/translate", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_invalid_utf8_gets_400(client: FlaskClient) -> None:
    response = client.post(
        "/v1/translate", data=b'{"text": "\xff"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_wrong_content_type_gets_415(client: FlaskClient) -> None:
    response = client.post("/v1/translate", data="text=hi", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_body_over_the_limit_gets_413_before_parsing(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_body_bytes=100).test_client()
    response = client.post(
        "/v1/translate", data="{" + " " * 200, content_type="application/json"
    )  # not valid JSON: a 413, not a 400, shows the limit is checked first
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_too_many_texts_and_too_long_texts_get_413(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_texts=2, max_text_chars=10).test_client()
    assert post(client, {"text": ["a", "b", "c"]}).status_code == 413
    response = post(client, {"text": "x" * 11, "source": "en"})
    assert response.status_code == 413
    assert "TARJOMAN_MAX_TEXT_CHARS" in json.dumps(response.get_json())


def test_unknown_route_and_method_are_json(client: FlaskClient) -> None:
    missing = client.get("/v1/nothing")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong = client.get("/v1/translate")
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_a_backend_failure_is_a_json_500_without_a_trace(
    client: FlaskClient, fake_engine: Engine
) -> None:
    from tests.fakes import FakeBackend

    backend = fake_engine.cache._backend
    assert isinstance(backend, FakeBackend)
    backend.fail_with = RuntimeError("secret internals")
    response = post(client, {"text": "hello there", "target": "fa"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text
    assert "Traceback" not in text
    assert response.get_json()["error"]["code"] == "internal_error"


def test_models_lists_the_profile(client: FlaskClient) -> None:
    body = client.get("/v1/models").get_json()
    assert body["profile"] == "tiny"
    assert body["demo"] is True
    names = [m["name"] for m in body["models"]]
    assert names == ["tiny-marian-fa-en", "tiny-marian-en-fa", "tiny-bart", "tiny-mt5"]
    assert all("licence" in m and "loaded" in m for m in body["models"])


def test_livez(client: FlaskClient) -> None:
    assert client.get("/livez").get_json() == {"status": "ok"}
