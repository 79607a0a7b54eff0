"""POST /v1/summarize over fake engines: results, strategies, fallbacks and every 4xx."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.pipelines.extractive import sentences_of
from service.settings import Settings
from tests.fakes import FakeBackend
from tests.summarizers import (
    close_engines,
    engine_for,
    lead_words,
    long_persian_article,
    write_models_toml,
)


def post(client: FlaskClient, body: Any) -> Any:
    """POST a JSON body to /v1/summarize."""
    return client.post("/v1/summarize", data=json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def _close_engines() -> Iterator[None]:
    """Every engine a test builds is closed after it."""
    yield
    close_engines()


@pytest.fixture
def client_for(
    tmp_path: Path, test_models_dir: Path, make_settings: Callable[..., Settings]
) -> Callable[..., FlaskClient]:
    """A client of the app over one of DESIGN's profiles with fake models."""

    def build(
        profile: str = "tiny", missing: tuple[str, ...] = (), **overrides: object
    ) -> FlaskClient:
        toml = write_models_toml(tmp_path, test_models_dir, missing)
        settings = make_settings(models_file=toml, profile=profile, **overrides)
        engine = engine_for(settings, FakeBackend(lead_words))
        return create_app(settings, engine=engine).test_client()

    return build


def test_a_persian_article_gets_an_english_summary_naming_strategy_and_models(
    client_for: Callable[..., FlaskClient], irna_text: str
) -> None:
    response = post(client_for("tiny"), {"text": irna_text, "target": "en"})
    assert response.status_code == 200
    body = response.get_json()
    [result] = body["results"]
    assert result["source"] == "fa"
    assert result["target"] == "en"
    assert result["strategy"] == "abstractive-then-translate"
    assert result["models"] == ["tiny-summarize-fa", "tiny-translate-fa-en"]
    assert result["summary"].startswith("[en] ")
    assert result["sentences"] is None
    assert (result["model_calls"], result["passes"], result["fallback"]) == (1, 1, None)
    assert body["models"] == ["tiny-summarize-fa", "tiny-translate-fa-en"]
    assert body["demo"] is True
    assert "\\u" not in response.get_data(as_text=True)


def test_the_default_profile_translates_first(
    client_for: Callable[..., FlaskClient], irna_text: str
) -> None:
    body = post(client_for("default"), {"text": irna_text, "source": "fa"}).get_json()
    [result] = body["results"]
    assert result["target"] == "fa"  # the default target is the source language
    assert result["strategy"] == "translate-then-abstractive"
    assert result["models"] == [
        "default-translate-fa-en",
        "default-summarize-en",
        "default-translate-en-fa",
    ]


def test_extractive_mode_returns_source_sentences_and_no_demo_flag(
    client: FlaskClient, irna_text: str
) -> None:
    body = post(client, {"text": irna_text, "mode": "extractive", "max_sentences": 4}).get_json()
    [result] = body["results"]
    assert result["strategy"] == "extractive"
    assert result["models"] == []
    source = sentences_of(irna_text)
    assert [s["text"] for s in result["sentences"]] == [
        source[s["index"]] for s in result["sentences"]
    ]
    assert len(result["sentences"]) == 4
    assert result["summary"] == " ".join(s["text"] for s in result["sentences"])
    assert body["demo"] is False  # no random model touched it: these are the source's words


def test_auto_in_a_profile_without_summarizers_extracts_and_translates(
    client_for: Callable[..., FlaskClient], irna_text: str
) -> None:
    body = post(
        client_for("plain"), {"text": [irna_text, "The vote is on Monday."], "target": "en"}
    )
    results = body.get_json()["results"]
    assert [r["strategy"] for r in results] == ["extractive-then-translate", "extractive"]
    assert results[0]["models"] == ["plain-translate-fa-en"]
    assert results[1]["summary"] == "The vote is on Monday."
    assert body.get_json()["demo"] is True


