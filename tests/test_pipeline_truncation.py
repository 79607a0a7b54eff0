"""Truncation caught: a fake model writing at most N tokens never gives a silently short text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.engine import Engine
from service.models.backend import GenerationOptions
from service.models.registry import load_profile
from service.pipelines.translate import translate
from service.settings import Settings
from service.text.normalize import normalize
from tests.fakes import FakeBackend, identity

WORDS = ["وزارت", "کشور", "کویت", "با", "عراق", "مذاکره", "کرد", "و", "نیروهای", "مرزی،"]


def capped_engine(
    make_settings: Callable[..., Settings],
    max_tokens: int,
    max_new_tokens: int = 256,
    transform: Callable[[str, GenerationOptions], str] = identity,
) -> Engine:
    backend = FakeBackend(transform)
    backend.max_tokens = max_tokens
    config = make_settings(max_new_tokens=max_new_tokens, output_digits="keep")
    return Engine(config, load_profile(config.models_file, "tiny"), backend)


def counted(engine: Engine, reason: str, outcome: str) -> float:
    labels = {"model": "tiny-marian-fa-en", "reason": reason, "outcome": outcome}
    value = engine.metrics.registry.get_sample_value("tarjoman_translation_suspect_total", labels)
    return value or 0.0


def test_a_sentence_past_what_the_model_writes_is_flagged_truncated(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = capped_engine(make_settings, max_tokens=12)
    sentence = " ".join(WORDS[i % 8] for i in range(100)) + "."
    [result] = translate(engine, [sentence], "fa", polish=False)
    assert len(result.text.split()) < 100
    assert result.truncated is True
    assert counted(engine, "limit", "retried") == 1
    assert counted(engine, "limit", "flagged") == 1


def test_a_retry_in_halves_recovers_the_whole_sentence(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = capped_engine(make_settings, max_tokens=30)
    sentence = " ".join(WORDS[i % 8] for i in range(40)) + "."
    [result] = translate(engine, [sentence], "fa", polish=False)
    assert result.text == sentence
    assert result.truncated is False
    assert counted(engine, "limit", "retried") == 1
    assert counted(engine, "limit", "flagged") == 0


def test_segments_are_cut_to_what_the_model_can_write(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    # The model's only limit is max_new_tokens (24): the budget (24 / 1.2 = 20 tokens) keeps
    # every part under it, so nothing is ever cut and nothing needs a retry.
    engine = capped_engine(make_settings, max_tokens=10**6, max_new_tokens=24)
    text = " ".join(WORDS[i % 10] for i in range(300)) + "."
    [result] = translate(engine, [text], "fa", polish=False)
    assert result.text == normalize(text)
    assert not result.truncated
    assert counted(engine, "limit", "retried") == 0


@given(
    st.lists(
        st.lists(
            st.sampled_from([*WORDS, "Kuwait", "and", "talks,", "۱۳۹۶"]), min_size=1, max_size=120
        ),
        min_size=1,
        max_size=4,
    ),
    st.integers(min_value=3, max_value=40),
)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_long_sentence_ever_comes_back_shorter_without_truncated(
    make_settings: Callable[..., Settings],
    test_models_dir: Path,
    sentences: list[list[str]],
    max_tokens: int,
) -> None:
    engine = capped_engine(make_settings, max_tokens=max_tokens)
    texts = [" ".join(words) + "." for words in sentences]
    for text, result in zip(texts, translate(engine, texts, "fa", polish=False), strict=True):
        if result.text != normalize(text):
            assert result.truncated, (text, result.text)


def test_outputs_out_of_proportion_are_flagged_suspect(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    def two_words(text: str, options: GenerationOptions) -> str:
        return " ".join(text.split()[:2])

    def loop(text: str, options: GenerationOptions) -> str:
        return text + " the war" * 12

    sentence = " ".join(WORDS[i % 8] for i in range(40)) + "."
    [short] = translate(capped_engine(make_settings, 10**6, transform=two_words), [sentence], "fa")
    assert (short.suspect, short.truncated) == ("short", False)
    [looped] = translate(capped_engine(make_settings, 10**6, transform=loop), [sentence], "fa")
    assert looped.suspect == "repeats"
    [fine] = translate(capped_engine(make_settings, 10**6), [sentence], "fa", polish=False)
    assert (fine.suspect, fine.truncated) == (None, False)


@pytest.mark.parametrize("reply", ["short", "fine"])
def test_short_sources_are_not_judged_on_length(
    make_settings: Callable[..., Settings], test_models_dir: Path, reply: str
) -> None:
    engine = capped_engine(make_settings, 10**6, transform=lambda text, _: reply)
    [result] = translate(engine, ["سلام."], "fa")
    assert result.suspect is None


def test_the_reply_and_metrics_say_truncated(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    engine = capped_engine(make_settings, max_tokens=6)
    client = create_app(engine.settings, engine=engine).test_client()
    sentence = " ".join(WORDS[i % 8] for i in range(60)) + "."
    reply = client.post("/v1/translate", json={"text": [sentence, "سلام."], "source": "fa"})
    assert reply.status_code == 200
    long, short = reply.get_json()["results"]
    assert (long["truncated"], long["suspect"]) == (True, None)
    assert (short["truncated"], short["suspect"]) == (False, None)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert (
        'tarjoman_translation_suspect_total{model="tiny-marian-fa-en",outcome="flagged",'
        'reason="limit"} 1.0'
    ) in metrics
