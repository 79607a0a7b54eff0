"""Under real gunicorn: concurrent clients share batches, a flood gets 503s, /metrics adds up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.integration

CLIENTS = 32
ROUNDS = 4


@pytest.fixture(scope="module")
def batching_server(
    test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """gunicorn over the tiny profile, with threads for 32 clients and a small queue (room for
    every client's sentence and its split retry: tiny random models always hit the limit)."""
    log = tmp_path_factory.mktemp("gunicorn-batching") / "server.log"
    process, server = start_server(
        test_models_dir,
        log,
        {
            "TARJOMAN_THREADS": "80",
            "TARJOMAN_MAX_BATCH_SIZE": "32",
            "TARJOMAN_NUM_BEAMS": "1",
            "TARJOMAN_MAX_QUEUE": "128",
            "TARJOMAN_MAX_WAIT_MS": "10",
        },
    )
    yield server
    stop_server(process)


def metric(text: str, name: str, labels: str = "") -> float:
    """One sample of the exposition text (0 when absent)."""
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    found = re.search("^" + pattern + "$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_32_concurrent_clients_share_batches(batching_server: Server) -> None:
    url = batching_server.url
    before = requests.get(url + "/metrics", timeout=10).text

    def client(n: int) -> list[str]:
        outputs = []
        with requests.Session() as session:
            for r in range(ROUNDS):
                response = session.post(
                    url + "/v1/translate",
                    json={"text": f"Client {n} sends message {r}.", "source": "en", "target": "fa"},
                    timeout=60,
                )
                assert response.status_code == 200, response.text
                outputs.append(response.json()["results"][0]["text"])
        return outputs

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    assert all(len(outputs) == ROUNDS for outputs in results)
    after = requests.get(url + "/metrics", timeout=10).text
    model = 'model="tiny-marian-en-fa"'
    segments = metric(after, "tarjoman_batch_size_sum", model) - metric(
        before, "tarjoman_batch_size_sum", model
    )
    batches = metric(after, "tarjoman_batch_size_count", model) - metric(
        before, "tarjoman_batch_size_count", model
    )
    # At least one segment per request; more where a cut output was split and retried (the
    # random tiny model always runs to the new-token limit, so pipelines.fit retries it).
    assert segments >= CLIENTS * ROUNDS
    assert segments / batches > 8, f"mean batch size {segments / batches:.1f}"
    ok = metric(after, "tarjoman_requests_total", 'route="/v1/translate",status="200"')
    assert ok >= CLIENTS * ROUNDS


def test_a_flood_gets_immediate_503s_never_a_500_and_service_resumes(
    batching_server: Server,
) -> None:
    url = batching_server.url
    texts = [f"Flood sentence {n} of a long list." for n in range(20)]

    def post(_: int) -> requests.Response:
        return requests.post(
            url + "/v1/translate", json={"text": texts, "source": "en", "target": "fa"}, timeout=60
        )

    with ThreadPoolExecutor(48) as pool:
        responses = list(pool.map(post, range(48)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 503}, statuses
    refused = [r for r in responses if r.status_code == 503]
    assert refused, "48 requests of 20 texts against a queue of 128 were all accepted"
    for response in refused:
        assert response.json()["error"]["code"] == "overloaded"
        assert int(response.headers["Retry-After"]) >= 1
    after = requests.post(
        url + "/v1/translate",
        json={"text": "Quiet again.", "source": "en", "target": "fa"},
        timeout=60,
    )
    assert after.status_code == 200
    metrics = requests.get(url + "/metrics", timeout=10).text
    assert metric(metrics, "tarjoman_requests_total", 'route="/v1/translate",status="503"') == len(
        refused
    )
    assert metric(metrics, "tarjoman_requests_total", 'route="/v1/translate",status="500"') == 0
