"""DynamicBatcher: own outputs per caller, equal keys per batch, caps, failures, backpressure."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.batcher import BatchLimits, DynamicBatcher, client_gone
from service.errors import ClientGone, DeadlineExceeded, ModelFailed, Overloaded, Unavailable
from tests.polling import wait_until

Item = tuple[str, int]  # (text, tokens)


class Recorder:
    """A run function that records its batches and can be held at a gate."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[Item]]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()
        self.fail: Exception | None = None
        self.short_by = 0
        self.holding = 0
        self._lock = threading.Lock()

    def __call__(self, key: str, items: list[Item]) -> list[str]:
        self.holding = len(items)
        self.started.set()
        self.gate.wait(timeout=30)
        with self._lock:
            self.batches.append((key, list(items)))
        if self.fail is not None:
            raise self.fail
        outputs = [f"{key}:{text}" for text, _ in items]
        return outputs[: len(outputs) - self.short_by]

    def computed(self) -> list[str]:
        return [text for _, items in self.batches for text, _ in items]

    def hold(self) -> None:
        self.gate.clear()
        self.started.clear()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make(recorder: Recorder, **limits: float) -> Iterator[DynamicBatcher[str, Item, str]]:
    batcher = DynamicBatcher[str, Item, str]("m", recorder, BatchLimits(**limits))
    yield batcher
    recorder.gate.set()
    batcher.close()


@pytest.fixture
def batcher(recorder: Recorder) -> Iterator[DynamicBatcher[str, Item, str]]:
    yield from make(recorder, max_batch_size=8, max_batch_tokens=10_000, max_queue=10_000)


def run(
    batcher: DynamicBatcher[str, Item, str], key: str, texts: list[str], timeout: float = 30
) -> list[str]:
    items = [(text, len(text)) for text in texts]
    deadline = time.monotonic() + timeout
    futures = batcher.submit(items, key, [t for _, t in items], deadline)
    return batcher.wait(futures, deadline)


def submit_held(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder, key: str = "k"
) -> None:
    """Hold the worker inside a batch of one item, so what follows queues up."""
    recorder.hold()
    batcher.submit([("first", 1)], key, [1], time.monotonic() + 30)
    assert recorder.started.wait(10)


def test_each_caller_gets_its_own_outputs_in_order(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    def caller(n: int) -> tuple[list[str], list[str]]:
        key = "ab"[n % 2]
        texts = [f"r{n}-t{i}" for i in range(1 + n % 7)]
        return [f"{key}:{t}" for t in texts], run(batcher, key, texts)

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(caller, range(200)))
    for expected, got in results:
        assert got == expected
    for key, items in recorder.batches:
        assert len(items) <= 8
        assert all(text.startswith("r") for text, _ in items)
        assert key in ("a", "b")
    assert len(recorder.computed()) == sum(len(e) for e, _ in results)


def test_queued_segments_of_many_callers_share_one_batch(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    submit_held(batcher, recorder)
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(run, batcher, "k", [f"c{n}"]) for n in range(6)]
        wait_until(lambda: batcher.depth >= 6, "6 callers queued")
        recorder.gate.set()
        assert [f.result(30) for f in futures] == [[f"k:c{n}"] for n in range(6)]
    assert [len(items) for _, items in recorder.batches] == [1, 6]


def test_items_with_different_keys_never_share_a_batch(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    submit_held(batcher, recorder, key="x")
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(run, batcher, "xy"[n % 2], [f"c{n}"]) for n in range(8)]
        wait_until(lambda: batcher.depth >= 8, "8 callers queued")
        recorder.gate.set()
        for n, future in enumerate(futures):
            assert future.result(30) == [f"{'xy'[n % 2]}:c{n}"]
    for key, items in recorder.batches[1:]:
        assert {int(text[1:]) % 2 for text, _ in items} == {0 if key == "x" else 1}


def test_batches_are_length_sorted_capped_by_size_and_keep_the_oldest(recorder: Recorder) -> None:
    for batcher in make(recorder, max_batch_size=4, max_batch_tokens=10_000, max_queue=100):
        submit_held(batcher, recorder)
        tokens = [5, 1, 9, 2, 8, 3, 7, 4]
        deadline = time.monotonic() + 30
        futures = [batcher.submit([(f"t{t}", t)], "k", [t], deadline)[0] for t in tokens]
        recorder.gate.set()
        assert [f.result(10) for f in futures] == [f"k:t{t}" for t in tokens]
    sizes = [[t for _, t in items] for _, items in recorder.batches[1:]]
    assert sizes == [[2, 3, 4, 5], [1, 7, 8, 9]]  # the oldest (5, then 1) is always taken


def test_batches_are_capped_by_padded_tokens(recorder: Recorder) -> None:
    for batcher in make(recorder, max_batch_size=32, max_batch_tokens=35, max_queue=100):
        submit_held(batcher, recorder)
        deadline = time.monotonic() + 30
        futures = batcher.submit([(f"t{n}", 10) for n in range(7)], "k", [10] * 7, deadline)
        recorder.gate.set()
        batcher.wait(futures, deadline)
    assert [len(items) for _, items in recorder.batches[1:]] == [3, 3, 1]


