"""pipelines.summarize and pipelines.mapreduce: the strategy table, map-reduce, fallbacks."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from service.engine import Engine
from service.errors import AmbiguousLanguage, InvalidRequest, ModelNotReady, PayloadTooLarge
from service.models.backend import GenerationOptions
from service.models.registry import Profile, Task, load_profiles
from service.models.torch_runtime import TorchBackend
from service.pipelines.extractive import sentences_of
from service.pipelines.mapreduce import MapReduce
from service.pipelines.summarize import Request, plans, resolve_source, summarize, trim
from service.settings import PROJECT_ROOT, Settings
from service.text.chunk import chunk
from tests.fakes import FakeBackend
from tests.polling import wait_until
from tests.summarizers import (
    DESIGN_PROFILES,
    close_engines,
    engine_for,
    lead_words,
    long_persian_article,
    write_models_toml,
)

PAIRS = [("fa", "fa"), ("fa", "en"), ("en", "en"), ("en", "fa")]

# Auto-mode candidates, best first, by what a profile can do: (strategy, tasks) per pair.
TRANSLATE_ONLY = {
    ("fa", "fa"): [("extractive", [])],
    ("fa", "en"): [("extractive-then-translate", ["translate fa-en"])],
    ("en", "en"): [("extractive", [])],
    ("en", "fa"): [("extractive-then-translate", ["translate en-fa"])],
}
SUMMARIZE_EN = {
    ("fa", "fa"): [
        ("translate-then-abstractive", ["translate fa-en", "summarize en", "translate en-fa"]),
        ("extractive", []),
    ],
    ("fa", "en"): [
        ("translate-then-abstractive", ["translate fa-en", "summarize en"]),
        ("extractive-then-translate", ["translate fa-en"]),
    ],
    ("en", "en"): [("abstractive", ["summarize en"]), ("extractive", [])],
    ("en", "fa"): [
        ("abstractive-then-translate", ["summarize en", "translate en-fa"]),
        ("extractive-then-translate", ["translate en-fa"]),
    ],
}
SUMMARIZE_BOTH = {
    ("fa", "fa"): [
        ("abstractive", ["summarize fa"]),
        ("translate-then-abstractive", ["translate fa-en", "summarize en", "translate en-fa"]),
        ("extractive", []),
    ],
    ("fa", "en"): [
        ("abstractive-then-translate", ["summarize fa", "translate fa-en"]),
        ("translate-then-abstractive", ["translate fa-en", "summarize en"]),
        ("extractive-then-translate", ["translate fa-en"]),
    ],
    ("en", "en"): [
        ("abstractive", ["summarize en"]),
        ("translate-then-abstractive", ["translate en-fa", "summarize fa", "translate fa-en"]),
        ("extractive", []),
    ],
    ("en", "fa"): [
        ("abstractive-then-translate", ["summarize en", "translate en-fa"]),
        ("translate-then-abstractive", ["translate en-fa", "summarize fa"]),
        ("extractive-then-translate", ["translate en-fa"]),
    ],
}
TABLES = {"translate only": TRANSLATE_ONLY, "summarize en": SUMMARIZE_EN, "both": SUMMARIZE_BOTH}
DESIGN_TABLE = {
    "default": "summarize en",
    "persian": "both",
    "nllb": "both",
    "tiny": "both",
    "plain": "translate only",
}


def kind_of(profile: Profile) -> str:
    """Which table a profile's tasks call for."""
    summarizes = {str(t) for t in profile.by_task if t.kind == "summarize"}
    return {
        frozenset(): "translate only",
        frozenset({"summarize en"}): "summarize en",
        frozenset({"summarize en", "summarize fa"}): "both",
    }[frozenset(summarizes)]


def table_of(profile: Profile, mode: str) -> dict[tuple[str, str], list[tuple[str, list[str]]]]:
    """The strategies a profile offers for every language pair."""
    found = {}
    for pair in PAIRS:
        try:
            found[pair] = [
                (p.strategy, [str(t) for t in p.tasks]) for p in plans(profile, *pair, mode)
            ]
        except ModelNotReady:
            found[pair] = []
    return found


