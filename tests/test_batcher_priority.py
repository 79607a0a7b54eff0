"""Background work (jobs) waits while live requests are queued, in small batches."""

from __future__ import annotations

import time
from concurrent.futures import Future

import pytest

from service.batcher import (
    BACKGROUND,
    BACKGROUND_TURN_EVERY,
    BatchLimits,
    DynamicBatcher,
    priority,
)
from service.errors import Overloaded
from tests.test_batcher import Item, Recorder


def _submit(
    batcher: DynamicBatcher[str, Item, str], texts: list[str], level: int
) -> list[Future[str]]:
    token = priority.set(level)
    try:
        items = [(text, 1) for text in texts]
        return batcher.submit(items, "k", [1] * len(items), time.monotonic() + 30)
    finally:
        priority.reset(token)


def test_live_work_queued_behind_a_job_goes_first() -> None:
    recorder = Recorder()
    batcher = DynamicBatcher[str, Item, str](
        "m", recorder, BatchLimits(max_batch_size=8, max_wait_s=0)
    )
    try:
        recorder.hold()
        _submit(batcher, ["job-0"], BACKGROUND)  # running, held at the gate
        assert recorder.started.wait(5)
        background = _submit(batcher, [f"job-{n}" for n in range(1, 21)], BACKGROUND)
        live = _submit(batcher, ["live-a", "live-b"], 0)
        recorder.gate.set()
        batcher.wait(live + background, time.monotonic() + 30)
    finally:
        recorder.gate.set()
        batcher.close()
    sizes = [(texts[0][0].split("-")[0], len(texts)) for _, texts in recorder.batches]
    assert sizes[1] == ("live", 2)  # right after the batch that was running
    assert all(size <= 2 for kind, size in sizes if kind == "job")  # a quarter of 8


def test_background_work_does_not_make_live_requests_overloaded() -> None:
    recorder = Recorder()
    batcher = DynamicBatcher[str, Item, str]("m", recorder, BatchLimits(max_queue=10, max_wait_s=0))
    try:
        recorder.hold()
        _submit(batcher, ["job-0"], BACKGROUND)
        assert recorder.started.wait(5)
        _submit(batcher, [f"job-{n}" for n in range(1, 10)], BACKGROUND)
        with pytest.raises(Overloaded):
            _submit(batcher, ["more", "jobs"], BACKGROUND)
        assert len(_submit(batcher, ["live"], 0)) == 1  # live work does not count the jobs'
    finally:
        recorder.gate.set()
        batcher.close()


def test_a_steady_stream_of_live_work_does_not_stall_a_job() -> None:
    recorder = Recorder()
    batcher = DynamicBatcher[str, Item, str](
        "m", recorder, BatchLimits(max_batch_size=2, max_wait_s=0)
    )
    try:
        recorder.hold()
        _submit(batcher, ["job-0"], BACKGROUND)  # running, held at the gate
        assert recorder.started.wait(5)
        background = _submit(batcher, ["job-1", "job-2"], BACKGROUND)
        live = _submit(batcher, [f"live-{n}" for n in range(40)], 0)  # 20 live batches queued
        recorder.gate.set()
        batcher.wait(live + background, time.monotonic() + 30)
    finally:
        recorder.gate.set()
        batcher.close()
    kinds = [texts[0][0].split("-")[0] for _, texts in recorder.batches]
    # The job's next batch runs after a few live batches, not after all twenty of them.
    assert kinds[1 : BACKGROUND_TURN_EVERY + 1] == ["live"] * BACKGROUND_TURN_EVERY
    assert kinds[BACKGROUND_TURN_EVERY + 1] == "job"
