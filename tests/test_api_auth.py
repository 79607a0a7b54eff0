"""API keys (401 without, 403 wrong, Bearer or compat api_key), never logged; /metrics guard."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api.auth import KeyRing, load_keys
from service.settings import Settings, SettingsError

KEY = "tk-3f9a1c7e5b2d48e6a0c4"
OTHER_KEY = "tk-88d0b6aa91f34c27b5e1"


@pytest.fixture
def keyed(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """An app over the fake engine with keys and any other settings."""
    return functools.partial(make_app, api_keys=[KEY, OTHER_KEY])


def _translate(client: FlaskClient, **headers: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/v1/translate", json={"text": "Heavy rain.", "target": "fa"}, headers=headers
    )
    return response.status_code, response.get_json()


def test_without_keys_configured_no_key_is_needed(client: FlaskClient) -> None:
    assert _translate(client)[0] == 200


def test_no_key_is_401_and_a_wrong_key_is_403(keyed: Callable[..., Flask]) -> None:
    client = keyed().test_client()
    status, body = _translate(client)
    assert status == 401
    challenge = client.post("/v1/translate", json={"text": "Rain."}).headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert body["error"]["code"] == "unauthorized"  # type: ignore[index]
    status, body = _translate(client, Authorization="Bearer tk-wrong")
    assert status == 403
    assert body["error"]["code"] == "forbidden"  # type: ignore[index]
    assert _translate(client, Authorization="Basic " + KEY)[0] == 401  # not a bearer token
    assert _translate(client, Authorization=f"Bearer {KEY}")[0] == 200
    assert _translate(client, Authorization=f"bearer {OTHER_KEY}")[0] == 200


def test_api_key_in_the_body_counts_on_the_compatible_surface_only(
    keyed: Callable[..., Flask],
) -> None:
    client = keyed().test_client()
    form = {"q": "Heavy rain.", "source": "en", "target": "fa"}
    assert client.post("/translate", data=form | {"api_key": KEY}).status_code == 200
    assert client.post("/translate", json=form | {"api_key": KEY}).status_code == 200
    wrong = client.post("/translate", data=form | {"api_key": "nope"})
    assert wrong.status_code == 403
    assert wrong.get_json() == {"error": "Invalid API key"}  # LibreTranslate's words and status
    missing = client.post("/translate", data=form)
    assert missing.status_code == 400
    assert missing.get_json() == {"error": "Please contact the server operator to get an API key"}
    v1 = client.post("/v1/translate", json={"text": "Heavy rain.", "api_key": KEY})
    assert v1.status_code == 401


def test_health_and_compat_languages_stay_open(keyed: Callable[..., Flask]) -> None:
    client = keyed().test_client()
    assert client.get("/livez").status_code == 200
    assert client.get("/languages").status_code == 200
    assert client.post("/detect", data={"q": "Heavy rain."}).status_code == 400


def test_keys_come_from_a_file_too(tmp_path: Path, make_settings: Callable[..., Settings]) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# dashboards\n\n  {KEY}  \n{OTHER_KEY}\n", encoding="utf-8")
    ring = load_keys(make_settings(api_keys_file=keys))
    assert ring.required
    assert ring.matches(KEY)
    assert ring.matches(OTHER_KEY)
    assert not ring.matches("# dashboards")
    assert not ring.matches("")


def test_an_unreadable_key_file_stops_start_up(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    with pytest.raises(SettingsError, match="TARJOMAN_API_KEYS_FILE"):
        load_keys(make_settings(api_keys_file=tmp_path / "absent.txt"))


def test_a_key_ring_matches_only_whole_keys() -> None:
    ring = KeyRing((KEY.encode(),))
    assert ring.matches(KEY)
    assert not ring.matches(KEY[:-1])
    assert not ring.matches(KEY + "x")
    assert not KeyRing(()).required


def test_the_key_never_reaches_the_logs_or_repr(
    keyed: Callable[..., Flask],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = keyed(log_level="DEBUG")
    client = app.test_client()
    _translate(client, Authorization=f"Bearer {KEY}")
    _translate(client, Authorization=f"Bearer {KEY}x")
    client.post("/translate", data={"q": "Heavy rain.", "target": "fa", "api_key": OTHER_KEY})
    captured = capfd.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert '"status": 200' in logged  # the request lines were written
    assert KEY not in logged
    assert OTHER_KEY not in logged
    assert KEY not in repr(app.extensions["tarjoman"].settings)


@pytest.fixture
def with_metrics_view() -> Callable[[Flask], Flask]:
    """Give an app a /metrics view when it has none (the real one comes with the engine issue)."""

    def add(app: Flask) -> Flask:
        if not any(rule.rule == "/metrics" for rule in app.url_map.iter_rules()):
            app.add_url_rule("/metrics", "test_metrics", lambda: "requests_total 1\n")
        return app

    return add


def test_metrics_token_guards_metrics_only(
    keyed: Callable[..., Flask], with_metrics_view: Callable[[Flask], Flask]
) -> None:
    client = with_metrics_view(keyed(api_keys=[], metrics_token="m-token-42")).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer m-token-4"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer m-token-42"}).status_code == 200
    assert client.get("/livez").status_code == 200


def test_metrics_and_docs_can_be_turned_off(
    keyed: Callable[..., Flask], with_metrics_view: Callable[[Flask], Flask]
) -> None:
    client = with_metrics_view(keyed(api_keys=[], metrics=False, docs=False)).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/livez").status_code == 200


def test_the_key_is_never_a_metric_label(keyed: Callable[..., Flask]) -> None:
    client = keyed().test_client()
    assert _translate(client, Authorization=f"Bearer {KEY}")[0] == 200
    assert _translate(client, Authorization=f"Bearer {KEY}0")[0] == 403
    exposition = client.get("/metrics")
    assert exposition.status_code == 200
    text = exposition.get_data(as_text=True)
    assert "/v1/translate" in text  # the requests were counted, by route
    assert KEY not in text
