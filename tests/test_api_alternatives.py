"""Alternatives: n-best outputs on /translate and /v1/translate, bounded, batched apart by N.

The fake model's n-best is its output, then `output ~a`, `output ~b`...; the real runtimes'
n-best is checked on tiny models in tests/integration/test_clients_compat.py and the runtime
tests."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.fakes import FakeBackend

EN = "Heavy rain caused floods."
TWO = "Heavy rain fell. Roads closed."


def test_libretranslate_alternatives_for_a_string_and_a_list(client: FlaskClient) -> None:
    one = client.post(
        "/translate", json={"q": EN, "source": "en", "target": "fa", "alternatives": 2}
    ).get_json()
    assert one["translatedText"] == f"[fa] {EN}"
    assert one["alternatives"] == [f"[fa] {EN} ~a", f"[fa] {EN} ~b"]
    many = client.post(
        "/translate", data={"q": [EN, TWO], "source": "en", "target": "fa", "alternatives": "1"}
    ).get_json()
    # A text of several sentences: the k-th alternative of each, in the text's own layout.
    assert many["alternatives"] == [
        [f"[fa] {EN} ~a"],
        ["[fa] Heavy rain fell. ~a [fa] Roads closed. ~a"],
    ]


def test_no_alternatives_unless_asked_and_none_for_html(client: FlaskClient) -> None:
    body = {"q": EN, "source": "en", "target": "fa"}
    assert "alternatives" not in client.post("/translate", json=body).get_json()
    html = body | {"q": f"<p>{EN}</p>", "format": "html", "alternatives": 2}
    assert client.post("/translate", json=html).get_json()["alternatives"] == []


def test_v1_alternatives_per_result_and_bounded(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_alternatives=2).test_client()
    body = {"text": [EN, "1404"], "source": "en", "target": "fa", "alternatives": 2}
    results = client.post("/v1/translate", json=body).get_json()["results"]
    assert results[0]["alternatives"] == [f"[fa] {EN} ~a", f"[fa] {EN} ~b"]
    assert results[1]["alternatives"] == []  # no letters: not translated, nothing else to offer
    plain = client.post("/v1/translate", json=body | {"alternatives": 0}).get_json()
    assert plain["results"][0]["alternatives"] == []
    refused = client.post("/v1/translate", json=body | {"alternatives": 3})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["setting"] == "TARJOMAN_MAX_ALTERNATIVES"
    compat = {"q": EN, "source": "en", "target": "fa", "alternatives": 3}
    assert client.post("/translate", json=compat).get_json() == {
        "error": "Invalid request: alternatives parameter must be <= 2"
    }


def test_requests_with_different_n_are_batched_apart(
    client: FlaskClient, fake_backend: FakeBackend
) -> None:
    for wanted in (0, 2, 1):
        body = {"q": [EN, "Rain."], "source": "en", "target": "fa", "alternatives": wanted}
        assert client.post("/translate", json=body).status_code == 200
    # One batch per request, each with its own n-best width (the best and `wanted` others).
    assert [o.num_alternatives for o in fake_backend.batch_options] == [1, 3, 2]
    assert [len(texts) for _, texts in fake_backend.batches] == [2, 2, 2]
