"""Keys, rate limits and request logs through real gunicorn: 401/403, 429, forged headers, redis."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from tests.integration.conftest import Server, start_server, stop_server
from tests.redisserver import RedisServer

pytestmark = pytest.mark.integration

KEY = "tk-integration-5c1d9e0f7a3b"
FA = "وزارت کشور کویت مذاکراتی را با عراق انجام داد."
# No models are preloaded: these tests exercise the HTTP layer; /detect needs no model.
LIGHT = {"TARJOMAN_PRELOAD": ""}


@pytest.fixture(scope="module")
def keyed_server(
    test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """gunicorn with one API key and request logs at DEBUG."""
    log = tmp_path_factory.mktemp("keyed") / "server.log"
    env = LIGHT | {"TARJOMAN_API_KEYS": KEY, "TARJOMAN_LOG_LEVEL": "DEBUG"}
    process, server = start_server(test_models_dir, log, env)
    yield server
    stop_server(process)


@pytest.fixture(scope="module")
def limited_server(
    test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """gunicorn with 3 requests a day per client address, in memory."""
    log = tmp_path_factory.mktemp("limited") / "server.log"
    process, server = start_server(test_models_dir, log, LIGHT | {"TARJOMAN_RATE_LIMIT": "3/day"})
    yield server
    stop_server(process)


def test_keys_over_http_401_403_200_and_never_logged(keyed_server: Server) -> None:
    url = keyed_server.url
    missing = requests.post(
        url + "/v1/translate", json={"text": "Rain.", "target": "fa"}, timeout=10
    )
    assert missing.status_code == 401
    wrong = requests.post(url + "/detect", data={"q": FA, "api_key": KEY[:-1]}, timeout=10)
    assert wrong.status_code == 403
    assert wrong.json() == {"error": "Invalid API key"}  # LibreTranslate's words
    right = requests.post(
        url + "/detect",
        data={"q": FA},
        headers={"Authorization": f"Bearer {KEY}", "X-Request-ID": "it-keys-1"},
        timeout=10,
    )
    assert right.status_code == 200
    assert right.json()[0]["language"] == "fa"
    assert requests.post(url + "/detect", data={"q": FA, "api_key": KEY}, timeout=10).ok
    time.sleep(0.5)  # let the worker flush its last log line
    log = keyed_server.log_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line.get("logger") == "tarjoman.access"]
    assert any(
        line["request_id"] == "it-keys-1" and line["status"] == 200 and line["chars_in"] == len(FA)
        for line in requests_logged
    )
    assert KEY not in log
    assert KEY[:-1] not in log
    assert FA not in log


def test_429_with_retry_after_and_forged_forwarded_for_does_not_escape(
    limited_server: Server,
) -> None:
    statuses = []
    for n in range(6):
        response = requests.post(
            limited_server.url + "/detect",
            data={"q": "Heavy rain."},
            headers={"X-Forwarded-For": f"203.0.113.{n}", "Forwarded": f"for=198.51.100.{n}"},
            timeout=10,
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
            assert isinstance(response.json()["error"], str)
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert requests.get(limited_server.url + "/livez", timeout=10).status_code == 200


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on loopback (.ci/run installs it)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


def test_two_workers_share_one_limit_in_redis(
    redis_url: str, test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    log = tmp_path_factory.mktemp("redis-limited") / "server.log"
    env = LIGHT | {
        "TARJOMAN_RATE_LIMIT": "4/day",
        "TARJOMAN_RATE_LIMIT_STORAGE": redis_url,
        "TARJOMAN_WORKERS": "2",
    }
    process, server = start_server(test_models_dir, log, env)
    try:
        statuses = []
        for _ in range(8):
            # A new connection each time, so gunicorn hands requests to either worker.
            with requests.Session() as session:
                response = session.post(server.url + "/detect", data={"q": "Rain."}, timeout=10)
            statuses.append(response.status_code)
    finally:
        stop_server(process)
    # With memory:// each worker would allow 4 (up to 8 in all); in redis they share 4.
    assert statuses == [200] * 4 + [429] * 4
    store = redis.Redis.from_url(redis_url)
    counters = [key.decode() for key in store.keys("*tarjoman*")]
    store.close()
    assert counters  # the counts live in redis, where both workers read them
    assert all("addr:127.0.0.1" in key for key in counters)
