"""JSON request logs: one line per request with id, route, status, latency, characters; no text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

TEXT = "Heavy rain caused floods in the north."


def _request_lines(err: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "tarjoman.access"]


def test_one_json_line_per_request_without_the_text(
    make_app: Callable[..., Flask], capfd: pytest.CaptureFixture[str]
) -> None:
    client = make_app().test_client()
    response = client.post("/v1/translate", json={"text": [TEXT, "Rain."], "target": "fa"})
    assert response.status_code == 200
    client.get("/livez")
    err = capfd.readouterr().err
    lines = _request_lines(err)
    assert len(lines) == 2
    line = lines[0]
    assert line["route"] == "/v1/translate"
    assert line["method"] == "POST"
    assert line["status"] == 200
    assert line["latency_ms"] >= 0
    assert line["chars_in"] == len(TEXT) + len("Rain.")
    outputs = [r["text"] for r in response.get_json()["results"]]
    assert line["chars_out"] == sum(len(o) for o in outputs)
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert lines[1]["route"] == "/livez"
    assert TEXT not in err
    assert "Rain." not in err
    assert "texts" not in line


def test_the_request_id_is_taken_when_plain_and_made_otherwise(
    make_app: Callable[..., Flask], capfd: pytest.CaptureFixture[str]
) -> None:
    client = make_app().test_client()
    taken = client.get("/livez", headers={"X-Request-ID": "dash-42.a:b"})
    assert taken.headers["X-Request-ID"] == "dash-42.a:b"
    forged = client.get("/livez", headers={"X-Request-ID": 'x" {"status": 500}'})
    made = forged.headers["X-Request-ID"]
    assert len(made) == 32
    assert "status" not in made
    other = client.get("/livez").headers["X-Request-ID"]
    assert other != made
    ids = [line["request_id"] for line in _request_lines(capfd.readouterr().err)]
    assert ids == ["dash-42.a:b", made, other]


def test_errors_are_logged_with_their_status_and_compat_counts_q(
    make_app: Callable[..., Flask], capfd: pytest.CaptureFixture[str]
) -> None:
    client = make_app().test_client()
    client.post("/v1/translate", data="{oops", content_type="application/json")
    client.post("/translate", data={"q": TEXT, "source": "en", "target": "fa"})
    client.get("/nowhere")
    lines = _request_lines(capfd.readouterr().err)
    assert [line["status"] for line in lines] == [400, 200, 404]
    assert lines[1]["chars_in"] == len(TEXT)
    assert lines[1]["chars_out"] > 0
    assert lines[2]["route"] is None


def test_texts_are_logged_only_when_asked(
    make_app: Callable[..., Flask], capfd: pytest.CaptureFixture[str]
) -> None:
    client = make_app(log_text=True).test_client()
    client.post("/v1/translate", json={"text": TEXT, "target": "fa"})
    (line,) = _request_lines(capfd.readouterr().err)
    assert line["texts"] == [TEXT]
