"""Redis mode against real parts: redis-server on loopback, `tarjoman worker` (RQ) processes.

The API side runs in this process (the Flask app with TARJOMAN_JOBS_URL; it only stores and
enqueues); the workers are real processes with the tiny models, and one is SIGKILLed mid-job.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.jobs.rqueue import QUEUE
from service.settings import Settings
from tests import polling
from tests.jobs.conftest import wait_for
from tests.jobs.documents import sentences
from tests.jobs.servers import kill, start, tiny_env
from tests.redisserver import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = RedisServer(tmp_path).start()
    yield server.url
    server.stop()


def _client(url: str, models: Path, jobs: Path) -> FlaskClient:
    settings = Settings(  # type: ignore[call-arg]
        profile="tiny",
        models_dir=models,
        preload=[],
        jobs_url=url,
        jobs_dir=jobs,
        job_lease_s=2,
        log_level="WARNING",
    )
    return create_app(settings).test_client()


def _worker(url: str, models: Path, jobs: Path, log: Path) -> Any:
    env = tiny_env(models, jobs, TARJOMAN_JOBS_URL=url, TARJOMAN_LOG_LEVEL="INFO")
    return start([sys.executable, "-m", "service", "worker"], env, log)


def _progress(
    client: FlaskClient, job_id: str, at_least: int, timeout: float = 120
) -> dict[str, Any]:
    def progressed() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").get_json()
        over = body["progress"]["done"] >= at_least or body["state"] in ("done", "failed")
        return body if over else None

    return polling.wait_for(f"job {job_id} to do {at_least}", progressed, timeout, interval=0.1)


def test_workers_run_jobs_and_a_killed_workers_job_is_retried(
    redis_url: str, test_models_dir: Path, tmp_path: Path
) -> None:
    jobs = tmp_path / "jobs"
    client = _client(redis_url, test_models_dir, jobs)
    texts = sentences(240)
    job_id = client.post(
        "/v1/jobs", json={"text": texts, "source": "en", "target": "fa"}
    ).get_json()["id"]
    import redis

    assert redis.Redis.from_url(redis_url).llen(f"rq:queue:{QUEUE}") == 1  # queued in RQ
    first = _worker(redis_url, test_models_dir, jobs, tmp_path / "worker1.log")
    try:
        body = _progress(client, job_id, 8)
    finally:
        kill(first)  # SIGKILL mid-job: RQ's registry still says it is started
    assert body["state"] == "running"
    assert body["progress"]["done"] < len(texts), "the job ended before the kill: make it longer"
    second = _worker(redis_url, test_models_dir, jobs, tmp_path / "worker2.log")
    try:
        done = wait_for(client, job_id, timeout=300)  # a worker starting on a busy machine
    finally:
        kill(second)
    assert done["state"] == "done", done
    assert done["attempts"] == 2
    assert done["progress"] == {"done": len(texts), "total": len(texts), "failed": 0}
    results = client.get(done["result_url"]).get_json()["results"]
    assert len(results) == len(texts)
    assert all(r["text"].strip() and r["error"] is None for r in results)
    checkpoint = jobs / "files" / job_id / "progress.jsonl"
    assert len(checkpoint.read_text(encoding="utf-8").splitlines()) == len(texts)  # each once
    # RQ itself found the dead worker's job abandoned and retried it (rq/registry.py cleanup).
    assert "enqueued for retry" in (tmp_path / "worker2.log").read_text()
