"""Generation settings owned by the service: a hostile generation_config.json changes nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from service.engine import Engine
from service.models.backend import GenerationOptions
from service.models.registry import ModelSpec, Task, load_profile
from service.models.torch_runtime import TorchBackend, TorchModel
from service.pipelines.summarize import Request, summarize
from service.settings import Settings
from tests.fakes import FakeBackend

FA_EN = Task("translate", "fa", "en")
EN_EN = Task("summarize", "en", "en")
TEXTS = [
    "سلام دنیا.",
    "هوای تهران امروز سرد بود.",
    "وزارت کشور کویت مذاکراتی را با عراق انجام داد.",
]

# Every decoding knob a checkpoint could set against what a request asks; ids are tiny-vocab ids.
HOSTILE = {
    "min_length": 40,
    "max_length": 3,
    "max_new_tokens": 2,
    "min_new_tokens": 30,
    "num_beams": 7,
    "num_return_sequences": 3,
    "do_sample": True,
    "temperature": 9.0,
    "top_k": 3,
    "repetition_penalty": 8.0,
    "no_repeat_ngram_size": 1,
    "encoder_no_repeat_ngram_size": 1,
    "length_penalty": -9.0,
    "early_stopping": "never",
    "bad_words_ids": [[5], [6], [7]],
    "suppress_tokens": [8, 9, 10, 11],
    "begin_suppress_tokens": [12, 13],
    "exponential_decay_length_penalty": [1, 1.5],
}


def load(folder: Path, name: str, family: str, task: Task) -> TorchModel:
    spec = ModelSpec(name, family, (task,), path=str(folder))
    backend = TorchBackend(device="cpu", threads=1)
    located = backend.locate(spec, folder.parent)
    assert located is not None
    return backend.load(spec, located)


def hostile_copy(source: Path, tmp_path: Path) -> Path:
    folder = tmp_path / f"hostile-{source.name}"
    shutil.copytree(source, folder)
    config_file = folder / "generation_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config_file.write_text(json.dumps(config | HOSTILE), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("path", "family", "task"),
    [("tiny/marian-fa-en", "marian", FA_EN), ("tiny/bart", "bart", EN_EN)],
)
@pytest.mark.parametrize("beams", [1, 3])
def test_a_hostile_generation_config_changes_nothing(
    test_models_dir: Path, tmp_path: Path, path: str, family: str, task: Task, beams: int
) -> None:
    clean = load(test_models_dir / path, "clean", family, task)
    hostile = load(hostile_copy(test_models_dir / path, tmp_path), "hostile", family, task)
    options = GenerationOptions(
        task=task, num_beams=beams, max_new_tokens=10, no_repeat_ngram_size=0, length_penalty=1.0
    )
    texts = TEXTS if task.source == "fa" else ["The council met on Monday and agreed a budget."]
    expected = clean.generate(texts, options)
    assert hostile.generate(texts, options) == expected
    assert all(0 < g.tokens <= 10 for g in expected)


@pytest.mark.parametrize(
    ("max_words", "cap", "expected"), [(60, 120, 30), (60, 40, 20), (4, 120, 2), (1, 8, 0)]
)
def test_summary_lengths_come_from_max_words(max_words: int, cap: int, expected: int) -> None:
    from service.pipelines.mapreduce import min_tokens_for

    assert min_tokens_for(0, cap, max_words) == expected
    assert min_tokens_for(cap + 5, cap, max_words) == cap  # the benchmark knob, capped


def test_a_summary_request_sets_every_length_and_search_option(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    seen: list[GenerationOptions] = []

    def record(text: str, options: GenerationOptions) -> str:
        seen.append(options)
        return "A short summary."

    config = make_settings(max_new_tokens=256)
    engine = Engine(config, load_profile(config.models_file, "tiny"), FakeBackend(record))
    article = "The council met on Monday. It agreed a budget. Roads will be repaired."
    summarize(engine, [article], "en", "en", Request(mode="abstractive", max_words=20))
    [options] = seen
    assert (options.max_new_tokens, options.min_new_tokens) == (40, 10)
    assert (options.num_beams, options.no_repeat_ngram_size, options.early_stopping) == (4, 3, True)
