"""Bodies that used to answer 500: lone surrogates and JSON nested past any sane depth."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from service.api.body import MAX_DEPTH

KEY = "tk-bodies-51f0"
SURROGATE = '{"text": "hello \\ud800 world", "target": "en", "source": "fa"}'
DEEP = "[" * 10_000
# Every POST route of the service, with a field the body is read from.
POST_ROUTES = ["/v1/translate", "/v1/summarize", "/v1/detect", "/translate", "/detect"]


def _post(app: Flask, path: str, raw: str, **headers: str) -> tuple[int, Any]:
    response = app.test_client().post(
        path, data=raw.encode(), content_type="application/json", headers=headers
    )
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/translate", SURROGATE),
        ("/v1/summarize", '{"text": "hello \\ud800 world", "source": "en"}'),
        ("/v1/detect", '{"text": ["fine", "hello \\udfff"]}'),
        ("/translate", '{"q": "hello \\ud800 world", "source": "en", "target": "fa"}'),
        ("/detect", '{"q": "hello \\ud800 world"}'),
    ],
)
def test_a_lone_surrogate_is_refused_naming_the_field(
    make_app: Callable[..., Flask], path: str, body: str
) -> None:
    status, answer = _post(make_app(), path, body)
    if path.startswith("/v1/"):
        assert status == 422
        assert answer["error"]["code"] == "invalid_request"
        field = answer["error"]["details"][0]["field"]
        assert field in ("text", "text[1]")
        assert field in answer["error"]["message"]
    else:  # LibreTranslate's shape and status
        assert status == 400
        assert answer["error"].startswith("invalid request: q:")
    assert "surrogate" in json.dumps(answer)


def test_a_surrogate_in_a_glossary_key_is_named_too(make_app: Callable[..., Flask]) -> None:
    body = '{"text": "Rain.", "target": "fa", "glossary": {"a\\udc00": "b"}}'
    status, answer = _post(make_app(), "/v1/translate", body)
    assert status == 422
    assert answer["error"]["details"][0]["field"] == "glossary"


def test_a_surrogate_pair_is_text_and_translates(make_app: Callable[..., Flask]) -> None:
    body = '{"text": "rain \\ud83c\\udf27", "target": "fa"}'
    status, _ = _post(make_app(), "/v1/translate", body)
    assert status == 200


@pytest.mark.parametrize("path", POST_ROUTES)
def test_deep_nesting_is_a_400_logged_once_and_counted_once(
    make_app: Callable[..., Flask], path: str, capfd: pytest.CaptureFixture[str]
) -> None:
    app = make_app()
    status, answer = _post(app, path, DEEP)
    assert status == 400
    message = answer["error"] if isinstance(answer["error"], str) else answer["error"]["message"]
    assert f"nested deeper than {MAX_DEPTH}" in message
    err = capfd.readouterr().err
    assert "Traceback" not in err
    lines = [json.loads(line) for line in err.splitlines() if '"tarjoman.access"' in line]
    assert [(line["route"], line["status"]) for line in lines] == [(path, 400)]
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("tarjoman_requests_total") and f'route="{path}"' in line
    ]
    assert len(counted) == 1
    assert 'status="400"' in counted[0]
    assert counted[0].endswith(" 1.0")


def test_just_under_the_depth_limit_is_an_ordinary_invalid_request(
    make_app: Callable[..., Flask],
) -> None:
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    status, answer = _post(make_app(), "/v1/translate", '{"text": ' + nested + "}")
    assert status == 422
    assert answer["error"]["details"][0]["field"].startswith("text")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_with_keys_on_a_bad_body_without_a_key_is_401(
    make_app: Callable[..., Flask], path: str
) -> None:
    app = make_app(api_keys=[KEY])
    refused = 401 if path.startswith("/v1/") else 400  # LibreTranslate's status for no key
    for body in (DEEP, SURROGATE):
        status, answer = _post(app, path, body)
        assert status == refused
        assert "API key" in json.dumps(answer)
    assert _post(app, path, DEEP, Authorization=f"Bearer {KEY}")[0] == 400
