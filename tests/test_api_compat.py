"""The LibreTranslate-compatible surface: field names, JSON and forms, lists, its error shape."""

from __future__ import annotations

import re

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
    response = client.post(
        "/translate", json={"q": [EN, "Rain."], "source": "en", "target": "fa", "alternatives": 2}
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["translatedText"] == [f"[fa] {EN}", "[fa] Rain."]
    assert "detectedLanguage" not in body  # only when source is auto, as LibreTranslate does
    assert body["alternatives"] == [[], []]


def test_a_repeated_form_q_is_a_list(client: FlaskClient) -> None:
    response = client.post("/translate", data={"q": [EN, "Rain."], "target": "fa"})
    body = response.get_json()
    assert body["translatedText"] == [f"[fa] {EN}", "[fa] Rain."]
    assert [d["language"] for d in body["detectedLanguage"]] == ["en", "en"]


def test_errors_have_libretranslate_shape_and_status(client: FlaskClient) -> None:
    cases = [
        client.post("/translate", data={"target": "fa"}),  # no q
        client.post("/translate", data={"q": " ", "target": "fa"}),
        client.post("/translate", data={"q": EN, "target": "de"}),
        client.post("/translate", data={"q": EN, "source": "en", "target": "en"}),
        client.post("/translate", data={"q": EN, "target": "fa", "format": "markdown"}),
        client.post("/translate", data="{oops", content_type="application/json"),
        client.post("/translate", json=["not", "an", "object"]),
        client.post("/translate", data=b"q=x", content_type="text/plain"),
        client.post("/translate", json={"q": ["Rain."] * 101, "target": "fa"}),
        client.post("/detect", json={}),
    ]
    for response in cases:
        assert response.status_code == 400, response.get_json()
        body = response.get_json()
        assert list(body) == ["error"]
        assert isinstance(body["error"], str)
        assert body["error"]


def test_a_wrong_method_is_405_json(client: FlaskClient) -> None:
    # The route the method missed answers, in LibreTranslate's shape (issue 14).
    response = client.get("/translate")
    assert response.status_code == 405
    assert "not allowed" in response.get_json()["error"].lower()


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
