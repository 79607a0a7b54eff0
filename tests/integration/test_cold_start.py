"""Requests that arrive while the preload thread loads models: 200 or 503, never 500."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from tests.integration.conftest import start_server, stop_server

# Every model of the tiny profile, asked for at once: each request may start a load of its
# own model while the preload thread imports transformers and loads another.
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/v1/translate", {"text": "هوای تهران امروز سرد بود.", "source": "fa", "target": "en"}),
    ("/v1/translate", {"text": "The road was closed.", "source": "en", "target": "fa"}),
    ("/v1/summarize", {"text": "The road was closed. It rained.", "mode": "abstractive"}),
    ("/v1/summarize", {"text": "هوا سرد بود. باران آمد.", "mode": "abstractive"}),
    ("/translate", {"q": "سلام دنیا", "source": "fa", "target": "en"}),
]


def fire(url: str) -> list[tuple[str, int, str | None, str]]:
    """One request of each kind, all at once."""

    def send(path: str, body: dict[str, Any]) -> tuple[str, int, str | None, str]:
        response = requests.post(url + path, json=body, timeout=120)
        return path, response.status_code, response.headers.get("Retry-After"), response.text

    with ThreadPoolExecutor(len(REQUESTS) * 2) as pool:
        futures = [pool.submit(send, p, b) for p, b in REQUESTS * 2]
        return [future.result() for future in futures]


def test_requests_during_preload_get_200_or_503_with_retry_after(
    test_models_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    # Answering /livez: the worker is up and its preload thread has just started.
    process, server = start_server(test_models_dir, log, wait_for="/livez")
    try:
        replies = []
        rounds_before_ready = 0
        deadline = time.monotonic() + 120  # a bound on start-up, not a timing check
        while True:
            ready = requests.get(server.url + "/readyz", timeout=30).status_code == 200
            replies += fire(server.url)
            if ready:
                break
            rounds_before_ready += 1
            assert time.monotonic() < deadline, "the server never became ready"
        assert rounds_before_ready >= 1, "no request arrived during the preload: nothing tested"
        statuses = {status for _, status, _, _ in replies}
        assert statuses <= {200, 503}, [r for r in replies if r[1] not in (200, 503)]
        for path, status, retry_after, text in replies:
            if status == 503:
                assert retry_after is not None, (path, text)
        assert all(status == 200 for _, status, _, _ in replies[-len(REQUESTS) * 2 :])
        assert "Traceback" not in server.log_text()
    finally:
        stop_server(process)