def test_a_failing_batch_fails_every_caller_and_the_worker_lives_on(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    recorder.fail = RuntimeError("boom")
    with pytest.raises(ModelFailed, match="failed on a batch") as caught:
        run(batcher, "k", ["a", "b", "c"])
    assert "boom" not in str(caught.value)
    recorder.fail = None
    assert run(batcher, "k", ["d"]) == ["k:d"]


def test_a_wrong_number_of_outputs_fails_the_batch(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    recorder.short_by = 1
    with pytest.raises(ModelFailed, match="2 outputs for 3 inputs"):
        run(batcher, "k", ["a", "b", "c"])
    recorder.short_by = 0
    assert run(batcher, "k", ["a"]) == ["k:a"]


def test_past_max_queue_a_request_is_refused_at_once(recorder: Recorder) -> None:
    for batcher in make(recorder, max_batch_size=8, max_queue=5):
        submit_held(batcher, recorder)
        deadline = time.monotonic() + 30
        queued = batcher.submit([(f"q{n}", 1) for n in range(5)], "k", [1] * 5, deadline)
        with pytest.raises(Overloaded) as caught:
            batcher.submit([("late", 1)], "k", [1], deadline)
        assert caught.value.retry_after is not None
        assert caught.value.retry_after >= 1
        assert batcher.depth == 5
        recorder.gate.set()
        assert batcher.wait(queued, deadline) == [f"k:q{n}" for n in range(5)]
        assert run(batcher, "k", ["after"]) == ["k:after"]
    assert "late" not in recorder.computed()


def test_a_request_larger_than_max_queue_is_taken_by_an_empty_queue(recorder: Recorder) -> None:
    for batcher in make(recorder, max_batch_size=4, max_queue=3):
        assert run(batcher, "k", [f"t{n}" for n in range(10)]) == [f"k:t{n}" for n in range(10)]


def test_expired_segments_are_dropped_before_compute(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    submit_held(batcher, recorder)
    soon = time.monotonic() + 0.05
    futures = batcher.submit([("expired-1", 1), ("expired-2", 1)], "k", [1, 1], soon)
    with pytest.raises(DeadlineExceeded):
        batcher.wait(futures, soon)
    # Nobody waits for these: the worker itself must drop them when it gets to them.
    orphans = batcher.submit([("orphan", 1)], "k", [1], soon)
    time.sleep(max(0.0, soon - time.monotonic()) + 0.01)  # past their deadline
    recorder.gate.set()
    with pytest.raises(DeadlineExceeded):
        orphans[0].result(10)
    assert run(batcher, "k", ["fresh"]) == ["k:fresh"]
    assert not {"expired-1", "expired-2", "orphan"} & set(recorder.computed())


def test_a_client_that_hangs_up_leaves_no_work_behind(
    batcher: DynamicBatcher[str, Item, str], recorder: Recorder
) -> None:
    submit_held(batcher, recorder)
    gone = threading.Event()

    def caller() -> None:
        client_gone.set(gone.is_set)
        run(batcher, "k", ["abandoned-1", "abandoned-2"])

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(caller)
        wait_until(lambda: batcher.depth >= 2, "2 items queued")
        gone.set()
        with pytest.raises(ClientGone):
            future.result(10)
    assert batcher.depth == 0
    recorder.gate.set()
    assert run(batcher, "k", ["next"]) == ["k:next"]
    assert not {"abandoned-1", "abandoned-2"} & set(recorder.computed())


def test_close_fails_what_is_queued_with_503(recorder: Recorder) -> None:
    batcher = DynamicBatcher[str, Item, str]("m", recorder, BatchLimits())
    submit_held(batcher, recorder)
    queued = batcher.submit([("q", 1)], "k", [1], time.monotonic() + 30)
    closer = threading.Thread(target=batcher.close)
    closer.start()
    with pytest.raises(Unavailable):
        queued[0].result(10)
    recorder.gate.set()
    closer.join(10)
    with pytest.raises(Unavailable):
        batcher.submit([("x", 1)], "k", [1], time.monotonic() + 30)


def test_callers_of_the_batch_just_served_are_awaited_for_the_next_one(recorder: Recorder) -> None:
    # Eight callers in a loop: the worker takes the first one or few alone (no top-up wait
    # here), the rest queue behind. Without waiting for the first callers to come back, batches
    # would alternate (say 1, 7, 1, 7) instead of filling up to 8.
    for batcher in make(recorder, max_batch_size=8, max_wait_s=0, max_queue=100):
        recorder.hold()

        def loop(name: str, b: DynamicBatcher[str, Item, str] = batcher) -> list[str]:
            return [run(b, "k", [f"{name}-{r}"])[0] for r in range(2)]

        def depth(b: DynamicBatcher[str, Item, str] = batcher) -> int:
            return b.depth

        with ThreadPoolExecutor(8) as pool:
            first = [pool.submit(loop, f"a{n}") for n in range(4)]
            wait_until(lambda: depth() >= 4 or recorder.started.is_set(), "the first callers")
            assert recorder.started.wait(10)
            second = [pool.submit(loop, f"b{n}") for n in range(4)]
            wait_until(lambda: depth() + recorder.holding >= 8, "8 callers queued or held")
            time.sleep(0.5)  # the held batch's compute time sets how long its callers are awaited
            recorder.gate.set()
            for future in first + second:
                future.result(10)
    sizes = [len(items) for _, items in recorder.batches]
    assert sizes[1] == 8, sizes  # those waiting plus the first batch's callers, back again