def expected(kind: str, mode: str) -> dict[tuple[str, str], list[tuple[str, list[str]]]]:
    """The table for a mode: auto offers all; the other modes keep their own kind."""
    return {
        pair: [(name, tasks) for name, tasks in rows if mode in ("auto", *name.split("-"))]
        for pair, rows in TABLES[kind].items()
    }


@pytest.mark.parametrize("mode", ["auto", "abstractive", "extractive"])
@pytest.mark.parametrize("name", sorted(DESIGN_PROFILES))
def test_strategy_table_of_designs_profiles(tmp_path: Path, name: str, mode: str) -> None:
    profile = load_profiles(write_models_toml(tmp_path, tmp_path))[name]
    assert table_of(profile, mode) == expected(DESIGN_TABLE[name], mode)


@pytest.mark.parametrize("mode", ["auto", "abstractive", "extractive"])
@pytest.mark.parametrize("name", sorted(load_profiles(PROJECT_ROOT / "models.toml")))
def test_strategy_table_of_every_profile_in_models_toml(name: str, mode: str) -> None:
    profile = load_profiles(PROJECT_ROOT / "models.toml")[name]
    assert table_of(profile, mode) == expected(kind_of(profile), mode)


def test_abstractive_mode_without_a_summarizer_is_503() -> None:
    profile = Profile("bare", "", ())
    with pytest.raises(ModelNotReady, match="extractive"):
        plans(profile, "fa", "fa", "abstractive")
    with pytest.raises(ModelNotReady):
        plans(profile, "fa", "en", "extractive")  # no model to translate the extract
    assert [p.strategy for p in plans(profile, "en", "en", "extractive")] == ["extractive"]


@pytest.fixture(autouse=True)
def _close_engines() -> Iterator[None]:
    """Every engine a test builds is closed after it."""
    yield
    close_engines()


@pytest.fixture
def recorded() -> list[GenerationOptions]:
    """The options of every fake generate() call, in order."""
    return []


@pytest.fixture
def make_engine(
    tmp_path: Path,
    test_models_dir: Path,
    make_settings: Callable[..., Settings],
    recorded: list[GenerationOptions],
) -> Callable[..., tuple[Engine, FakeBackend]]:
    """An engine over one of DESIGN's profiles with fake models; `missing` tasks lack weights."""

    def transform(text: str, options: GenerationOptions) -> str:
        recorded.append(options)
        return lead_words(text, options)

    def build(
        profile: str, missing: tuple[str, ...] = (), **overrides: object
    ) -> tuple[Engine, FakeBackend]:
        toml = write_models_toml(tmp_path, test_models_dir, missing)
        backend = FakeBackend(transform)
        settings = make_settings(models_file=toml, profile=profile, **overrides)
        return engine_for(settings, backend), backend

    return build


def test_persian_to_english_summarizes_then_translates_where_fa_has_a_summarizer(
    make_engine: Callable[..., tuple[Engine, FakeBackend]], irna_text: str
) -> None:
    engine, backend = make_engine("tiny")
    [result] = summarize(engine, [irna_text], "fa", "en")
    assert result.strategy == "abstractive-then-translate"
    assert result.models == ("tiny-summarize-fa", "tiny-translate-fa-en")
    assert [name for name, _ in backend.batches] == list(result.models)
    summarizer_input = backend.batches[0][1]
    assert summarizer_input == [" ".join(sentences_of(irna_text))]  # it fits in one chunk
    assert (result.model_calls, result.passes) == (1, 1)
    assert result.summary.startswith("[en] کد مطلب")
    assert result.sentences is None
    assert result.fallback is None


