"""The LibreTranslate 1.9 surface: field names, JSON and forms, lists, its statuses and words."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

FA = "وزارت کشور کویت مذاکراتی را با عراق انجام داد."
EN = "Heavy rain caused floods."


def test_a_form_translates_one_string_with_the_detected_language(client: FlaskClient) -> None:
    response = client.post("/translate", data={"q": FA, "source": "auto", "target": "en"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["translatedText"] == f"[en] {FA}"  # the fake model tags its target
    assert body["detectedLanguage"]["language"] == "fa"
    assert 90 <= body["detectedLanguage"]["confidence"] <= 100
    assert body["demo"] is True
    assert "alternatives" not in body


def test_json_with_a_list_gives_a_list_in_order(client: FlaskClient) -> None:
    response = client.post("/translate", json={"q": [EN, "Rain."], "source": "en", "target": "fa"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["translatedText"] == [f"[fa] {EN}", "[fa] Rain."]
    assert "detectedLanguage" not in body  # only when source is auto, as LibreTranslate does


def test_a_repeated_form_q_is_a_list(client: FlaskClient) -> None:
    response = client.post(
        "/translate", data={"q": [EN, "Rain."], "source": "auto", "target": "fa"}
    )
    body = response.get_json()
    assert body["translatedText"] == [f"[fa] {EN}", "[fa] Rain."]
    assert [d["language"] for d in body["detectedLanguage"]] == ["en", "en"]


def test_text_without_letters_comes_back_as_sent(client: FlaskClient) -> None:
    response = client.post("/translate", json={"q": ["  ", "1404"], "source": "en", "target": "fa"})
    assert response.get_json()["translatedText"] == ["  ", "1404"]


FORM = {"q": EN, "source": "en", "target": "fa"}
SAME = "English (en) is not available as a target language from English (en)"
NAN = "Invalid request: alternatives parameter is not a number"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"source": "en", "target": "fa"}, "Invalid request: missing q parameter"),
        (FORM | {"q": ""}, "Invalid request: missing q parameter"),
        ({"q": EN, "target": "fa"}, "Invalid request: missing source parameter"),
        ({"q": EN, "source": "en"}, "Invalid request: missing target parameter"),
        (FORM | {"target": "de"}, "de is not supported"),
        (FORM | {"source": "de"}, "de is not supported"),
        (FORM | {"target": "en"}, SAME),
        (FORM | {"format": "markdown"}, "markdown format is not supported"),
        (FORM | {"alternatives": "many"}, NAN),
        (FORM | {"alternatives": "4"}, "Invalid request: alternatives parameter must be <= 3"),
        (FORM | {"q": "a" * 31}, "Invalid request: request (31) exceeds text limit (30)"),
    ],
)  # fmt: skip
def test_mistakes_get_libretranslates_words(
    make_app: Callable[..., Flask], body: dict[str, str], message: str
) -> None:
    client = make_app(max_text_chars=30, max_texts=2).test_client()
    for response in (client.post("/translate", data=body), client.post("/translate", json=body)):
        assert response.status_code == 400
        assert response.get_json() == {"error": message}


def test_more_mistakes_with_libretranslates_status(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_texts=2).test_client()
    cases = {
        "Invalid request: request (3) exceeds text limit (2)": client.post(
            "/translate", json=FORM | {"q": ["a", "b", "c"]}
        ),
        "Invalid JSON format": client.post("/translate", json=["not", "an", "object"]),
        "Invalid request: missing q parameter": client.post("/detect", json={}),
    }
    for message, response in cases.items():
        assert response.status_code == 400
        assert response.get_json() == {"error": message}
    for response in (
        client.post("/translate", data="{oops", content_type="application/json"),
        client.post("/translate", data=b"q=x", content_type="text/plain"),
        client.post("/translate", json=FORM | {"q": 3}),
        client.post(
            "/translate", json={"q": "The IRNA خبرگزاری", "source": "auto", "target": "fa"}
        ),
    ):
        assert response.status_code == 400
        assert list(response.get_json()) == ["error"]


def test_a_wrong_method_is_405(client: FlaskClient) -> None:
    for method, path in (
        ("GET", "/translate"),
        ("GET", "/detect"),
        ("POST", "/languages"),
        ("GET", "/suggest"),
        ("POST", "/health"),
        ("GET", "/translate_file"),
    ):
        assert client.open(path, method=method).status_code == 405, path
        # The route the method missed answers, in LibreTranslate's shape (issue 14).
        assert isinstance(client.open(path, method=method).get_json()["error"], str), path


def test_detect_answers_a_list_with_confidence_0_to_100(client: FlaskClient) -> None:
    persian = client.post("/detect", data={"q": FA}).get_json()
    assert persian == [{"confidence": 100.0, "language": "fa"}]
    mixed = client.post("/detect", json={"q": "The IRNA خبرگزاری reported"}).get_json()
    assert mixed[0]["language"] == "en"
    assert 50 < mixed[0]["confidence"] < 100
    assert client.post("/detect", data={"q": "1234 !!"}).get_json() == []


def test_languages_come_from_the_profile(client: FlaskClient) -> None:
    languages = client.get("/languages").get_json()
    assert languages == [
        {"code": "en", "name": "English", "targets": ["fa"]},
        {"code": "fa", "name": "Persian", "targets": ["en"]},
    ]


def test_html_keeps_its_tags(client: FlaskClient) -> None:
    html = "<p>Heavy <b>rain</b> caused floods.</p><p>Roads closed.</p>"
    response = client.post(
        "/translate", json={"q": html, "source": "en", "target": "fa", "format": "html"}
    )
    assert response.status_code == 200
    out = response.get_json()["translatedText"]
    assert re.findall(r"<[^>]+>", out) == re.findall(r"<[^>]+>", html)
    assert "[fa]" in out  # the fake model's mark: the text nodes went to the model


def test_health_spec_settings_and_suggest(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_text_chars=5000).test_client()
    assert client.get("/health").get_json() == {"status": "ok"}
    spec = client.get("/spec").get_json()
    assert "/translate" in spec["paths"]
    assert "/v2/translate" in spec["paths"]
    assert client.get("/frontend/settings").get_json() == {
        "charLimit": 5000,
        "frontendTimeout": 500,
        "apiKeys": False,
        "keyRequired": False,
        "suggestions": False,
        "filesTranslation": True,
        "supportedFilesFormat": [
            ".txt",
            ".text",
            ".md",
            ".html",
            ".htm",
            ".srt",
            ".vtt",
            ".docx",
            ".pdf",
        ],
        "language": {
            "source": {"code": "auto", "name": "Auto Detect"},
            "target": {"code": "en", "name": "English"},
        },
    }
    refused = client.post("/suggest", data={"q": "a", "s": "b", "source": "en", "target": "fa"})
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "Suggestions are disabled on this server."}


def test_with_keys_only_libretranslates_open_routes_stay_open(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(api_keys=["tk-3f9a1c7e5b2d48e6a0c4"]).test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/languages").status_code == 200
    assert client.get("/spec").status_code == 200
    assert client.get("/frontend/settings").get_json()["keyRequired"] is True
    assert client.post("/suggest").status_code == 403  # refused anyway, as LibreTranslate does
    assert client.get("/download_file/x.txt").status_code == 404  # the name is the key
    closed = [
        client.post("/translate", data=FORM),
        client.post("/detect", data={"q": EN}),
        client.post("/translate_file", data={"source": "en", "target": "fa"}),
    ]
    for response in closed:
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "Please contact the server operator to get an API key"
        }
