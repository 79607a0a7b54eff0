"""pipelines.mapreduce: the call estimate and the length of each summary."""

from __future__ import annotations

import pytest

from service.engine import Engine
from service.models.registry import ModelSpec, Task
from service.pipelines.mapreduce import calls_needed, new_tokens_for


def test_calls_needed_counts_every_pass() -> None:
    assert calls_needed(0, 100, 500) == 0
    assert calls_needed(1, 100, 500) == 1
    assert calls_needed(8, 50, 500) == 9
    assert calls_needed(10, 250, 500) == 10 + 5 + 3 + 2 + 1


@pytest.mark.parametrize(
    ("family", "max_words", "tokens"),
    [
        ("mt5", 60, 84),  # the family's target limit (pn-summary's card: 84)
        ("bart", 60, 120),  # two tokens a word
        ("bart", 400, 142),  # distilbart-cnn's max_length
        ("marian", 400, 252),  # half the 512-token input, less room for special tokens
    ],
)
def test_a_summary_has_room_for_its_words_within_the_models_limits(
    fake_engine: Engine, family: str, max_words: int, tokens: int
) -> None:
    spec = ModelSpec("m", family, (Task("summarize", "en", "en"),))
    engine = Engine(
        fake_engine.settings.model_copy(update={"max_new_tokens": 1000}), fake_engine.profile
    )
    assert new_tokens_for(engine, spec, max_words) == tokens
    assert new_tokens_for(fake_engine, spec, max_words) == 8  # the settings' cap (8 in tests)
