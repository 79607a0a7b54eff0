"""End to end: /v1/summarize on real gunicorn with the tiny profile (tiny mT5, BART, Marian)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from service.pipelines.extractive import sentences_of
from tests.integration.conftest import Server
from tests.summarizers import long_persian_article

pytestmark = pytest.mark.integration


def summarize(server: Server, body: dict[str, object]) -> requests.Response:
    """POST /v1/summarize."""
    return requests.post(server.url + "/v1/summarize", json=body, timeout=120)


def test_a_persian_article_gets_an_english_summary(tiny_server: Server, irna_text: str) -> None:
    response = summarize(tiny_server, {"text": irna_text, "target": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    [result] = body["results"]
    assert result["strategy"] == "abstractive-then-translate"
    assert result["models"] == ["tiny-mt5", "tiny-marian-fa-en"]
    assert body["demo"] is True


def test_extractive_summaries_quote_the_article(tiny_server: Server, irna_text: str) -> None:
    response = summarize(tiny_server, {"text": irna_text, "mode": "extractive"})
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    source = sentences_of(irna_text)
    assert [s["text"] for s in result["sentences"]] == [
        source[s["index"]] for s in result["sentences"]
    ]
    assert len(result["sentences"]) == 3


def test_concurrent_long_articles_are_summarized_within_the_call_cap(tiny_server: Server) -> None:
    article = long_persian_article()
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: summarize(tiny_server, {"text": article}), range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200], responses[0].text
    results = [r.json()["results"][0] for r in responses]
    assert all(r["strategy"] == "abstractive" and r["passes"] >= 2 for r in results)
    assert all(r["model_calls"] <= 32 for r in results)
    # Each request's summary is its own: the same article gives the same summary in a batch.
    assert len({r["summary"] for r in results}) == 1
