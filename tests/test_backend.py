"""The torch backend with tiny Marian models loaded through from_pretrained."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.models.backend import GenerationOptions, SourceTooLong, TorchBackend, TorchModel
from service.models.registry import ModelSpec, Task

FA_EN = Task("translate", "fa", "en")


@pytest.fixture(scope="module")
def marian(test_models_dir: Path) -> TorchModel:
    spec = ModelSpec("tiny-marian-fa-en", "marian", (FA_EN,), path="tiny/marian-fa-en")
    folder = spec.local_dir(test_models_dir)
    assert folder is not None
    return TorchBackend(device="cpu", threads=1).load(spec, folder)


def test_generates_one_output_per_input_deterministically(marian: TorchModel) -> None:
    options = GenerationOptions(task=FA_EN, max_new_tokens=8)
    texts = ["سلام دنیا.", "هوای تهران امروز سرد بود."]
    first = marian.generate(texts, options)
    assert len(first) == 2
    assert all(isinstance(t, str) for t in first)
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

    from service.models.families import family_of

    backend = TorchBackend(device="cuda", dtype="auto")
    assert backend.dtype("cuda", family_of("m2m100")) == torch.float16
    assert backend.dtype("cuda", family_of("mt5")) in (torch.bfloat16, torch.float32)
    assert TorchBackend(dtype="bfloat16").dtype("cuda") == torch.bfloat16


def test_cuda_without_a_gpu_is_refused_with_the_setting_named() -> None:
    import torch

    from service.errors import ModelNotReady

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ModelNotReady, match="TARJOMAN_DEVICE=cuda"):
        TorchBackend(device="cuda").device()
