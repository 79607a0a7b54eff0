"""CTranslate2 device, compute type and threads from the settings (pure; no ctranslate2 here)."""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import ModelNotReady

# What `quantization` may be for the ctranslate2 runtime: `none` keeps the weights' precision
# (fp32 on CPU; fp16, or bf16 for mT5, on CUDA, as the torch runtime), the others are
# CTranslate2's own compute types.
QUANTIZATIONS = (
    "none",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float32",
    "float16",
    "bfloat16",
)
# T5-family activations overflow fp16 (NaN output); those run bf16 on CUDA instead.
FP16_UNSAFE = frozenset({"mt5"})


@dataclass(frozen=True)
class Placement:
    """Where and how a CTranslate2 model runs."""

    device: str  # "cpu" or "cuda"
    device_index: int
    compute_type: str
    intra_threads: int
    inter_threads: int

    @property
    def name(self) -> str:
        """As /v1/models shows it: cpu, cuda:0."""
        return "cpu" if self.device == "cpu" else f"{self.device}:{self.device_index}"


def pick_device(setting: str, cuda_devices: int) -> tuple[str, int]:
    """`auto` takes CUDA when CTranslate2 sees a GPU; `cuda` without one is refused, never CPU."""
    if setting == "auto":
        return ("cuda", 0) if cuda_devices > 0 else ("cpu", 0)
    if setting == "cpu":
        return "cpu", 0
    if setting.startswith("cuda"):
        _, _, index = setting.partition(":")
        device_index = int(index) if index else 0
        if device_index >= cuda_devices:
            raise ModelNotReady(
                f"TARJOMAN_DEVICE={setting} but CTranslate2 sees {cuda_devices} CUDA device(s); "
                "use TARJOMAN_DEVICE=auto or cpu"
            )
        return "cuda", device_index
    raise ModelNotReady(f"the ctranslate2 runtime runs on cpu or cuda, not {setting!r}")


def compute_type(quantization: str, device: str, family: str, dtype: str = "auto") -> str:
    """CTranslate2's compute type for a model entry's quantization on `device`."""
    if quantization not in QUANTIZATIONS:
        raise ModelNotReady(
            f"the ctranslate2 runtime has no quantization {quantization!r}; "
            f"it offers {', '.join(QUANTIZATIONS)}"
        )
    half = "bfloat16" if family in FP16_UNSAFE else "float16"
    if device == "cpu":
        if quantization == "none":
            return "float32"
        if "float16" in quantization:
            raise ModelNotReady(f"quantization {quantization} runs on CUDA only; on CPU use int8")
        return quantization
    if quantization == "none":
        # TARJOMAN_DTYPE, as for torch: an explicit choice is honoured.
        return dtype if dtype in ("float32", "float16", "bfloat16") else half
    if quantization == "int8":
        return f"int8_{half}"
    return quantization


def check_supported(compute: str, device: str, supported: set[str]) -> None:
    """Refuse a compute type the hardware lacks rather than let CTranslate2 pick another."""
    if compute not in supported:
        raise ModelNotReady(
            f"this {device} has no {compute} support in CTranslate2 "
            f"(it offers {', '.join(sorted(supported))}); choose another TARJOMAN_QUANTIZATION"
        )


def placement(
    quantization: str,
    family: str,
    *,
    device_setting: str,
    dtype: str,
    threads: int,
    cuda_devices: int,
) -> Placement:
    """Device, compute type and threads for one model.

    One batcher worker calls each model, one batch at a time, so one translator replica
    (`inter_threads` 1) with all the compute threads this worker may use (`intra_threads`, the
    same figure the torch runtime gives torch) is what fits; more replicas would oversubscribe.
    """
    device, index = pick_device(device_setting, cuda_devices)
    compute = compute_type(quantization, device, family, dtype)
    intra = max(1, threads) if device == "cpu" else 1
    return Placement(device, index, compute, intra_threads=intra, inter_threads=1)