@pytest.mark.parametrize(
    ("target", "models"),
    [
        ("en", ("default-translate-fa-en", "default-summarize-en")),
        ("fa", ("default-translate-fa-en", "default-summarize-en", "default-translate-en-fa")),
    ],
)
def test_default_profile_translates_persian_first(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
    irna_text: str,
    target: str,
    models: tuple[str, ...],
) -> None:
    # Fakes write without a limit; under the tests' 8-token cap the translate step would cut
    # every sentence into parts that fit it (pipelines/fit.py).
    engine, backend = make_engine("default", max_new_tokens=256)
    [result] = summarize(engine, [irna_text], "fa", target)
    assert result.strategy == "translate-then-abstractive"
    assert result.models == models
    assert [name for name, _ in backend.batches] == list(models)
    # The English summarizer read the translation, sentence by sentence tagged [en].
    assert backend.batches[1][1][0].startswith("[en] ")
    assert result.summary.startswith("[fa] [en]" if target == "fa" else "[en]")


def test_summaries_use_the_familys_summary_settings(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
    recorded: list[GenerationOptions],
) -> None:
    engine, _ = make_engine("tiny")
    summarize(engine, ["The council met on Monday. It agreed a budget."], "en", "fa")
    summary, translation = recorded[0], recorded[-1]
    assert summary.task == Task("summarize", "en", "en")
    assert (summary.num_beams, summary.no_repeat_ngram_size, summary.length_penalty) == (4, 3, 2.0)
    assert summary.max_new_tokens == 8  # the settings' cap (8 in tests) is below 60 words' worth
    assert translation.task == Task("translate", "en", "fa")
    assert translation.no_repeat_ngram_size == 0


