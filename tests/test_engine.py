"""Engine: batching across requests, options kept apart, overload, deadlines, readiness."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from service.batcher import client_gone
from service.engine import Engine
from service.errors import ClientGone, DeadlineExceeded, PayloadTooLarge
from service.models.registry import Task, load_profile
from service.settings import Settings
from tests.fakes import FakeBackend
from tests.polling import wait_until

FA_EN = Task("translate", "fa", "en")
EN_FA = Task("translate", "en", "fa")


def test_200_concurrent_mixed_requests_each_get_their_own_outputs_in_order(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine(max_batch_size=32)
    backend.delay = 0.005  # so requests pile up behind a running batch
    rng = random.Random(7)
    requests = []
    for n in range(200):
        task = FA_EN if rng.random() < 0.5 else EN_FA
        requests.append(
            (task, [f"r{n} s{i} " + "x " * rng.randint(0, 30) for i in range(rng.randint(1, 20))])
        )

    def call(request: tuple[Task, list[str]]) -> list[str]:
        task, texts = request
        spec = engine.profile.require(task)
        outputs = engine.generate(spec, texts, engine.options_for(spec, task), engine.deadline())
        return [output.text for output in outputs]

    with ThreadPoolExecutor(200) as pool:
        results = list(pool.map(call, requests))
    for (task, texts), got in zip(requests, results, strict=True):
        assert got == [f"[{task.target}] {text}" for text in texts]
    assert backend.segments_computed == sum(len(texts) for _, texts in requests)
    # Batches mixed requests: some batch holds segments of more than one request.
    assert any(len({t.split()[0] for t in texts}) > 1 for _, texts in backend.batches)


def test_one_model_serving_two_directions_never_mixes_them_in_a_batch(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    spec = engine.profile.require(FA_EN)  # one model asked for both directions, as M2M100 is
    backend.gate = threading.Event()

    def call(task: Task, text: str) -> list[str]:
        outputs = engine.generate(spec, [text], engine.options_for(spec, task), engine.deadline())
        return [output.text for output in outputs]

    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(call, FA_EN, "first")
        assert backend.started.wait(10)
        futures = [pool.submit(call, (FA_EN, EN_FA)[n % 2], f"t{n}") for n in range(8)]
        wait_until(lambda: engine.models_info()[0]["queue_depth"] >= 8, "8 queued")
        backend.gate.set()
        assert first.result(10) == ["[en] first"]
        for n, future in enumerate(futures):
            assert future.result(10) == [f"[{'en' if n % 2 == 0 else 'fa'}] t{n}"]
    for (_, texts), options in zip(backend.batches, backend.batch_options, strict=True):
        parities = {int(t[1:]) % 2 for t in texts if t != "first"}
        assert parities in (set(), {0 if options.task == FA_EN else 1})
    assert len(backend.batches) == 3  # the held one, then one batch per direction


def test_overload_over_http_is_an_immediate_503_then_service_as_usual(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine(max_queue=10)
    app = create_app(engine.settings, engine=engine)
    backend.gate = threading.Event()

    def post(texts: list[str]) -> tuple[int, Any, str]:
        response = app.test_client().post(
            "/v1/translate", json={"text": texts, "source": "en", "target": "fa"}
        )
        return response.status_code, response.get_json(), response.headers.get("Retry-After", "")

    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(post, ["the held one."])
        assert backend.started.wait(10)
        queued = pool.submit(post, [f"queued {n}." for n in range(10)])
        wait_until(lambda: engine.models_info()[1]["queue_depth"] >= 10, "10 queued")
        flood = [post([f"flood {n}."]) for n in range(20)]
        backend.gate.set()
        assert held.result(10)[0] == 200
        assert queued.result(10)[0] == 200
    for status, body, retry_after in flood:
        assert status == 503
        assert body["error"]["code"] == "overloaded"
        assert int(retry_after) >= 1
    status, body, _ = post(["after the flood."])
    assert status == 200
    assert body["results"][0]["text"] == "[fa] after the flood."
    assert not any(t.startswith("flood") for _, texts in backend.batches for t in texts)


def test_a_deadline_gives_504_and_expired_segments_are_not_computed(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine(request_timeout_s=0.3)
    app = create_app(engine.settings, engine=engine)
    backend.gate = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(
            app.test_client().post,
            "/v1/translate",
            json={"text": "held.", "source": "en", "target": "fa"},
        )
        assert backend.started.wait(10)
        late = app.test_client().post(
            "/v1/translate",
            json={"text": ["late one.", "late two."], "source": "en", "target": "fa"},
        )
        assert late.status_code == 504
        assert late.get_json()["error"]["code"] == "deadline_exceeded"
        backend.gate.set()
        held.result(10)
    spec = engine.profile.require(EN_FA)
    # One worker runs batches in turn: once this one is done, the held one is too.
    engine.generate(spec, ["after."], engine.options_for(spec, EN_FA), engine.deadline())
    computed = [text for _, texts in backend.batches for text in texts]
    assert computed == ["held.", "after."]
    sample = engine.metrics.registry.get_sample_value
    dropped = {"model": "tiny-marian-en-fa", "reason": "cancelled"}
    assert sample("tarjoman_segments_dropped_total", dropped) == 2


def test_an_expired_request_is_refused_before_queueing(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    spec = engine.profile.require(EN_FA)
    with pytest.raises(DeadlineExceeded):
        engine.generate(spec, ["x"], engine.options_for(spec, EN_FA), time.monotonic() - 1)
    assert backend.segments_computed == 0


def test_a_client_that_hangs_up_leaves_no_queued_work(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    spec = engine.profile.require(EN_FA)
    options = engine.options_for(spec, EN_FA)
    backend.gate = threading.Event()
    gone = threading.Event()

    def hanging_up() -> list[str]:
        client_gone.set(gone.is_set)
        return engine.generate(spec, ["abandoned."], options, engine.deadline())

    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(engine.generate, spec, ["held."], options, engine.deadline())
        assert backend.started.wait(10)
        abandoned = pool.submit(hanging_up)
        wait_until(lambda: engine.models_info()[1]["queue_depth"] >= 1, "1 queued")
        gone.set()
        with pytest.raises(ClientGone):
            abandoned.result(10)
        backend.gate.set()
        assert [g.text for g in held.result(10)] == ["[fa] held."]
    assert [texts for _, texts in backend.batches] == [["held."]]


def test_count_tokens_goes_through_the_cache(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    spec = engine.profile.require(FA_EN)
    assert engine.count_tokens(spec, ["one two", "three"], FA_EN) == [3, 2]
    assert backend.loads == [spec.name]


def test_models_info_shows_loaded_bytes_device_last_used_and_queue_depth(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, _ = make_engine()
    spec = engine.profile.require(FA_EN)
    before = time.time()
    engine.generate(spec, ["a"], engine.options_for(spec, FA_EN), engine.deadline())
    info = {m["name"]: m for m in engine.models_info()}
    loaded = info[spec.name]
    assert loaded["loaded"] is True
    assert loaded["bytes"] == 1000
    assert loaded["device"] == "cpu"
    assert (loaded["runtime"], loaded["quantization"], loaded["threads"]) == ("torch", "none", 1)
    assert loaded["last_used"] >= before
    assert loaded["queue_depth"] == 0
    other = info["tiny-marian-en-fa"]
    assert other["loaded"] is False
    assert other["bytes"] is None
    assert (other["runtime"], other["quantization"], other["threads"]) == ("torch", "none", None)


def test_readiness_turns_true_once_preloaded_models_are_loaded_and_warmed(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine(preload=["tiny-marian-fa-en"])
    backend.gate = threading.Event()
    engine.start_preload()
    assert backend.started.wait(10)
    readiness = engine.readiness()
    assert readiness.ready is False
    assert readiness.models["tiny-marian-fa-en"].loading
    assert readiness.task(FA_EN).loading
    backend.gate.set()
    wait_until(lambda: engine.readiness().ready, "readiness", timeout=10)
    assert engine.readiness().ready is True
    assert backend.loads == ["tiny-marian-fa-en"]
    assert len(backend.batches) == 1  # warmed with one generate call


def test_min_new_tokens_reaches_the_options_within_max_new_tokens(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, _ = make_engine(min_new_tokens=40, max_new_tokens=16, num_beams=1)
    spec = engine.profile.require(FA_EN)
    options = engine.options_for(spec, FA_EN)
    assert (options.min_new_tokens, options.max_new_tokens, options.num_beams) == (16, 16, 1)
    assert replace(options, min_new_tokens=0) != options  # part of the batch key


@pytest.mark.slow
def test_with_tiny_real_models_batched_output_equals_one_at_a_time(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    settings = make_settings(num_beams=1, max_new_tokens=12, max_batch_size=16, cache=False)
    engine = Engine(settings, load_profile(settings.models_file, "tiny"))
    try:
        for task, texts in (
            (
                EN_FA,
                [
                    "The ministry announced a new plan.",
                    "Rain.",
                    "Heavy rain caused floods in the north of the country.",
                ],
            ),
            (
                FA_EN,
                [
                    "وزارت برنامه تازه‌ای اعلام کرد.",
                    "باران.",
                    "باران شدید در شمال کشور سیل به راه انداخت.",
                ],
            ),
        ):
            spec = engine.profile.require(task)
            options = engine.options_for(spec, task)
            batched = engine.generate(spec, texts, options, engine.deadline())
            alone = [engine.generate(spec, [t], options, engine.deadline())[0] for t in texts]
            assert batched == alone
            sample = engine.metrics.registry.get_sample_value
            # One batch of three, then three of one.
            assert sample("tarjoman_batch_size_count", {"model": spec.name}) == 4
            assert sample("tarjoman_batch_size_sum", {"model": spec.name}) == 6
    finally:
        engine.close()


def test_a_segment_over_the_source_limit_is_refused_before_it_can_fail_a_batch(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine()
    spec = engine.profile.require(FA_EN)
    too_long = "word " * 600  # the fake counts one token per word; Marian's limit is 512
    with pytest.raises(PayloadTooLarge, match="over tiny-marian-fa-en's limit of 512"):
        engine.generate(
            spec, ["short.", too_long], engine.options_for(spec, FA_EN), engine.deadline()
        )
    assert backend.segments_computed == 0
