"""Readiness values from the preload's progress: per model, per task, for the service."""

from __future__ import annotations

from service.models.registry import ModelSpec, Profile, Task
from service.readiness import LOADED, LOADING, ON_DISK, PreloadProgress, assess

FA_EN = Task("translate", "fa", "en")
EN_FA = Task("translate", "en", "fa")
SUM_EN = Task("summarize", "en", "en")
PROFILE = Profile(
    "p",
    "",
    (
        ModelSpec("a", "marian", (FA_EN,), path="a"),
        ModelSpec("b", "marian", (EN_FA,), path="b"),
        ModelSpec("c", "bart", (SUM_EN,), path="c"),
    ),
)


def progress(warmed: set[str], done: bool, errors: dict[str, str] | None = None) -> PreloadProgress:
    return PreloadProgress(("a", "b"), frozenset(warmed), errors or {}, done)


def test_loading_until_the_preload_is_done_and_every_model_warm() -> None:
    readiness = assess(PROFILE, progress({"a"}, False), lambda name: None)
    assert readiness.ready is False
    assert readiness.models["a"].reason == LOADED
    assert readiness.models["b"].loading
    assert readiness.task(EN_FA).loading
    assert readiness.task(SUM_EN).ready
    assert readiness.task(SUM_EN).reason == ON_DISK
    assert assess(PROFILE, progress({"a", "b"}, True), lambda name: None).ready is True


def test_missing_files_make_only_their_tasks_unready() -> None:
    missing = {"b": "the weights of b are not there", "c": "the weights of c are not there"}
    readiness = assess(PROFILE, progress({"a"}, True), missing.get)
    assert readiness.ready is True  # a is warm; b is missing for good, not failing
    assert readiness.models["b"].missing
    assert readiness.task(EN_FA).ready is False
    assert readiness.task(SUM_EN).reason == missing["c"]
    assert readiness.task(FA_EN).ready is True


def test_a_failed_preload_is_not_ready_and_says_why() -> None:
    readiness = assess(PROFILE, progress({"a"}, True, {"b": "boom"}), lambda name: None)
    assert readiness.ready is False
    assert (readiness.models["b"].ready, readiness.models["b"].reason) == (False, "boom")
    assert not readiness.models["b"].loading


def test_nothing_warm_is_no_service_even_when_all_are_missing() -> None:
    readiness = assess(PROFILE, progress(set(), True), lambda name: "gone")
    assert readiness.ready is False


def test_the_json_keeps_the_readyz_shape() -> None:
    body = assess(PROFILE, progress(set(), False), {"b": "gone"}.get).to_json()
    assert body["ready"] is False
    assert body["models"]["a"] == {"ready": False, "reason": LOADING}
    assert body["models"]["b"] == {"ready": False, "reason": "gone", "missing": True}
    assert body["tasks"]["translate en-fa"] == {"model": "b", "ready": False, "reason": "gone"}
    assert body["tasks"]["summarize en"]["reason"] == ON_DISK
