"""ModelCache: one load however many ask at once, LRU eviction by bytes, busy models kept."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from service.errors import ModelNotReady
from service.metrics import Metrics
from service.models.cache import FAILED_LOAD_MEMORY_S, ModelCache
from service.models.registry import ModelSpec, Task
from tests.fakes import FakeBackend

FA_EN = Task("translate", "fa", "en")


def spec(name: str, models_dir: Path) -> ModelSpec:
    """A model called `name` over the tiny fa→en folder (the fake backend does not read it)."""
    return ModelSpec(name=name, family="marian", tasks=(FA_EN,), path="tiny/marian-fa-en")


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend(nbytes=1000)


def test_ten_concurrent_first_requests_cause_one_load(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    backend.load_delay = 0.3  # the first load is still running when the others ask
    cache = ModelCache(backend, test_models_dir)
    a = spec("a", test_models_dir)
    with ThreadPoolExecutor(10) as pool:
        models = list(pool.map(lambda _: cache.get(a), range(10)))
    assert backend.loads == ["a"]
    assert all(model is models[0] for model in models)


def test_a_missing_model_fails_every_waiter_and_is_retried_later(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    cache = ModelCache(backend, test_models_dir)
    missing = replace(spec("m", test_models_dir), path="tiny/not-there")
    with ThreadPoolExecutor(5) as pool:
        outcomes = list(pool.map(lambda _: _error_of(cache, missing), range(5)))
    assert all(isinstance(error, ModelNotReady) for error in outcomes)
    assert backend.loads == []
    assert cache.loaded() == []
    with pytest.raises(ModelNotReady, match="models build-test"):
        cache.get(missing)


def _error_of(
    cache: ModelCache, model: ModelSpec, deadline: float | None = None
) -> Exception | None:
    try:
        cache.get(model, deadline)
    except Exception as exc:
        return exc
    return None


def test_a_load_that_hangs_holds_no_caller_past_its_deadline_and_goes_on_once(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    """The load blocks on an event: a fake, as no real part can hang a load on demand."""
    backend.load_gate = threading.Event()
    cache = ModelCache(backend, test_models_dir)
    a = spec("a", test_models_dir)
    try:
        with ThreadPoolExecutor(3) as pool:  # the caller that starts the load, and two more
            deadline = time.monotonic() + 0.2
            waiting = [pool.submit(_error_of, cache, a, deadline) for _ in range(3)]
            errors = [future.result(timeout=10) for future in waiting]
        for error in errors:
            assert isinstance(error, ModelNotReady)
            assert error.message.startswith("a is not ready: loading")
            assert error.retry_after
        assert backend.loads == []  # still loading: nobody waits for it now
        assert cache.loaded() == []
    finally:
        backend.load_gate.set()
    model = cache.get(a)  # no deadline: waits for the same load to end
    assert cache.get(a, time.monotonic() + 0.2) is model
    assert backend.loads == ["a"]


def test_the_least_recently_used_model_is_evicted_when_bytes_would_be_exceeded(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    metrics = Metrics()
    evicted: list[str] = []
    cache = ModelCache(backend, test_models_dir, 2500, metrics=metrics, on_evict=evicted.append)
    a, b, c = (spec(name, test_models_dir) for name in "abc")
    cache.get(a)
    cache.get(b)
    cache.get(a)  # b is now the least recently used
    cache.get(c)
    assert evicted == ["b"]
    assert sorted(cache.loaded()) == ["a", "c"]
    assert cache.total_bytes == 2000
    sample = metrics.registry.get_sample_value
    assert sample("tarjoman_cache_evictions_total", {"model": "b"}) == 1
    assert sample("tarjoman_cache_bytes") == 2000
    cache.get(b)  # loaded again on demand; now a is the oldest
    assert backend.loads == ["a", "b", "c", "b"]
    assert evicted == ["b", "a"]


def test_room_is_made_before_the_new_model_loads(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    events: list[str] = []
    original = backend.load

    def load(model: ModelSpec, folder: Path) -> object:
        events.append(f"load {model.name}")
        return original(model, folder)

    backend.load = load  # type: ignore[method-assign,assignment]
    cache = ModelCache(
        backend, test_models_dir, 1500, on_evict=lambda name: events.append(f"evict {name}")
    )
    cache.get(spec("a", test_models_dir))
    cache.get(spec("b", test_models_dir))
    assert events == ["load a", "evict a", "load b"]


def test_a_model_in_use_is_never_evicted(backend: FakeBackend, test_models_dir: Path) -> None:
    cache = ModelCache(backend, test_models_dir, 1500)
    a, b = spec("a", test_models_dir), spec("b", test_models_dir)
    with cache.use(a):
        cache.get(b)  # over budget for a while: a is held
        assert sorted(cache.loaded()) == ["a", "b"]
    # Once a is let go, the idle least recently used model (b) goes.
    assert cache.loaded() == ["a"]


def test_a_model_with_work_queued_or_in_flight_is_never_evicted(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    busy = {"a"}
    cache = ModelCache(backend, test_models_dir, 1500, busy=lambda name: name in busy)
    a, b = spec("a", test_models_dir), spec("b", test_models_dir)
    cache.get(a)
    cache.get(b)  # a is the least recently used, but busy
    assert sorted(cache.loaded()) == ["a", "b"]
    busy.clear()
    cache.get(b)  # the next release brings the cache back within budget
    assert cache.loaded() == ["b"]


def test_a_model_larger_than_the_budget_still_loads(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    backend.nbytes_by_name["big"] = 5000
    cache = ModelCache(backend, test_models_dir, 1500)
    cache.get(spec("a", test_models_dir))
    cache.get(spec("big", test_models_dir))
    assert cache.loaded() == ["big"]


def test_load_seconds_are_recorded(backend: FakeBackend, test_models_dir: Path) -> None:
    metrics = Metrics()
    cache = ModelCache(backend, test_models_dir, metrics=metrics)
    cache.get(spec("a", test_models_dir))
    count = metrics.registry.get_sample_value("tarjoman_model_load_seconds_count", {"model": "a"})
    assert count == 1


def test_a_model_whose_files_fail_to_load_is_not_read_again_for_a_few_seconds(
    backend: FakeBackend, test_models_dir: Path
) -> None:
    attempts: list[str] = []
    original = backend.load

    def damaged(model: ModelSpec, folder: Path) -> object:
        attempts.append(model.name)
        raise ValueError("not a safetensors file")

    backend.load = damaged  # type: ignore[method-assign,assignment]
    now = [100.0]
    cache = ModelCache(backend, test_models_dir, clock=lambda: now[0])
    a = spec("a", test_models_dir)
    for _ in range(20):  # a flood: one read of the files, every request the same 503
        with pytest.raises(ModelNotReady, match=r"^a failed to load from .*damaged") as raised:
            cache.get(a)
        assert raised.value.retry_after == 60
    assert attempts == ["a"]

    backend.load = original  # type: ignore[method-assign]
    now[0] += FAILED_LOAD_MEMORY_S - 0.1
    with pytest.raises(ModelNotReady, match="damaged"):
        cache.get(a)  # repaired, but not read again yet
    now[0] += 0.1
    cache.get(a)  # picked up once the failure is older than FAILED_LOAD_MEMORY_S
    assert backend.loads == ["a"]
