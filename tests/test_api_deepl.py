"""The DeepL v2 surface over HTTP: shapes, codes and case rules, options, usage, every error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

FA = "وزارت کشور کویت مذاکراتی را با عراق انجام داد."
EN = "Heavy rain caused floods."
KEY = "tk-3f9a1c7e5b2d48e6a0c4"
OTHER_KEY = "tk-88d0b6aa91f34c27b5e1"


def test_a_form_with_repeated_text_gives_one_translation_each(client: FlaskClient) -> None:
    response = client.post("/v2/translate", data={"text": [EN, FA], "target_lang": "FA"})
    assert response.status_code == 400  # FA is not a target for Persian text: mixed directions
    response = client.post("/v2/translate", data={"text": [EN, "Rain."], "target_lang": "FA"})
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "translations": [
            {"detected_source_language": "EN", "text": f"[fa] {EN}", "billed_characters": 25},
            {"detected_source_language": "EN", "text": "[fa] Rain.", "billed_characters": 5},
        ],
        "demo": True,
    }


def test_json_string_or_list_and_codes_in_any_case(client: FlaskClient) -> None:
    for target in ("EN", "en-us", "EN-GB"):
        response = client.post("/v2/translate", json={"text": FA, "target_lang": target})
        assert response.status_code == 200, response.get_json()
        translation = response.get_json()["translations"][0]
        assert translation["text"] == f"[en] {FA}"
        assert translation["detected_source_language"] == "FA"
    response = client.post(
        "/v2/translate", json={"text": [FA], "source_lang": "fa", "target_lang": "en-gb"}
    )
    assert response.get_json()["translations"][0]["detected_source_language"] == "FA"


BASE = {"text": EN, "target_lang": "FA"}
NO_FORMALITY = "'formality' is not supported for given 'target_lang'."


def _bad(name: str) -> str:
    return f"Value for '{name}' not supported."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"target_lang": "FA"}, "Parameter 'text' not specified."),
        ({"text": [], "target_lang": "FA"}, "Parameter 'text' not specified."),
        ({"text": EN}, "Parameter 'target_lang' not specified."),
        (BASE | {"target_lang": "DE"}, _bad("target_lang")),
        (BASE | {"source_lang": "EN-US"}, _bad("source_lang")),
        (BASE | {"formality": "more"}, NO_FORMALITY),
        (BASE | {"formality": "less"}, NO_FORMALITY),
        (BASE | {"formality": "polite"}, _bad("formality")),
        (BASE | {"tag_handling": "markdown"}, _bad("tag_handling")),
        (BASE | {"split_sentences": "2"}, _bad("split_sentences")),
        (BASE | {"preserve_formatting": "maybe"}, _bad("preserve_formatting")),
        (BASE | {"text": [EN, 3]}, _bad("text")),
        (
            BASE | {"glossary_id": "x"},
            "Use of a glossary requires the 'source_lang' parameter to be specified.",
        ),
    ],
)
def test_bad_parameters_are_400_in_deepls_words(
    client: FlaskClient, body: dict[str, object], message: str
) -> None:
    response = client.post("/v2/translate", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"message": message}


def test_formality_that_may_fall_back_is_accepted(client: FlaskClient) -> None:
    for formality in ("default", "prefer_more", "PREFER_LESS"):
        body = {"text": EN, "target_lang": "FA", "formality": formality}
        assert client.post("/v2/translate", json=body).status_code == 200


def test_other_errors_keep_deepls_shape(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_texts=2, max_text_chars=30).test_client()
    cases = {
        400: [
            client.post("/v2/translate", data="{oops", content_type="application/json"),
            client.post("/v2/translate", json=["not", "an", "object"]),
            client.post("/v2/translate", data=b"text=x", content_type="text/plain"),
            client.post(
                "/v2/translate", json={"text": EN, "source_lang": "EN", "target_lang": "EN"}
            ),
            client.post("/v2/translate", json={"text": "The IRNA خبرگزاری", "target_lang": "FA"}),
        ],
        413: [
            client.post("/v2/translate", json={"text": ["a."] * 3, "target_lang": "FA"}),
            client.post("/v2/translate", json={"text": "a" * 31, "target_lang": "FA"}),
        ],
        404: [client.get("/v2/nothing-here")],
        405: [client.get("/v2/translate")],
    }
    for status, responses in cases.items():
        for response in responses:
            assert response.status_code == status, response.get_json()
            if status != 404:  # no route matched: the service's own error shape
                body = response.get_json()
                assert list(body) == ["message"]
                assert body["message"]
            if status == 405:  # RFC 9110: a 405 names the methods the route takes
                assert response.headers["Allow"] == "OPTIONS, POST"


def test_html_keeps_tags_and_ignore_tags_are_not_translated(client: FlaskClient) -> None:
    html = "<p>Heavy <b>rain</b> fell. <code>x = 1</code> <keep>Tehran Times</keep></p>"
    body = {"text": html, "source_lang": "EN", "target_lang": "FA", "tag_handling": "html"}
    out = client.post("/v2/translate", json=body | {"ignore_tags": ["keep"]}).get_json()
    text = out["translations"][0]["text"]
    assert "<b>rain</b>" in text
    assert text.startswith("<p>[fa]")
    assert "<keep>Tehran Times</keep>" in text  # copied through, never sent to the model
    form = client.post("/v2/translate", data=body | {"ignore_tags": "keep,code"}).get_json()
    assert "<keep>Tehran Times</keep>" in form["translations"][0]["text"]
    xml = "<doc><title>Heavy rain</title><skip>Kept as is</skip></doc>"
    body = {"text": xml, "source_lang": "EN", "target_lang": "FA", "tag_handling": "xml"}
    out = client.post("/v2/translate", json=body | {"ignore_tags": "skip"}).get_json()
    assert out["translations"][0]["text"] == (
        "<doc><title>[fa] Heavy rain</title><skip>Kept as is</skip></doc>"
    )


def test_accepted_options_change_nothing_they_cannot(client: FlaskClient) -> None:
    plain = client.post("/v2/translate", json={"text": EN, "target_lang": "FA"}).get_json()
    for extra in (
        {"split_sentences": "nonewlines"},
        {"split_sentences": 0},
        {"preserve_formatting": True},
        {"preserve_formatting": "1"},
        {"context": "weather news", "show_billed_characters": True},
    ):
        body = {"text": EN, "target_lang": "FA"} | extra
        assert client.post("/v2/translate", json=body).get_json() == plain


def test_languages_by_type_from_query_form_or_json(client: FlaskClient) -> None:
    source = [{"language": "EN", "name": "English"}, {"language": "FA", "name": "Persian"}]
    target = [
        {"language": "EN-GB", "name": "English (British)", "supports_formality": False},
        {"language": "EN-US", "name": "English (American)", "supports_formality": False},
        {"language": "FA", "name": "Persian", "supports_formality": False},
    ]
    assert client.get("/v2/languages").get_json() == source
    assert client.get("/v2/languages?type=target").get_json() == target
    # DeepL's Python client sends GET with a form body.
    assert client.get("/v2/languages", data={"type": "target"}).get_json() == target
    assert client.post("/v2/languages", json={"type": "source"}).get_json() == source
    refused = client.get("/v2/languages?type=both")
    assert refused.status_code == 400
    assert refused.get_json() == {"message": "Value for 'type' not supported."}


def test_usage_counts_characters_per_key_and_456_past_the_limit(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(deepl_character_limit=40).test_client()
    alice = {"Authorization": "DeepL-Auth-Key alice"}
    bob = {"Authorization": "DeepL-Auth-Key bob"}
    assert client.get("/v2/usage", headers=alice).get_json() == {
        "character_count": 0,
        "character_limit": 40,
    }
    body = {"text": [EN, "Rain."], "target_lang": "FA"}
    assert client.post("/v2/translate", json=body, headers=alice).status_code == 200
    assert client.get("/v2/usage", headers=alice).get_json()["character_count"] == 30
    assert client.get("/v2/usage", headers=bob).get_json()["character_count"] == 0
    over = client.post("/v2/translate", json=body, headers=alice)
    assert over.status_code == 456
    assert over.get_json() == {"message": "Quota exceeded. The character limit has been reached."}
    assert client.get("/v2/usage", headers=alice).get_json()["character_count"] == 30
    # A request that fails after it was counted gives its characters back.
    mixed = {"text": "The IRNA خبرگزاری", "target_lang": "FA"}
    assert client.post("/v2/translate", json=mixed, headers=bob).status_code == 400
    assert client.get("/v2/usage", headers=bob).get_json()["character_count"] == 0
    # The count lives in the data folder: a new app (another worker) sees it.
    again = make_app(deepl_character_limit=40).test_client()
    assert again.get("/v2/usage", headers=alice).get_json()["character_count"] == 30


def test_without_a_limit_usage_reports_deepls_unlimited_figure(client: FlaskClient) -> None:
    usage = client.get("/v2/usage").get_json()
    assert usage == {"character_count": 0, "character_limit": 1_000_000_000_000}


def test_keys_on_every_route_needs_one_and_errors_are_403(make_app: Callable[..., Flask]) -> None:
    client = make_app(api_keys=[KEY, OTHER_KEY]).test_client()
    routes = [
        ("POST", "/v2/translate"),
        ("GET", "/v2/languages"),
        ("POST", "/v2/languages"),
        ("GET", "/v2/usage"),
        ("GET", "/v2/glossaries"),
        ("POST", "/v2/glossaries"),
        ("GET", "/v2/glossaries/some-id"),
        ("GET", "/v2/glossaries/some-id/entries"),
        ("DELETE", "/v2/glossaries/some-id"),
        ("GET", "/v2/glossary-language-pairs"),
    ]
    for method, path in routes:
        for headers in ({}, {"Authorization": "DeepL-Auth-Key wrong"}):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 403, (method, path, headers)
            assert list(response.get_json()) == ["message"]
    body = {"text": EN, "target_lang": "FA"}
    for header in (f"DeepL-Auth-Key {KEY}", f"Bearer {OTHER_KEY}", f"deepl-auth-key {KEY}"):
        response = client.post("/v2/translate", json=body, headers={"Authorization": header})
        assert response.status_code == 200


def test_rate_limits_answer_429_in_deepls_shape(make_app: Callable[..., Flask]) -> None:
    client = make_app(rate_limit="1/day").test_client()
    body = {"text": EN, "target_lang": "FA"}
    assert client.post("/v2/translate", json=body).status_code == 200
    refused = client.post("/v2/translate", json=body)
    assert refused.status_code == 429
    assert list(refused.get_json()) == ["message"]
    assert refused.headers["Retry-After"]


def test_an_unwritable_data_folder_is_a_503_that_says_so(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    client = make_app(data_dir=blocked / "data").test_client()
    response = client.get("/v2/usage")
    assert response.status_code == 503
    assert "TARJOMAN_DATA_DIR" in response.get_json()["message"]
    assert response.headers["Retry-After"] == "5"
