"""The runtime's hit_limit reaches pipelines.fit: a cut output is split, retried, flagged."""

from __future__ import annotations

from collections.abc import Callable

from service.engine import Engine
from service.models.backend import GenerationOptions
from service.models.registry import load_profile
from service.pipelines.translate import translate
from service.settings import Settings
from tests.fakes import FakeBackend


def engine_with(make_settings: Callable[..., Settings], **overrides: object) -> Engine:
    settings = make_settings(max_new_tokens=64, **overrides)
    backend = FakeBackend()
    # A "model" that runs out of room on anything over four words.
    backend.hit_limit = lambda text, options: len(text.split()) > 4
    return Engine(settings, load_profile(settings.models_file, "tiny"), backend)


def test_a_cut_output_is_retried_in_two_and_flagged_when_a_piece_is_still_cut(
    make_settings: Callable[..., Settings],
) -> None:
    engine = engine_with(make_settings)
    text = "one two three four five six seven eight nine ten eleven twelve."
    [result] = translate(engine, [text], "en", "fa")
    backend = engine.cache.backend
    assert isinstance(backend, FakeBackend)
    assert len(backend.batches) == 2  # the first try, then its two halves
    assert len(backend.batches[1][1]) == 2
    assert result.truncated is True  # six words a half: still over four


def test_no_retry_nor_check_when_min_new_tokens_forces_the_length(
    make_settings: Callable[..., Settings],
) -> None:
    engine = engine_with(make_settings, min_new_tokens=64)
    options: GenerationOptions = engine.options_for(
        engine.profile.models[0], engine.profile.models[0].tasks[0]
    )
    assert options.min_new_tokens == options.max_new_tokens
    [result] = translate(engine, ["one two three four five six seven."], "en", "fa")
    backend = engine.cache.backend
    assert isinstance(backend, FakeBackend)
    assert len(backend.batches) == 1
    assert result.truncated is False


def test_alternatives_survive_a_forced_length(make_settings: Callable[..., Settings]) -> None:
    engine = engine_with(make_settings, min_new_tokens=64)
    [result] = translate(engine, ["one two three."], "en", "fa", alternatives=2)
    assert len(result.alternatives) == 2
    assert result.text not in result.alternatives
