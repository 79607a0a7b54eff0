"""The torch runtime with tiny models loaded through from_pretrained: fp32, int8, n-best."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.models.backend import GenerationOptions, SourceTooLong
from service.models.registry import ModelSpec, Task
from service.models.torch_runtime import TorchBackend, TorchModel

FA_EN = Task("translate", "fa", "en")
MARIAN = ModelSpec("tiny-marian-fa-en", "marian", (FA_EN,), path="tiny/marian-fa-en")


def load(test_models_dir: Path, spec: ModelSpec) -> TorchModel:
    backend = TorchBackend(device="cpu", threads=1)
    folder = backend.locate(spec, test_models_dir)
    assert folder is not None
    return backend.load(spec, folder)


@pytest.fixture(scope="module")
def marian(test_models_dir: Path) -> TorchModel:
    return load(test_models_dir, MARIAN)


def test_generates_one_output_per_input_deterministically(marian: TorchModel) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=8)
    texts = ["سلام دنیا.", "هوای تهران امروز سرد بود."]
    first = marian.generate(texts, options)
    assert len(first) == 2
    assert all(isinstance(g.text, str) and 0 < g.tokens <= 8 for g in first)
    assert all(g.alternatives == () for g in first)
    assert marian.generate(texts, options) == first


def test_batched_output_equals_unbatched_output(marian: TorchModel) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=8)
    texts = ["سلام.", "قیمت نان و برنج ماه گذشته افزایش یافت.", "پلیس جاده را بست."]
    batched = marian.generate(texts, options)
    assert batched == [marian.generate([t], options)[0] for t in texts]


def test_counts_tokens_with_the_model_tokenizer(marian: TorchModel) -> None:
    short, long = marian.count_tokens(["سلام", "سلام " * 20], FA_EN)
    assert 1 < short < long


def test_refuses_to_truncate_a_source_over_the_limit(marian: TorchModel) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=4)
    with pytest.raises(SourceTooLong):
        marian.generate(["سلام " * 600], options)


def test_reports_its_size_and_device(marian: TorchModel) -> None:
    assert marian.device == "cpu"
    assert 10_000 < marian.nbytes < 5_000_000


def test_cpu_runs_fp32_whatever_dtype_is_asked() -> None:
    import torch

    for asked in ("auto", "float32", "float16", "bfloat16"):
        assert TorchBackend(device="cpu", dtype=asked).dtype("cpu") == torch.float32


def test_cuda_runs_fp16_by_default_and_mt5_never_in_fp16() -> None:
    import torch

    backend = TorchBackend(device="cuda", dtype="auto")
    assert backend.dtype("cuda", "m2m100") == torch.float16
    assert backend.dtype("cuda", "mt5") in (torch.bfloat16, torch.float32)
    assert TorchBackend(dtype="bfloat16").dtype("cuda") == torch.bfloat16


def test_cuda_without_a_gpu_is_refused_with_the_setting_named() -> None:
    import torch

    from service.errors import ModelNotReady

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ModelNotReady, match="TARJOMAN_DEVICE=cuda"):
        TorchBackend(device="cuda").device()


def test_hit_limit_when_the_limit_stops_generation(marian: TorchModel) -> None:
    # The random tiny model rambles: 5 tokens is always the limit, never its own end.
    options = GenerationOptions(task=FA_EN, max_new_tokens=5)
    outputs = marian.generate(["هوای تهران امروز سرد بود.", "سلام."], options)
    assert [(o.hit_limit, o.tokens) for o in outputs] == [(True, 5), (True, 5)]


def test_no_hit_limit_when_the_end_of_sentence_comes_first(
    marian: TorchModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiny model never ends early by itself, so generate() answers rows we chose."""
    import torch

    start, eos, pad = marian.tokenizer.pad_id, marian.tokenizer.eos_id, marian.tokenizer.pad_id
    rows = [[start, 5, 6, eos, pad, pad], [start, 5, 6, 7, 8, 9]]
    monkeypatch.setattr(marian._model, "generate", lambda **kwargs: torch.tensor(rows))
    options = GenerationOptions(task=FA_EN, max_new_tokens=5)
    ended, cut = marian.generate(["سلام.", "پلیس جاده را بست."], options)
    assert (ended.hit_limit, ended.tokens) == (False, 3)
    assert (cut.hit_limit, cut.tokens) == (True, 5)


def test_n_best_gives_distinct_alternatives_best_first(marian: TorchModel) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=6, num_beams=1, num_alternatives=3)
    texts = ["هوای تهران امروز سرد بود.", "سلام."]
    outputs = marian.generate(texts, options)
    assert len(outputs) == 2
    for output in outputs:
        assert 1 <= len(output.alternatives) <= 3
        assert output.alternatives[0] == output.text
        assert len(set(output.alternatives)) == len(output.alternatives)
    # The best of the n-best is what a plain beam search of that width gives.
    wide = GenerationOptions(task=FA_EN, max_new_tokens=6, num_beams=3)
    assert [o.text for o in outputs] == [g.text for g in marian.generate(texts, wide)]


def test_locate_needs_config_and_weights(tmp_path: Path) -> None:
    spec = ModelSpec("m", "marian", (FA_EN,), path="m")
    backend = TorchBackend(device="cpu")
    assert backend.locate(spec, tmp_path) is None
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    assert backend.locate(spec, tmp_path) is None  # a download cut short
    (tmp_path / "m" / "model.safetensors").write_bytes(b"weights")
    assert backend.locate(spec, tmp_path) == tmp_path / "m"
    assert backend.estimate_bytes(spec, tmp_path / "m") == len(b"weights")


def test_an_unknown_quantization_is_refused_naming_the_model(test_models_dir: Path) -> None:
    from dataclasses import replace

    from service.errors import ModelNotReady

    with pytest.raises(ModelNotReady, match=r"tiny-marian-fa-en.*int4"):
        load(test_models_dir, replace(MARIAN, quantization="int4"))


def test_int8_quantizes_every_linear_layer_and_counts_the_smaller_size(
    test_models_dir: Path, marian: TorchModel
) -> None:
    from dataclasses import replace

    import torch

    int8 = load(test_models_dir, replace(MARIAN, quantization="int8"))
    assert int8.quantization == "int8"
    linear = [m for m in int8._model.modules() if type(m) is torch.nn.Linear]
    assert linear == []  # every one replaced by its dynamic int8 version
    assert int8.nbytes < marian.nbytes
    options = GenerationOptions(task=FA_EN, max_new_tokens=6)
    outputs = int8.generate(["هوای تهران امروز سرد بود.", "سلام."], options)
    assert [o.tokens for o in outputs] == [6, 6]
    assert all(o.text for o in outputs)


def test_model_bytes_counts_tied_weights_once(marian: TorchModel) -> None:
    from service.models.torch_runtime import model_bytes

    unique = {id(p): p for p in marian._model.parameters()}.values()
    assert model_bytes(marian._model) >= sum(p.numel() * p.element_size() for p in unique)
    assert model_bytes(marian._model) == marian.nbytes


def test_the_cache_budget_counts_the_int8_size(test_models_dir: Path, marian: TorchModel) -> None:
    from dataclasses import replace

    from service.models.cache import ModelCache

    backend = TorchBackend(device="cpu", threads=1)
    cache = ModelCache(backend, test_models_dir)
    spec = replace(MARIAN, quantization="int8")
    model = cache.get(spec)
    assert cache.total_bytes == model.nbytes
    assert model.nbytes < marian.nbytes  # the same model in fp32
