"""Access fails closed: every route is on the public list or needs a key; CORS follows the list."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Blueprint, Flask
from werkzeug.test import TestResponse

from service.api import access

KEY = "tk-access-7c1e"
DASHBOARD = "https://dash.example.org"


def _url(rule: str) -> str:
    return re.sub(r"<[^>]+>", "x", rule)


def _refused_for_want_of_a_key(response: TestResponse) -> bool:
    """The auth hook's refusal, in whichever shape the route's surface gives it: 401 on /v1,
    LibreTranslate's 400 and DeepL's 403, each with a message about the key."""
    if response.status_code not in (400, 401, 403) or not response.is_json:
        return False
    return "key" in json.dumps(response.get_json()).lower()


def _late_routes(app: Flask) -> None:
    # What another branch adds: a blueprint nobody told access.py about.
    late = Blueprint("late", __name__)
    late.add_url_rule("/v1/jobs-late", "create", lambda: {"ok": True}, methods=["POST"])
    late.add_url_rule("/v1/jobs-late/<job_id>", "show", lambda job_id: {"id": job_id})
    app.register_blueprint(late)


def test_every_route_is_public_or_needs_a_key(make_app: Callable[..., Flask]) -> None:
    app = make_app(api_keys=[KEY])
    _late_routes(app)
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            response = client.open(_url(rule.rule), method=method, **body)
            refused = _refused_for_want_of_a_key(response)
            response.close()
            where = f"{method} {rule.rule} ({rule.endpoint}): {response.status_code}"
            if access.is_public(rule.endpoint):
                assert not refused, f"{where} is on the public list but asks for a key"
            else:
                assert refused, (
                    f"{where} without a key: it must need one, or be put on "
                    "service/api/access.py's public list on purpose"
                )
            checked += 1
    assert checked >= 12
    late = client.post("/v1/jobs-late", json={}, headers={"Authorization": f"Bearer {KEY}"})
    assert late.status_code == 200  # protected, not broken


def test_the_public_list_names_real_endpoints_only(make_app: Callable[..., Flask]) -> None:
    endpoints = {rule.endpoint for rule in make_app().url_map.iter_rules()}
    assert set(access.PUBLIC) <= endpoints


def test_a_late_route_is_rate_limited_and_documented_as_keyed(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(api_keys=[KEY], rate_limit="1/day")
    _late_routes(app)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {KEY}"}
    assert client.post("/v1/jobs-late", json={}, headers=auth).status_code == 200
    assert client.post("/v1/jobs-late", json={}, headers=auth).status_code == 429
    assert client.get("/livez").status_code == 200  # public: never limited
    assert client.get("/languages").status_code == 200
    paths = client.get("/openapi.json").get_json()["paths"]
    assert paths["/v1/jobs-late"]["post"]["security"] == [{"bearer": []}]
    assert paths["/v1/jobs-late/{job_id}"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in paths["/languages"]["get"]
    assert "security" not in paths["/readyz"]["get"]


def test_cors_reaches_the_api_only_and_always_varies_by_origin(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(cors_origins=[DASHBOARD])
    _late_routes(app)
    client = app.test_client()
    for origin in (DASHBOARD, "https://evil.example.com", None):
        headers = {"Origin": origin} if origin else {}
        for response in (
            client.post("/v1/translate", json={"text": "Rain.", "target": "fa"}, headers=headers),
            client.post("/v1/jobs-late", json={}, headers=headers),
            client.get("/languages", headers=headers),
        ):
            assert "Origin" in response.vary, response.request.path
            allowed = response.headers.get("Access-Control-Allow-Origin")
            if origin is not None:  # with no Origin, no browser reads it either way
                assert allowed == (DASHBOARD if origin == DASHBOARD else None)
    for path in ("/", "/livez", "/metrics", "/openapi.json"):
        response = client.get(path, headers={"Origin": DASHBOARD})
        assert "Access-Control-Allow-Origin" not in response.headers, path
        response.close()
