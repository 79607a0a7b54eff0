"""POST /v1/detect, and the html/glossary/keep fields of POST /v1/translate, over HTTP."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient


def post(client: FlaskClient, path: str, body: Any) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_detects_one_text(client: FlaskClient) -> None:
    response = post(client, "/v1/detect", {"text": "وزارت کشور کویت"})
    assert response.status_code == 200
    assert response.get_json() == {
        "results": [{"language": "fa", "confidence": 1.0, "reliable": True}]
    }


def test_detects_each_text_of_a_list(client: FlaskClient) -> None:
    texts = ["Good morning.", "صبح بخیر.", "2017 - ۱۳۹۶", "hello دنیا"]
    results = post(client, "/v1/detect", {"text": texts}).get_json()["results"]
    assert [r["language"] for r in results] == ["en", "fa", None, "en"]
    assert [r["reliable"] for r in results] == [True, True, False, False]


def test_detect_rejects_bad_requests_with_json_errors(client: FlaskClient) -> None:
    for body in ({"text": ""}, {"text": []}, {"text": 5}, {"txt": "a"}):
        response = post(client, "/v1/detect", body)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "invalid_request"
    response = client.post("/v1/detect", data="{", content_type="application/json")
    assert response.status_code == 400


def test_translate_auto_on_a_mixed_text_is_a_422_naming_source(client: FlaskClient) -> None:
    body = {"text": ["Fine.", "hello دنیا"], "source": "auto"}
    response = post(client, "/v1/translate", body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "ambiguous_language"
    assert "text[1]" in error["message"]
    assert "source" in error["message"]
    assert error["details"]["index"] == 1


def test_translate_reports_detection_and_untranslated_texts(client: FlaskClient) -> None:
    body = post(client, "/v1/translate", {"text": ["صبح بخیر.", "12:30"], "target": "en"})
    first, second = body.get_json()["results"]
    assert first["detected"] == {"language": "fa", "confidence": 1.0, "reliable": True}
    assert first["untranslated"] is False
    assert second["untranslated"] is True
    assert second["text"] == "12:30"


def test_translate_html_keeps_tags(client: FlaskClient) -> None:
    page = '<p class="x">Hello <b>world</b>.</p><script>x = "y";</script>'
    body = post(client, "/v1/translate", {"text": page, "format": "html"}).get_json()
    assert (
        body["results"][0]["text"]
        == '<p class="x">[fa] Hello <b>world</b>.</p><script>x = "y";</script>'
    )


def test_translate_with_glossary_and_keep(client: FlaskClient) -> None:
    request = {
        "text": "IRNA reports from Kuwait.",
        "glossary": {"Kuwait": "کویت"},
        "keep": ["IRNA"],
    }
    result = post(client, "/v1/translate", request).get_json()["results"][0]
    assert result["text"] == "[fa] IRNA reports from کویت."
    assert sorted(result["terms_applied"]) == ["IRNA", "Kuwait"]
    assert result["terms_lost"] == []


def test_translate_rejects_bad_glossaries(client: FlaskClient) -> None:
    for extra in ({"glossary": {"": "x"}}, {"keep": [""]}, {"glossary": ["a"]}, {"format": "pdf"}):
        response = post(client, "/v1/translate", {"text": "Hello.", **extra})
        assert response.status_code == 422, extra
        assert response.get_json()["error"]["code"] == "invalid_request"
