"""Each family with its tiny model: source language, forced first token, prefix, clean output."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest

from service.models.backend import GenerationOptions
from service.models.families import FAMILIES, NLLB, family_of
from service.models.registry import ModelSpec, Task
from service.models.tokenizer import Tokenizer
from service.models.torch_runtime import TorchBackend, TorchModel

FA_EN = Task("translate", "fa", "en")
EN_FA = Task("translate", "en", "fa")
SUM_FA = Task("summarize", "fa", "fa")
SUM_EN = Task("summarize", "en", "en")
TEXTS = {"fa": ["هوای تهران امروز سرد بود.", "سلام."], "en": ["The road was closed.", "Hello."]}
# Anything that looks like a language code of M2M100 (`__fa__`) or FLORES-200 (`pes_Arab`).
LANGUAGE_TOKEN = re.compile(r"__[a-z]{2,3}__|\b[a-z]{3}_[A-Z][a-z]{3}\b")


class Spy:
    """Wraps a transformers model's generate() to keep what went in and what came out."""

    def __init__(self, model: TorchModel) -> None:
        self.inner = model._model.generate
        self.calls: list[dict[str, Any]] = []
        model._model.generate = self

    def __call__(self, **kwargs: Any) -> Any:
        output = self.inner(**kwargs)
        self.calls.append({**kwargs, "output": output})
        return output


def load(test_models_dir: Path, name: str, family: str, tasks: tuple[Task, ...]) -> TorchModel:
    """A tiny model through the same from_pretrained path as real weights."""
    spec = ModelSpec(f"tiny-{name}", family, tasks, path=f"tiny/{name}")
    backend = TorchBackend(device="cpu", threads=1)
    folder = backend.locate(spec, test_models_dir)
    assert folder is not None
    return backend.load(spec, folder)


@pytest.fixture(scope="module")
def models(test_models_dir: Path) -> dict[str, TorchModel]:
    """One loaded tiny model per family (two Marian ones, one per direction)."""
    return {
        "marian-fa-en": load(test_models_dir, "marian-fa-en", "marian", (FA_EN,)),
        "marian-en-fa": load(test_models_dir, "marian-en-fa", "marian", (EN_FA,)),
        "m2m100": load(test_models_dir, "m2m100", "m2m100", (FA_EN, EN_FA)),
        "nllb": load(test_models_dir, "nllb", "nllb", (FA_EN, EN_FA)),
        "mt5": load(test_models_dir, "mt5", "mt5", (SUM_FA, SUM_EN)),
        "bart": load(test_models_dir, "bart", "bart", (SUM_EN,)),
    }


def run(model: TorchModel, task: Task, **options: Any) -> tuple[list[str], dict[str, Any]]:
    """Generate for the task's texts; return the outputs and what generate() was given."""
    spy = Spy(model)
    try:
        settings: dict[str, Any] = {"num_beams": 1, "max_new_tokens": 6, **options}
        outputs = model.generate(TEXTS[task.source], GenerationOptions(task=task, **settings))
    finally:
        model._model.generate = spy.inner
    (call,) = spy.calls
    return [output.text for output in outputs], call


def assert_clean(model: TorchModel, outputs: list[str]) -> None:
    """Decoded output carries no language token and no special token."""
    tokenizer = model.tokenizer.hf
    for text in outputs:
        assert not LANGUAGE_TOKEN.search(text), text
        for special in ("<s>", "</s>", "<pad>", "<unk>"):
            assert special not in text
        for token in model.family.language_tokens():
            assert token not in text
    assert tokenizer.pad_token is not None


@pytest.mark.parametrize("task", [FA_EN, EN_FA], ids=str)
@pytest.mark.parametrize(
    ("name", "tokenizer_class", "codes"),
    [
        ("m2m100", "M2M100Tokenizer", {"fa": "__fa__", "en": "__en__"}),
        ("nllb", "NllbTokenizer", {"fa": "pes_Arab", "en": "eng_Latn"}),
    ],
)
def test_multilingual_translators_set_the_source_and_force_the_target_language(
    models: dict[str, TorchModel],
    name: str,
    tokenizer_class: str,
    codes: dict[str, str],
    task: Task,
) -> None:
    model = models[name]
    tokenizer = model.tokenizer.hf
    assert type(tokenizer).__name__ == tokenizer_class  # what AutoTokenizer picked
    outputs, call = run(model, task)
    source_id = tokenizer.convert_tokens_to_ids(codes[task.source])
    target_id = tokenizer.convert_tokens_to_ids(codes[task.target])
    assert source_id != tokenizer.unk_token_id
    assert target_id != tokenizer.unk_token_id
    for ids, mask in zip(call["input_ids"].tolist(), call["attention_mask"].tolist(), strict=True):
        real = [i for i, keep in zip(ids, mask, strict=True) if keep]
        assert real[0] == source_id  # `__fa__ …` / `pes_Arab …`: the source language
        assert real[-1] == tokenizer.eos_token_id
        assert target_id not in real
    assert call["forced_bos_token_id"] == target_id
    first = call["output"][:, 1].tolist()  # after the decoder start token
    assert first == [target_id] * len(TEXTS[task.source])
    assert len(outputs) == len(TEXTS[task.source])
    assert_clean(model, outputs)