def test_a_summarizer_not_ready_falls_back_in_auto_and_is_503_in_abstractive(
    client_for: Callable[..., FlaskClient], irna_text: str
) -> None:
    client = client_for("tiny", missing=("summarize fa", "summarize en"))
    result = post(client, {"text": irna_text}).get_json()["results"][0]
    assert result["strategy"] == "extractive"
    assert "not in" in result["fallback"]
    response = post(client, {"text": irna_text, "mode": "abstractive"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "model_not_ready"
    assert response.headers["Retry-After"]


def test_abstractive_in_a_profile_without_summarizers_is_503(
    client_for: Callable[..., FlaskClient], irna_text: str
) -> None:
    response = post(client_for("plain"), {"text": irna_text, "mode": "abstractive"})
    assert response.status_code == 503
    assert "extractive" in response.get_json()["error"]["message"]


def test_a_long_article_runs_map_reduce_and_past_the_cap_is_413(
    client_for: Callable[..., FlaskClient],
) -> None:
    article = long_persian_article()
    result = post(client_for("tiny"), {"text": article}).get_json()["results"][0]
    assert result["passes"] == 2
    assert 2 < result["model_calls"] <= 32
    response = post(client_for("tiny", max_summary_calls=4), {"text": article})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["details"]["setting"] == "TARJOMAN_MAX_SUMMARY_CALLS"
    extract = post(client_for("tiny", max_summary_calls=4), {"text": article, "mode": "extractive"})
    assert extract.status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": ""}, 422, "invalid_request"),
        ({"text": "  \n "}, 422, "invalid_request"),
        ({"text": []}, 422, "invalid_request"),
        ({"text": "؟!... ، ۱۲۳"}, 422, "invalid_request"),
        ({"text": ["Fine.", "..."]}, 422, "invalid_request"),
        ({"text": "Hello there.", "target": "de"}, 422, "invalid_request"),
        ({"text": "Hello there.", "source": "ar"}, 422, "invalid_request"),
        ({"text": "Hello there.", "mode": "magic"}, 422, "invalid_request"),
        ({"text": "Hello there.", "max_sentences": 0}, 422, "invalid_request"),
        ({"text": "Hello there.", "max_sentences": "3"}, 422, "invalid_request"),
        ({"text": "Hello there.", "max_words": 5000}, 422, "invalid_request"),
        ({"text": "Hello there.", "length": 3}, 422, "invalid_request"),
        ({"text": "Tehran تهران Kuwait کویت"}, 422, "ambiguous_language"),
        ({}, 422, "invalid_request"),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    client: FlaskClient, body: Any, status: int, code: str
) -> None:
    response = post(client, body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_too_long_and_too_many_texts_get_413(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_texts=2, max_text_chars=50).test_client()
    assert post(client, {"text": ["a.", "b.", "c."]}).status_code == 413
    response = post(client, {"text": "word " * 20})
    assert response.status_code == 413
    assert response.get_json()["error"]["details"]["setting"] == "TARJOMAN_MAX_TEXT_CHARS"


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post("/v1/summarize", data="{", content_type="application/json")
    assert response.status_code == 400


def test_the_tiny_profile_end_to_end_names_strategy_and_models(
    make_settings: Callable[..., Settings], test_models_dir: Path, irna_text: str
) -> None:
    """Real tokenizers and random tiny models: the output is noise, flagged as demo."""
    from service.models.torch_runtime import TorchBackend

    settings = make_settings()
    client = create_app(settings, engine=engine_for(settings, TorchBackend("cpu"))).test_client()
    response = post(client, {"text": irna_text, "target": "en", "max_words": 20})
    assert response.status_code == 200
    body = response.get_json()
    [result] = body["results"]
    assert result["strategy"] == "abstractive-then-translate"
    assert result["models"] == ["tiny-mt5", "tiny-marian-fa-en"]
    assert len([w for w in result["summary"].split() if w != "…"]) <= 20  # … marks a cut
    assert body["demo"] is True


def test_the_openapi_document_describes_summarize(client: FlaskClient) -> None:
    document = client.get("/openapi.json").get_json()
    operation = document["paths"]["/v1/summarize"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/SummarizeRequest"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/SummarizeResponse")
    assert {"413", "422", "503"} <= set(operation["responses"])
    fields = document["components"]["schemas"]["SummarizeRequest"]["properties"]
    assert {"text", "source", "target", "mode", "max_sentences", "max_words"} == set(fields)
