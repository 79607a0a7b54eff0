"""Faults of a worker on real gunicorn: SIGKILL mid-request, SIGTERM under load, hangs.

The server runs the real app and tiny models through tests.reliability.faultapp, a test-only
factory that lets a test hold a model's load or generate on cue (a real model cannot hang on
demand); nothing else differs from production.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.polling import wait_for
from tests.reliability.gunicorns import FAULT_APP, Running, gunicorn, status_of

pytestmark = pytest.mark.integration

EN_FA = "tiny-marian-en-fa"


def translate(url: str, text: str, timeout: float = 30) -> requests.Response:
    """POST one English text for Persian."""
    body = {"text": text, "source": "en", "target": "fa"}
    return requests.post(url + "/v1/translate", json=body, timeout=timeout)


def metric(url: str, name: str, **labels: str) -> float:
    """The sum of one metric's samples with these labels, from /metrics."""
    text = requests.get(url + "/metrics", timeout=10).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


def queue_depth(url: str, model: str) -> int:
    """The model's queue depth as /v1/models reports it."""
    models = requests.get(url + "/v1/models", timeout=10).json()["models"]
    return int(next(m["queue_depth"] for m in models if m["name"] == model))


@pytest.fixture
def holds(tmp_path: Path) -> Path:
    """The folder whose hold-* files faultapp obeys."""
    folder = tmp_path / "holds"
    folder.mkdir()
    return folder


@contextmanager
def held_server(models: Path, holds: Path, env: dict[str, str]) -> Iterator[Running]:
    """A faultapp gunicorn with `env`, its holds in `holds`; released whatever happens."""
    log = holds.parent / "server.log"
    try:
        with gunicorn(models, log, {"TARJOMAN_TEST_FAULTS_DIR": str(holds), **env}, FAULT_APP) as r:
            yield r
    finally:
        for flag in holds.glob("hold-*"):
            flag.unlink()


def test_sigkill_mid_request_errors_at_once_respawns_and_is_ready_only_when_warm(
    test_models_dir: Path, holds: Path
) -> None:
    with held_server(test_models_dir, holds, {"TARJOMAN_PRELOAD": "all"}) as running:
        url = running.url
        loaded = metric(url, "tarjoman_cache_bytes")
        assert loaded > 0
        requests_before = metric(url, "tarjoman_requests_total")
        [worker] = running.workers()

        (holds / "in-generate").unlink()  # left by the preload's warm-up
        (holds / "hold-generate").touch()
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(translate, url, "The council met on Sunday.", 60)
            wait_for("the request to be inside the model", (holds / "in-generate").exists)
            (holds / "hold-load").touch()  # the next worker's models wait: /readyz must say so
            os.kill(worker, signal.SIGKILL)
            # The client learns at once (its connection drops), not after its 60 s timeout.
            with pytest.raises(requests.ConnectionError):
                pending.result()
        (holds / "hold-generate").unlink()

        respawned = wait_for("a new worker", lambda: [p for p in running.workers() if p != worker])
        assert len(respawned) == 1
        assert wait_for("/readyz to answer", lambda: status_of(url + "/readyz")) == 503
        # The dead worker's live gauges went with it; the new one has loaded nothing yet.
        assert metric(url, "tarjoman_cache_bytes") == 0
        # Its counters stay: a counter never goes down.
        assert metric(url, "tarjoman_requests_total") >= requests_before

        (holds / "hold-load").unlink()
        wait_for("/readyz 200", lambda: status_of(url + "/readyz") == 200)
        assert translate(url, "The council met again.").status_code == 200
        assert metric(url, "tarjoman_cache_bytes") == loaded  # one worker's models, not two
        assert "Traceback" not in running.server.log_text()


def test_sigterm_of_the_master_lets_every_in_flight_request_finish(
    test_models_dir: Path, holds: Path
) -> None:
    # One segment per batch, so a held model holds one and the queue shows all the others.
    env = {"TARJOMAN_PRELOAD": EN_FA, "TARJOMAN_MAX_BATCH_SIZE": "1", "TARJOMAN_MAX_WAIT_MS": "0"}
    count = 6
    with held_server(test_models_dir, holds, env) as running:
        url = running.url
        (holds / "hold-generate").touch()
        with ThreadPoolExecutor(count) as pool:
            texts = [f"Item {i}." for i in range(count)]  # one segment each
            pending = [pool.submit(translate, url, text, 60) for text in texts]
            wait_for("every request in the engine", lambda: queue_depth(url, EN_FA) == count - 1)
            running.process.send_signal(signal.SIGTERM)
            # The master stops listening; its worker finishes what it holds, then exits.
            wait_for("the listener to close", lambda: status_of(url + "/livez", 2) is None)
            (holds / "hold-generate").unlink()
            statuses = [future.result().status_code for future in pending]
        assert statuses == [200] * count
        assert running.process.wait(timeout=60) == 0


def test_a_hung_load_gives_503_and_a_hung_model_504_at_the_deadline_keeping_their_threads(
    test_models_dir: Path, holds: Path
) -> None:
    threads = 4
    env = {
        "TARJOMAN_PRELOAD": "",
        "TARJOMAN_REQUEST_TIMEOUT_S": "2",
        "TARJOMAN_THREADS": str(threads),
        "TARJOMAN_MAX_BATCH_SIZE": "2",
    }
    with held_server(test_models_dir, holds, env) as running:
        url = running.url
        # A load that hangs (a stuck network filesystem): each request waits for it until its
        # deadline, then 503 naming the model; more requests than threads, none kept.
        (holds / "hold-load").touch()
        with ThreadPoolExecutor(threads + 2) as pool:
            texts = [f"Item {i} of the hung load." for i in range(threads + 2)]
            replies = list(pool.map(lambda text: translate(url, text), texts))
        assert [r.status_code for r in replies] == [503] * (threads + 2)
        assert {r.json()["error"]["code"] for r in replies} == {"model_not_ready"}
        assert all(EN_FA in r.json()["error"]["message"] for r in replies)
        assert all(r.headers["Retry-After"] for r in replies)
        assert requests.get(url + "/livez", timeout=10).status_code == 200
        (holds / "hold-load").unlink()
        # The load went on meanwhile: once it ends, requests are served (the first load may
        # take longer than 2 s, so this polls); then the model is warm.
        wait_for("a first translation", lambda: translate(url, "Warm up.").status_code == 200)
        # One load, however many requests waited for it and gave up.
        assert metric(url, "tarjoman_model_load_seconds_count", model=EN_FA) == 1
        (holds / "hold-generate").touch()
        # More requests than threads: if a hung request kept its thread, the last would hang.
        with ThreadPoolExecutor(threads + 2) as pool:
            texts = [f"Item {i} of the hung batch." for i in range(threads + 2)]
            replies = list(pool.map(lambda text: translate(url, text), texts))
        assert [r.status_code for r in replies] == [504] * (threads + 2)
        assert {r.json()["error"]["code"] for r in replies} == {"deadline_exceeded"}
        assert requests.get(url + "/livez", timeout=10).status_code == 200
        # Requests that gave up took their queued segments with them.
        wait_for("an empty queue", lambda: queue_depth(url, EN_FA) == 0)
        assert metric(url, "tarjoman_segments_dropped_total", reason="cancelled") > 0

        (holds / "hold-generate").unlink()
        # The model's worker thread outlived the hang: the next request is served.
        assert translate(url, "After the hang.").status_code == 200
        assert queue_depth(url, EN_FA) == 0