def test_a_long_persian_article_goes_through_map_reduce_within_the_cap(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    article = long_persian_article()
    assert len(article) == 20_000
    engine, backend = make_engine("tiny")
    [result] = summarize(engine, [article], "fa", "fa", Request(max_words=40))
    assert result.strategy == "abstractive"
    assert result.passes == 2
    inputs = [text for _, batch in backend.batches for text in batch]
    assert result.model_calls == len(inputs) <= engine.settings.max_summary_calls
    assert len(backend.batches[0][1]) == result.model_calls - 1  # first pass: every chunk at once
    assert max(len(text.split()) + 1 for text in inputs) <= 512 - 4  # Marian's limit, less room
    assert len(result.summary.split()) <= 40


def test_a_text_needing_more_calls_than_allowed_is_413_before_any_work(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine("tiny", max_summary_calls=3)
    with pytest.raises(PayloadTooLarge, match="the limit is 3") as info:
        summarize(engine, [long_persian_article()], "fa", "fa")
    assert info.value.details["setting"] == "TARJOMAN_MAX_SUMMARY_CALLS"
    assert backend.batches == []


def test_auto_falls_back_when_the_summarizer_is_not_ready(
    make_engine: Callable[..., tuple[Engine, FakeBackend]], irna_text: str
) -> None:
    engine, _ = make_engine("tiny", missing=("summarize fa",))
    [result] = summarize(engine, [irna_text], "fa", "fa")
    assert result.strategy == "translate-then-abstractive"
    assert result.fallback is not None
    assert "tiny-summarize-fa" in result.fallback

    engine, backend = make_engine("tiny", missing=("summarize fa", "summarize en"))
    [result] = summarize(engine, [irna_text], "fa", "fa")
    assert result.strategy == "extractive"
    assert result.models == ()
    assert result.sentences is not None
    assert len(result.sentences) == 3
    assert result.fallback is not None
    assert "tiny-summarize-en" in result.fallback
    assert backend.batches == []  # no translation was wasted on a path that could not finish
    with pytest.raises(ModelNotReady, match="tiny-summarize-en"):
        summarize(engine, [irna_text], "fa", "fa", Request(mode="abstractive"))


def test_extractive_then_translate_quotes_source_sentences(
    make_engine: Callable[..., tuple[Engine, FakeBackend]], irna_text: str
) -> None:
    engine, backend = make_engine("tiny", max_new_tokens=256)  # whole sentences: see above
    request = Request(mode="extractive", max_sentences=2)
    [result] = summarize(engine, [irna_text], "fa", "en", request)
    assert result.strategy == "extractive-then-translate"
    assert result.models == ("tiny-translate-fa-en",)
    assert result.sentences is not None
    assert len(result.sentences) == 2
    assert backend.batches[0][1] == sorted(s.text for s in result.sentences)
    assert result.summary == " ".join(f"[en] {s.text}" for s in result.sentences)


def test_a_list_is_summarized_per_text_language_in_order(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, _ = make_engine("tiny")
    texts = ["The council met. It agreed.", "شورا تشکیل شد. بودجه تصویب شد.", "Rain fell."]
    results = summarize(engine, texts, "auto", None, Request(mode="extractive"))
    assert [(r.source, r.target) for r in results] == [("en", "en"), ("fa", "fa"), ("en", "en")]
    assert [r.summary for r in results] == [" ".join(sentences_of(t)) for t in texts]


def test_the_source_language_is_checked(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, _ = make_engine("tiny")
    with pytest.raises(InvalidRequest, match=r"text\[1\]: the text has no words"):
        summarize(engine, ["Fine.", "؟!... ۱۲۳ ،"], "auto")
    with pytest.raises(InvalidRequest, match="no words"):
        resolve_source("...", "en")
    with pytest.raises(AmbiguousLanguage):
        resolve_source("Tehran تهران Kuwait کویت", "auto")
    assert resolve_source("Tehran تهران Kuwait کویت", "fa") == "fa"


def test_trim_keeps_whole_sentences_when_it_can() -> None:
    text = "One two three. Four five six seven. Eight."
    assert trim(text, 10) == text
    assert trim(text, 5) == "One two three."
    assert trim("one two three four five six", 4) == "one two three four …"


def test_a_run_on_sentence_over_the_limit_is_split_before_chunking(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine("tiny")
    task = Task("summarize", "en", "en")
    spec = engine.profile.require(task)
    run_on = " ".join(f"word{i}" for i in range(1500))  # 1,501 tokens, no sentence end
    chunks = chunk([run_on, "Short one."], MapReduce(engine, spec, task, 60).count, 508)
    assert " ".join(c.text for c in chunks) == run_on + " Short one."
    assert max(len(c.text.split()) + 1 for c in chunks) <= 512 - 4
    [result] = summarize(engine, [run_on], "en", "en", Request(mode="abstractive"))
    assert result.passes == 2
    assert all(len(text.split()) + 1 <= 508 for _, batch in backend.batches for text in batch)


@pytest.fixture
def tiny_engine(make_settings: Callable[..., Settings], test_models_dir: Path) -> Engine:
    """The real `tiny` profile on the torch backend: real tokenizers, random weights."""
    settings = make_settings()
    return engine_for(settings, TorchBackend("cpu", threads=1))


def test_tiny_mt5_summarizes_a_20000_character_article_by_map_reduce(tiny_engine: Engine) -> None:
    article = long_persian_article()
    [result] = summarize(tiny_engine, [article], "fa", "fa", Request(mode="abstractive"))
    assert result.strategy == "abstractive"
    assert result.models == ("tiny-mt5",)
    assert result.passes >= 2
    assert result.model_calls <= tiny_engine.settings.max_summary_calls
    assert len(result.summary.split()) <= 60


def test_tiny_profile_summarizes_persian_then_translates_to_english(
    tiny_engine: Engine, irna_text: str
) -> None:
    [result] = summarize(tiny_engine, [irna_text], "fa", "en")
    assert result.strategy == "abstractive-then-translate"
    assert result.models == ("tiny-mt5", "tiny-marian-fa-en")
    assert result.fallback is None
    assert 1 <= result.model_calls <= tiny_engine.settings.max_summary_calls


def test_tiny_m2m100_profile_translates_persian_before_summarizing(
    make_settings: Callable[..., Settings], test_models_dir: Path, irna_text: str
) -> None:
    """tiny-m2m100 has DESIGN's `default` tasks: M2M100 for fa↔en and BART for English only."""
    settings = make_settings(profile="tiny-m2m100")
    engine = engine_for(settings, TorchBackend("cpu", threads=1))
    [result] = summarize(engine, [irna_text], "fa", "en")
    assert result.strategy == "translate-then-abstractive"
    assert result.models == ("tiny-m2m100", "tiny-bart")


def test_summaries_of_concurrent_requests_share_one_batch_with_their_own_options(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    engine, backend = make_engine("tiny")
    backend.gate = threading.Event()
    abstractive = Request(mode="abstractive")

    def call(text: str) -> str:
        return summarize(engine, [text], "en", "en", abstractive)[0].summary

    def queued() -> int:
        return next(m for m in engine.models_info() if m["name"] == "tiny-summarize-en")[
            "queue_depth"
        ]

    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(call, "The first request holds the model.")
        assert backend.started.wait(10)
        texts = [f"Request number {n} waits behind it." for n in range(4)]
        futures = [pool.submit(call, text) for text in texts]
        wait_until(lambda: queued() >= 4, "4 requests queued")
        backend.gate.set()
        assert first.result(10) == "The first request holds the model."
        assert [f.result(10) for f in futures] == texts
    assert [sorted(batch) for _, batch in backend.batches] == [
        ["The first request holds the model."],
        sorted(texts),
    ]
    options = backend.batch_options[1]
    assert options.task == Task("summarize", "en", "en")
    assert (options.num_beams, options.no_repeat_ngram_size, options.max_new_tokens) == (4, 3, 8)


def test_a_summarizer_still_preloading_is_not_waited_for(
    make_engine: Callable[..., tuple[Engine, FakeBackend]], irna_text: str
) -> None:
    # Preload named but not started: the engine reports both summarizers as loading.
    engine, backend = make_engine("tiny", preload=["tiny-summarize-fa", "tiny-summarize-en"])
    [result] = summarize(engine, [irna_text], "fa", "en")
    assert result.strategy == "extractive-then-translate"
    assert result.fallback is not None
    assert "tiny-summarize-fa is not ready: loading" in result.fallback
    assert "tiny-summarize-en is not ready: loading" in result.fallback
    assert "tiny-summarize-fa" not in backend.loads
    with pytest.raises(ModelNotReady) as info:
        summarize(engine, [irna_text], "fa", "fa", Request(mode="abstractive"))
    assert info.value.retry_after == 10


def test_a_503_while_loading_names_the_preferred_model_first(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
) -> None:
    # Everything still preloading: an English abstractive summary waits for the English
    # summarizer; the en→fa translator of a fallback plan is not what it is waiting for.
    names = [f"tiny-{task.replace(' ', '-')}" for task in DESIGN_PROFILES["tiny"]]
    engine, backend = make_engine("tiny", preload=names)
    text = "The road was closed after the storm."
    with pytest.raises(ModelNotReady) as info:
        summarize(engine, [text], "en", "en", Request("abstractive"))
    message = info.value.message
    assert message.startswith("tiny-summarize-en is not ready: loading"), message
    assert "tiny-translate-en-fa" in message  # the fallback is named too, after it
    assert info.value.retry_after == 10
    assert backend.loads == []


def test_every_step_of_a_cross_lingual_summary_shares_one_request_deadline(
    make_engine: Callable[..., tuple[Engine, FakeBackend]],
    irna_text: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, _ = make_engine("default")
    deadlines: list[float] = []
    generate = engine.generate

    def spy(spec: object, texts: object, options: object, deadline: float) -> list[str]:
        deadlines.append(deadline)
        return generate(spec, texts, options, deadline)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "generate", spy)
    summarize(engine, [irna_text], "fa", "fa")  # translate, summarize, translate back
    assert len(deadlines) == 3
    assert len(set(deadlines)) == 1
