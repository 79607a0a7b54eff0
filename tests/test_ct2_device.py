"""CTranslate2 device, compute type and threads (logic only: no GPU here, CUDA counts are given)."""

from __future__ import annotations

import pytest

from service.errors import ModelNotReady
from service.models.ct2_device import check_supported, compute_type, pick_device, placement


def test_auto_takes_cuda_only_when_ctranslate2_sees_a_gpu() -> None:
    assert pick_device("auto", 0) == ("cpu", 0)
    assert pick_device("auto", 2) == ("cuda", 0)
    assert pick_device("cuda:1", 2) == ("cuda", 1)
    assert pick_device("cpu", 2) == ("cpu", 0)


def test_cuda_without_a_gpu_is_refused_naming_the_setting() -> None:
    with pytest.raises(ModelNotReady, match="TARJOMAN_DEVICE=cuda"):
        pick_device("cuda", 0)
    with pytest.raises(ModelNotReady, match="TARJOMAN_DEVICE=cuda:2"):
        pick_device("cuda:2", 2)
    with pytest.raises(ModelNotReady, match="cpu or cuda"):
        pick_device("mps", 0)


@pytest.mark.parametrize(
    ("quantization", "device", "family", "expected"),
    [
        ("none", "cpu", "marian", "float32"),
        ("int8", "cpu", "m2m100", "int8"),
        ("int8_float32", "cpu", "nllb", "int8_float32"),
        ("float32", "cpu", "bart", "float32"),
        ("none", "cuda", "m2m100", "float16"),
        ("none", "cuda", "mt5", "bfloat16"),
        ("int8", "cuda", "m2m100", "int8_float16"),
        ("int8", "cuda", "mt5", "int8_bfloat16"),
        ("int8_float16", "cuda", "nllb", "int8_float16"),
        ("float32", "cuda", "bart", "float32"),
    ],
)
def test_compute_type_follows_the_quantization_and_device(
    quantization: str, device: str, family: str, expected: str
) -> None:
    assert compute_type(quantization, device, family) == expected


def test_an_explicit_cuda_dtype_is_honoured_for_none() -> None:
    assert compute_type("none", "cuda", "m2m100", "float32") == "float32"
    assert compute_type("none", "cuda", "mt5", "float16") == "float16"


def test_half_precision_on_cpu_and_unknown_quantizations_are_refused() -> None:
    with pytest.raises(ModelNotReady, match="CUDA only"):
        compute_type("int8_float16", "cpu", "m2m100")
    with pytest.raises(ModelNotReady, match="no quantization 'int4'"):
        compute_type("int4", "cpu", "m2m100")


def test_a_compute_type_the_hardware_lacks_is_refused() -> None:
    check_supported("int8", "cpu", {"int8", "float32"})
    with pytest.raises(ModelNotReady, match="no bfloat16 support"):
        check_supported("bfloat16", "cpu", {"int8", "float32"})


def test_cpu_threads_are_intra_threads_with_one_replica() -> None:
    where = placement(
        "int8", "marian", device_setting="cpu", dtype="auto", threads=3, cuda_devices=0
    )
    assert (where.intra_threads, where.inter_threads, where.name) == (3, 1, "cpu")
    gpu = placement(
        "int8", "marian", device_setting="auto", dtype="auto", threads=3, cuda_devices=1
    )
    assert (gpu.compute_type, gpu.intra_threads, gpu.name) == ("int8_float16", 1, "cuda:0")
