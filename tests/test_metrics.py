"""Metrics: /metrics exposition, requests by route and status, bounded labels, batch figures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskClient

from service.engine import Engine
from service.metrics import Metrics
from service.settings import PROJECT_ROOT


def test_metrics_are_exposed_in_prometheus_text(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    for name in (
        "tarjoman_requests_total",
        "tarjoman_request_seconds",
        "tarjoman_queue_depth",
        "tarjoman_batch_size",
        "tarjoman_batch_tokens",
        "tarjoman_queue_wait_seconds",
        "tarjoman_batch_compute_seconds",
        "tarjoman_model_load_seconds",
        "tarjoman_cache_bytes",
        "tarjoman_cache_evictions",
        "tarjoman_segments_dropped",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name


def test_requests_are_counted_by_route_and_status(client: FlaskClient, fake_engine: Engine) -> None:
    client.post("/v1/translate", json={"text": "hello there", "target": "fa"})
    client.post("/v1/translate", data="{oops", content_type="application/json")
    client.get("/no/such/path/with-a-secret")
    sample = fake_engine.metrics.registry.get_sample_value
    assert sample("tarjoman_requests_total", {"route": "/v1/translate", "status": "200"}) == 1
    assert sample("tarjoman_requests_total", {"route": "/v1/translate", "status": "400"}) == 1
    assert sample("tarjoman_requests_total", {"route": "unmatched", "status": "404"}) == 1
    assert sample("tarjoman_request_seconds_count", {"route": "/v1/translate"}) == 2


def test_no_text_key_or_path_ever_becomes_a_label(client: FlaskClient) -> None:
    client.post(
        "/v1/translate",
        json={"text": "a very particular sentence", "target": "fa"},
        headers={"Authorization": "Bearer key-that-must-not-leak"},
    )
    client.get("/no/such/path/with-a-secret")
    text = client.get("/metrics").get_data(as_text=True)
    for secret in ("particular", "key-that-must-not-leak", "with-a-secret", "127.0.0.1"):
        assert secret not in text


def test_batches_are_recorded_per_model(client: FlaskClient, fake_engine: Engine) -> None:
    texts = ["one two three.", "four."]
    client.post("/v1/translate", json={"text": texts, "source": "en", "target": "fa"})
    sample = fake_engine.metrics.registry.get_sample_value
    model = {"model": "tiny-marian-en-fa"}
    assert sample("tarjoman_batch_size_count", model) == 1
    assert sample("tarjoman_batch_size_sum", model) == 2
    # Padded: the longest (4 tokens with the fake's end token) times two.
    assert sample("tarjoman_batch_tokens_sum", model) == 8
    assert sample("tarjoman_queue_wait_seconds_count", model) == 2
    assert sample("tarjoman_batch_compute_seconds_count", model) == 1
    assert sample("tarjoman_queue_depth", model) == 0
    assert sample("tarjoman_cache_bytes") == 1000


def test_multiprocess_mode_sums_the_files_of_every_process(tmp_path: Path) -> None:
    # The value class is chosen when prometheus_client is imported: a fresh interpreter.
    code = """
from service.metrics import Metrics
first, second = Metrics(), Metrics()
first.requests.labels("/v1/translate", "200").inc(2)
second.requests.labels("/v1/translate", "200").inc(3)
first.cache_bytes.set(10)
print(first.render()[0].decode())
"""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 'tarjoman_requests_total{route="/v1/translate",status="200"} 5.0' in out
    assert "tarjoman_cache_bytes 10.0" in out
    assert list(tmp_path.glob("*.db"))


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.evictions.labels("m").inc()
    assert (
        second.registry.get_sample_value("tarjoman_cache_evictions_total", {"model": "m"}) is None
    )


def test_the_hang_up_probe_tells_a_closed_client_from_a_quiet_one() -> None:
    from service.api.metrics import _peer_closed

    server, client = socket.socketpair()
    with server:
        assert not _peer_closed(server)  # connected, nothing sent: still there
        client.sendall(b"GET / HTTP/1.1\r\n")
        assert not _peer_closed(server)  # data waiting (a pipelined request) is not a hang-up
        server.recv(100)
        client.close()
        assert _peer_closed(server)