@pytest.mark.parametrize("name", ["marian-fa-en", "marian-en-fa"])
def test_marian_needs_no_language_tokens(models: dict[str, TorchModel], name: str) -> None:
    model = models[name]
    task = FA_EN if name == "marian-fa-en" else EN_FA
    assert type(model.tokenizer.hf).__name__ == "MarianTokenizer"
    outputs, call = run(model, task)
    assert "forced_bos_token_id" not in call
    plain = model.tokenizer.hf(TEXTS[task.source], padding=True, return_tensors="pt")
    assert call["input_ids"].tolist() == plain["input_ids"].tolist()  # no prefix, no code
    assert_clean(model, outputs)


@pytest.mark.parametrize("task", [SUM_FA, SUM_EN], ids=str)
def test_mt5_summarizes_its_input_as_is(models: dict[str, TorchModel], task: Task) -> None:
    model = models["mt5"]
    assert type(model.tokenizer.hf).__name__ == "T5Tokenizer"
    outputs, call = run(model, task)
    assert "forced_bos_token_id" not in call
    tokenizer = model.tokenizer.hf
    first = call["input_ids"][0].tolist()
    assert first[-1] == tokenizer.eos_token_id
    decoded = tokenizer.decode(first, skip_special_tokens=True)
    assert decoded == TEXTS[task.source][0]  # no "summarize: " prefix, nothing lost
    assert call["output"][:, 0].tolist() == [0, 0]  # mT5 starts from <pad>
    assert_clean(model, outputs)


def test_bart_summarizes_english_starting_from_bos(models: dict[str, TorchModel]) -> None:
    model = models["bart"]
    tokenizer = model.tokenizer.hf
    assert type(tokenizer).__name__ in ("BartTokenizer", "RobertaTokenizer")  # one class in v5
    outputs, call = run(model, SUM_EN)
    ids = call["input_ids"][0].tolist()
    assert ids[0] == tokenizer.bos_token_id
    assert tokenizer.decode(ids, skip_special_tokens=True) == TEXTS["en"][0]
    assert call["forced_bos_token_id"] == tokenizer.bos_token_id
    assert call["output"][:, 1].tolist() == [tokenizer.bos_token_id] * 2
    assert_clean(model, outputs)


def test_generation_never_asks_for_more_than_the_family_target_limit(
    models: dict[str, TorchModel],
) -> None:
    _, call = run(models["bart"], SUM_EN, max_new_tokens=10_000)
    assert call["max_new_tokens"] == family_of("bart").target_token_limit
    _, call = run(models["mt5"], SUM_FA, max_new_tokens=3, no_repeat_ngram_size=2)
    assert call["max_new_tokens"] == 3
    assert call["no_repeat_ngram_size"] == 2


def test_a_wrong_nllb_code_is_refused_not_silently_unk(models: dict[str, TorchModel]) -> None:
    class WrongNllb(NLLB):
        # `fas_Arab` does not exist in FLORES-200: it would start every output with <unk>.
        language_codes: ClassVar[dict[str, str]] = {"fa": "fas_Arab", "en": "eng_Latn"}

    with pytest.raises(ValueError, match="fas_Arab"):
        Tokenizer(models["nllb"].tokenizer.hf, WrongNllb()).target_id(EN_FA)


def test_families_say_which_tasks_they_can_do() -> None:
    assert family_of("m2m100").supports(FA_EN)
    assert family_of("nllb").supports(EN_FA)
    assert not family_of("m2m100").supports(SUM_FA)
    assert family_of("mt5").supports(SUM_FA)
    assert family_of("mt5").supports(SUM_EN)
    assert not family_of("mt5").supports(FA_EN)
    assert family_of("bart").supports(SUM_EN)
    assert not family_of("bart").supports(SUM_FA)
    assert family_of("marian").supports(FA_EN)


def test_an_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="m2m100, nllb"):
        family_of("opus")


def test_every_family_has_a_tiny_model_in_the_builder(test_models_dir: Path) -> None:
    import make_test_models  # on sys.path once test_models_dir has run

    assert all(
        (test_models_dir / "tiny" / name / "config.json").is_file()
        for name in make_test_models.BUILDERS
    )

    built = {name.split("-")[0] for name in make_test_models.BUILDERS}
    assert set(FAMILIES) <= built
