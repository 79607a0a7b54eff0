"""Alternatives through every installed runtime, on the tiny models (real tokenizers, real
beam search; the outputs are noise, so the test checks that the n-best is there and distinct)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.engine import Engine
from service.models.registry import load_profile
from service.models.runtimes import RUNTIMES
from service.pipelines.translate import translate
from service.settings import Settings

LIBRARIES = {"torch": "torch", "ctranslate2": "ctranslate2"}


@pytest.fixture(params=sorted(RUNTIMES))
def engine(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], test_models_dir: Path
) -> Iterator[Engine]:
    runtime = str(request.param)
    if importlib.util.find_spec(LIBRARIES.get(runtime, runtime)) is None:
        pytest.skip(f"the {runtime} library is not installed")
    settings = make_settings(runtime=runtime, max_new_tokens=6)
    engine = Engine(settings, load_profile(settings.models_file, "tiny"))
    backend = engine.cache.backend
    for spec in engine.profile.models:  # CTranslate2 converts here, as its preload does
        if any(task.kind == "translate" for task in spec.tasks):
            folder = backend.locate(spec, settings.models_dir)
            assert folder is not None
            backend.prepare(spec, folder)
    yield engine
    engine.close()


def test_n_best_comes_back_distinct_and_apart_from_the_best(engine: Engine) -> None:
    texts = ["Heavy rain caused floods.", "The ministry met on Sunday."]
    best = translate(engine, texts, "en", "fa")
    with_others = translate(engine, texts, "en", "fa", alternatives=2)
    for plain, result in zip(best, with_others, strict=True):
        assert plain.alternatives == ()
        assert 1 <= len(result.alternatives) <= 2
        assert result.text not in result.alternatives
        assert len(set(result.alternatives)) == len(result.alternatives)
