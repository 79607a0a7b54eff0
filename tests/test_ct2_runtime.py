"""The CTranslate2 runtime on the tiny models: loading, n-best, limits, reasons it refuses."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from service.errors import ModelNotReady
from service.models.backend import GenerationOptions, SourceTooLong
from service.models.ct2_runtime import Ct2Backend, Ct2Model
from service.models.registry import ModelSpec, Task

FA_EN = Task("translate", "fa", "en")
EN_FA = Task("translate", "en", "fa")
TEXTS = ["سلام دنیا.", "هوای تهران امروز سرد بود.", "قیمت نان و برنج ماه گذشته افزایش یافت."]


def _spec(path: str = "tiny/nllb", family: str = "nllb", quantization: str = "int8") -> ModelSpec:
    tasks = (FA_EN, EN_FA)
    return ModelSpec(
        "m", family, tasks, path=path, runtime="ctranslate2", quantization=quantization
    )


@pytest.fixture(scope="module")
def nllb(test_models_dir: Path) -> Ct2Model:
    backend = Ct2Backend(device="cpu", threads=1)
    folder = backend.locate(_spec(), test_models_dir)
    assert folder is not None
    backend.prepare(_spec(), folder)
    return backend.load(_spec(), folder)


@pytest.fixture
def models(tmp_path: Path, test_models_dir: Path) -> Path:
    """A private copy of the tiny NLLB model, never converted."""
    shutil.copytree(test_models_dir / "tiny" / "nllb", tmp_path / "tiny" / "nllb")
    return tmp_path


def test_reports_runtime_quantization_device_threads_and_bytes(nllb: Ct2Model) -> None:
    assert (nllb.runtime, nllb.quantization, nllb.compute_type) == ("ctranslate2", "int8", "int8")
    assert (nllb.device, nllb.threads) == ("cpu", 1)
    assert 10_000 < nllb.nbytes < 5_000_000


def test_generates_one_output_per_input_deterministically(nllb: Ct2Model) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=8)
    first = nllb.generate(TEXTS, options)
    assert len(first) == 3
    assert nllb.generate(TEXTS, options) == first
    assert all(g.tokens <= 8 for g in first)


def test_batched_output_equals_unbatched_output(nllb: Ct2Model) -> None:
    options = GenerationOptions(task=EN_FA, max_new_tokens=8)
    texts = ["Hello.", "The price of bread rose last month.", "The road is closed."]
    assert nllb.generate(texts, options) == [nllb.generate([t], options)[0] for t in texts]


def test_the_n_best_are_distinct_and_start_with_the_best(nllb: Ct2Model) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=6, num_alternatives=3)
    for generation in nllb.generate(TEXTS[:2], options):
        assert 1 <= len(generation.alternatives) <= 3
        assert len(set(generation.alternatives)) == len(generation.alternatives)
        assert generation.alternatives[0] == generation.text


def test_the_output_starts_with_the_target_language_token(nllb: Ct2Model) -> None:
    for task in (FA_EN, EN_FA):
        rows = nllb.hypotheses(TEXTS[:1], GenerationOptions(task=task, max_new_tokens=4))
        assert nllb.tokenizer.to_tokens(rows[0][0][:1]) == [nllb.family.target_token(task)]


def test_a_limit_reached_without_an_end_is_flagged(nllb: Ct2Model) -> None:
    [generation] = nllb.generate(TEXTS[:1], GenerationOptions(task=FA_EN, max_new_tokens=3))
    [[row]] = nllb.hypotheses(TEXTS[:1], GenerationOptions(task=FA_EN, max_new_tokens=3))
    assert generation.hit_limit == (row[-1] != nllb.tokenizer.eos_id)
    assert generation.tokens == len(row)  # as torch counts: the language token included


def test_refuses_to_truncate_a_source_over_the_limit(nllb: Ct2Model) -> None:
    with pytest.raises(SourceTooLong):
        nllb.generate(["سلام " * 600], GenerationOptions(task=FA_EN, max_new_tokens=4))


def test_an_unconverted_model_is_503_naming_the_command_not_a_conversion(models: Path) -> None:
    backend = Ct2Backend(device="cpu", threads=1)
    folder = backend.locate(_spec(), models)
    assert folder == models / "tiny" / "nllb"  # present: it converts at preload
    with pytest.raises(ModelNotReady, match="tarjoman models convert") as caught:
        backend.load(_spec(), folder)
    assert caught.value.status == 503
    assert not (models / "tiny" / "nllb.ctranslate2").exists()


def test_a_converted_model_is_present_without_its_hugging_face_weights(models: Path) -> None:
    backend = Ct2Backend(device="cpu", threads=1)
    folder = models / "tiny" / "nllb"
    backend.prepare(_spec(), folder)
    (folder / "model.safetensors").unlink()
    assert backend.locate(_spec(), models) == folder
    assert backend.locate(_spec(quantization="none"), models) is None
    generation = backend.load(_spec(), folder).generate(
        TEXTS[:1], GenerationOptions(task=FA_EN, max_new_tokens=3)
    )
    assert len(generation) == 1


def test_estimates_int8_smaller_than_float32(models: Path) -> None:
    from service.models.ct2_convert import convert

    backend = Ct2Backend(device="cpu", threads=1)
    folder = models / "tiny" / "nllb"
    assert backend.estimate_bytes(_spec(), folder) > 0  # before conversion: from the weights
    convert(folder, "int8")
    convert(folder, "none")
    int8 = backend.estimate_bytes(_spec(), folder)
    assert 0 < int8 < backend.estimate_bytes(_spec(quantization="none"), folder)


def test_ctranslate2_not_installed_is_a_503_reason(
    models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import fails as if not installed
    backend = Ct2Backend(device="cpu", threads=1)
    with pytest.raises(ModelNotReady, match="not installed"):
        backend.placement(_spec())


def test_a_conversion_failure_is_a_503_reason(models: Path) -> None:
    (models / "tiny" / "nllb" / "config.json").write_text('{"model_type": "nllb-nonsense"}')
    backend = Ct2Backend(device="cpu", threads=1)
    with pytest.raises(ModelNotReady, match="could not convert") as caught:
        backend.prepare(_spec(), models / "tiny" / "nllb")
    assert caught.value.status == 503
