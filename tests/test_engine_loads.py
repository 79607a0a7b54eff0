"""Requests and model loads: waited for until the deadline; files that fail are not re-read.

The backend is a fake whose load blocks on an event or fails: no real part can hang a load on
demand (tests/reliability/test_faults_worker.py holds a real load on real gunicorn, and
test_faults_models.py damages real files).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.models.registry import ModelSpec, load_profile
from service.settings import Settings
from tests.fakes import FakeBackend
from tests.polling import wait_until

EN = "The council met on Sunday. It spoke of rain. The talks went well."


@pytest.fixture
def held(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> Iterator[tuple[FlaskClient, FakeBackend, Engine]]:
    """A client of the app over fake models whose loads wait for `load_gate`; 0.3 s deadline."""
    settings = make_settings(request_timeout_s=0.3)
    backend = FakeBackend()
    backend.load_gate = threading.Event()
    engine = Engine(settings, load_profile(settings.models_file, "tiny"), backend)
    try:
        yield create_app(settings, engine=engine).test_client(), backend, engine
    finally:
        backend.load_gate.set()
        engine.close()


def test_requests_waiting_for_a_hung_load_get_503_at_their_deadline(
    held: tuple[FlaskClient, FakeBackend, Engine],
) -> None:
    client, backend, engine = held
    translation = {"text": EN, "source": "en", "target": "fa"}
    summary = {"text": EN, "source": "en", "mode": "abstractive"}
    with ThreadPoolExecutor(4) as pool:
        waiting = [pool.submit(client.post, "/v1/translate", json=translation) for _ in range(3)]
        waiting.append(pool.submit(client.post, "/v1/summarize", json=summary))
        # Before the fix these waited for the load, however long it took.
        replies = [future.result(timeout=10) for future in waiting]
    for reply, model in zip(replies, ["tiny-marian-en-fa"] * 3 + ["tiny-bart"], strict=True):
        assert reply.status_code == 503, reply.get_json()
        error = reply.get_json()["error"]
        assert error["code"] == "model_not_ready"
        assert error["message"].startswith(f"{model} is not ready: loading")
        assert int(reply.headers["Retry-After"]) >= 1
    assert backend.loads == []

    backend.load_gate.set()  # the loads went on in the background: later requests use them
    both = ["tiny-bart", "tiny-marian-en-fa"]
    wait_until(lambda: sorted(engine.cache.loaded()) == both, "both loads to end")
    assert client.post("/v1/translate", json=translation).status_code == 200
    assert client.post("/v1/summarize", json=summary).status_code == 200
    assert sorted(backend.loads) == both  # once each


def test_a_flood_of_requests_for_a_model_whose_files_fail_reads_them_once(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough that the whole flood falls within it, however slow the machine.
    monkeypatch.setattr("service.models.cache.FAILED_LOAD_MEMORY_S", 3600.0, raising=False)
    attempts: list[str] = []

    def damaged(spec: ModelSpec, folder: Path) -> object:
        attempts.append(spec.name)
        raise ValueError("not a safetensors file")

    backend = FakeBackend()
    backend.load = damaged  # type: ignore[method-assign,assignment]
    settings = make_settings()
    engine = Engine(settings, load_profile(settings.models_file, "tiny"), backend)
    client = create_app(settings, engine=engine).test_client()
    translation = {"text": EN, "source": "en", "target": "fa"}
    try:
        with ThreadPoolExecutor(4) as pool:
            replies = list(
                pool.map(lambda _: client.post("/v1/translate", json=translation), range(20))
            )
    finally:
        engine.close()
    for reply in replies:
        assert reply.status_code == 503
        error = reply.get_json()["error"]
        assert error["code"] == "model_not_ready"
        assert error["message"].startswith("tiny-marian-en-fa failed to load from ")
        assert reply.headers["Retry-After"] == "60"
    assert attempts == ["tiny-marian-en-fa"]
