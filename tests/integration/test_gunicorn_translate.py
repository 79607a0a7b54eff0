"""End to end: real gunicorn, tiny Marian models loaded with from_pretrained, HTTP in and out."""

from __future__ import annotations

import pytest
import requests

from tests.integration.conftest import Server

pytestmark = pytest.mark.integration


def test_the_irna_article_is_translated_to_english(tiny_server: Server, irna_text: str) -> None:
    response = requests.post(
        tiny_server.url + "/v1/translate", json={"text": irna_text, "target": "en"}, timeout=60
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["results"]) == 1
    result = body["results"][0]
    assert result["source"] == "fa"
    assert result["target"] == "en"
    assert result["model"] == "tiny-marian-fa-en"
    assert result["text"].strip()
    assert body["demo"] is True


def test_two_english_texts_give_two_persian_results_in_order(tiny_server: Server) -> None:
    texts = ["The ministry announced a new plan.", "Heavy rain caused floods."]
    response = requests.post(
        tiny_server.url + "/v1/translate", json={"text": texts, "target": "fa"}, timeout=60
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["source"] for r in results] == ["en", "en"]
    assert [r["target"] for r in results] == ["fa", "fa"]
    assert all(r["model"] == "tiny-marian-en-fa" for r in results)
    # Each result is that text's own output: translating one alone gives the same string.
    alone = requests.post(
        tiny_server.url + "/v1/translate", json={"text": texts[1], "target": "fa"}, timeout=60
    ).json()["results"][0]["text"]
    assert results[1]["text"] == alone


def test_models_shows_the_demo_profile_loaded(tiny_server: Server) -> None:
    body = requests.get(tiny_server.url + "/v1/models", timeout=10).json()
    assert body["demo"] is True
    assert all(m["loaded"] for m in body["models"])


def test_bad_input_over_http_is_json_4xx(tiny_server: Server) -> None:
    response = requests.post(
        tiny_server.url + "/v1/translate",
        data="{oops",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
