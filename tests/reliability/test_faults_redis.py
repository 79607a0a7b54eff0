"""Redis gone under the rate limits: fail open to per-worker limits, back to redis when it returns.

The choice (README, docs/reliability.md): an outage of the shared counter store must not take
the API down, so each worker counts in memory meanwhile; limits still hold, per worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests

from tests.integration.conftest import free_port
from tests.polling import wait_for
from tests.redisserver import RedisServer
from tests.reliability.gunicorns import gunicorn

pytestmark = pytest.mark.integration


@contextmanager
def redis_server(port: int, workdir: Path) -> Iterator[RedisServer]:
    """redis-server on 127.0.0.1:`port`, answering; killed on the way out."""
    server = RedisServer(workdir, port).start()
    try:
        yield server
    finally:
        server.stop()


def counted_in_redis(port: int) -> int:
    """How many of Tarjoman's rate-limit keys redis holds."""
    with redis.Redis(host="127.0.0.1", port=port, socket_timeout=2) as client:
        return len(client.keys("*tarjoman*"))


def detect(url: str) -> int:
    """One cheap limited request; its status."""
    return requests.post(url + "/v1/detect", json={"text": "Rain."}, timeout=10).status_code


def test_redis_gone_fails_open_to_per_worker_limits_and_comes_back(
    test_models_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "TARJOMAN_PRELOAD": "",
        "TARJOMAN_RATE_LIMIT": "3/hour",
        "TARJOMAN_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{port}/0",
    }
    with (
        redis_server(port, tmp_path) as store,
        gunicorn(test_models_dir, tmp_path / "server.log", env) as running,
    ):
        url = running.url
        assert [detect(url) for _ in range(2)] == [200, 200]
        assert counted_in_redis(port) > 0

        store.stop()  # SIGKILL
        # Fail open, not unlimited: the worker counts afresh in memory, 3 an hour.
        assert [detect(url) for _ in range(4)] == [200, 200, 200, 429]
        assert requests.get(url + "/livez", timeout=10).status_code == 200
        assert "falling back to in-memory storage" in running.server.log_text()

        # Redis returns (empty): the worker goes back to it after its next backoff check.
        with redis_server(port, tmp_path):
            wait_for("the counts back in redis", lambda: detect(url) and counted_in_redis(port))
            assert detect(url) == 200  # a fresh shared count, not the in-memory one
