"""The torch runtime: transformers seq2seq models, fp32/fp16/bf16 or dynamic int8 on CPU.

The only module that imports torch and transformers' model classes; it does so lazily, so
importing it costs nothing until a model is loaded.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import ModelNotReady
from service.models import checkpoint
from service.models.backend import Generation, GenerationOptions, SourceTooLong
from service.models.families import Family, family_of
from service.models.registry import ModelSpec, Task
from service.models.tokenizer import LIBRARY_LOCK, Tokenizer

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

QUANTIZATIONS = ("none", "int8")
# T5-family activations overflow fp16 (NaN output); those run bf16 on CUDA instead.
FP16_UNSAFE = frozenset({"mt5"})


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 of every Linear layer: int8 weights, activations quantized per batch.

    `torch.ao.quantization.quantize_dynamic`, not torchao's `quantize_`: on CPU without
    torch.compile it ran 2-3x fp32 where torchao's int8 config ran 0.8-1.4x (docs/runtimes.md).
    torch deprecates it in favour of torchao, hence the warnings kept quiet here.
    """
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantize: Any = torch.ao.quantization.quantize_dynamic  # untyped in torch
        return quantize(model, {torch.nn.Linear}, dtype=torch.qint8)


def _tensor_bytes(value: Any) -> int:
    import torch

    if isinstance(value, torch.Tensor):
        if hasattr(value, "__tensor_flatten__"):  # a tensor subclass (torchao's int8 weights)
            names, _ = value.__tensor_flatten__()
            return sum(_tensor_bytes(getattr(value, name)) for name in names)
        return int(value.numel() * value.element_size())
    if isinstance(value, tuple | list):  # torch.ao's packed parameters
        return sum(_tensor_bytes(item) for item in value)
    return 0


def model_bytes(model: Any) -> int:
    """What the weights take in memory as they are now (quantized or not), tied ones once."""
    seen: dict[int, Any] = {}
    for value in model.state_dict(keep_vars=True).values():
        seen.setdefault(id(value), value)
    return sum(_tensor_bytes(value) for value in seen.values())


class TorchModel:
    """A transformers seq2seq model and the shared tokenizer."""

    runtime = "torch"

    def __init__(
        self, spec: ModelSpec, model: Any, tokenizer: Tokenizer, device: str, threads: int
    ) -> None:
        self.name = spec.name
        self.family: Family = tokenizer.family
        self.quantization = spec.quantization
        self.device = device
        self.threads = threads
        self._model = model
        self.tokenizer = tokenizer
        self.nbytes = model_bytes(model)

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """Token counts including special tokens."""
        return self.tokenizer.count(texts, task)

    def _batch(self, texts: Sequence[str], task: Task) -> dict[str, torch.Tensor]:
        """Right-padded input ids and attention mask on the model's device."""
        import torch

        rows = self.tokenizer.encode(texts, task)
        longest = max(len(row) for row in rows)
        if longest > self.family.source_token_limit:
            raise SourceTooLong(
                f"{longest} source tokens, over {self.name}'s limit of "
                f"{self.family.source_token_limit}"
            )
        ids = torch.full((len(rows), longest), self.tokenizer.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), longest), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[i, : len(row)] = 1
        return {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}

    def _kwargs(self, options: GenerationOptions, max_new: int) -> dict[str, Any]:
        """Runtime-neutral options as transformers' generate() arguments."""
        beams = max(options.num_beams, options.num_alternatives)
        kwargs: dict[str, Any] = {
            "num_beams": beams,
            "max_new_tokens": max_new,
            "do_sample": False,
            # Checkpoints that force an end of sentence at the limit hide a cut output (and
            # CTranslate2 does not force one): the limit must show, as `hit_limit`.
            "forced_eos_token_id": None,
        }
        if options.num_alternatives > 1:
            kwargs["num_return_sequences"] = options.num_alternatives
        if options.min_new_tokens:
            kwargs["min_new_tokens"] = min(options.min_new_tokens, max_new)
        if options.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = options.no_repeat_ngram_size
        if beams > 1:
            kwargs["length_penalty"] = options.length_penalty
            kwargs["early_stopping"] = options.early_stopping
        forced = self.tokenizer.target_id(options.task)
        if forced is not None:
            kwargs["forced_bos_token_id"] = forced
        return kwargs

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[Generation]:
        """Greedy or beam search over one padded batch; n-best when alternatives are asked."""
        import torch

        batch = self._batch(texts, options.task)
        # Past the family's target limit a model only rambles (or runs out of positions).
        max_new = min(options.max_new_tokens, self.family.target_token_limit)
        with torch.inference_mode():
            output = self._model.generate(**batch, **self._kwargs(options, max_new))
        # transformers' rows start with the decoder start token; what follows is generated.
        rows = [row[1:] for row in output.tolist()]
        decoded = self.tokenizer.decode(rows)
        n = options.num_alternatives
        results = []
        for i in range(len(texts)):
            tokens, finished = self._length(rows[i * n])
            results.append(Generation.of(decoded[i * n : (i + 1) * n], tokens, finished, max_new))
        return results

    def _length(self, row: Sequence[int]) -> tuple[int, bool]:
        """Generated tokens up to the end of sentence, and whether there was one."""
        eos = self.tokenizer.eos_id
        if eos in row:
            return row.index(eos) + 1, True
        # A row without an end ran to the batch's longest: no padding in it (only finished rows
        # are padded), and a pad the model itself generated (mT5's pad is id 0) still counts.
        return len(row), False


class TorchBackend:
    """Loads transformers models with from_pretrained on one device and dtype."""

    def __init__(self, device: str = "auto", dtype: str = "auto", threads: int = 1) -> None:
        self._device_setting = device
        self._dtype_setting = dtype
        self._threads = threads
        self._configured = False
        self._lock = threading.Lock()

    def _configure(self) -> None:
        """Set torch's thread count once, before the first model loads."""
        import torch

        with self._lock:
            if not self._configured:
                torch.set_num_threads(self._threads)
                self._configured = True

    def device(self) -> str:
        """The device models go to; `cuda` without a GPU is refused, never silently CPU."""
        import torch

        if self._device_setting == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if self._device_setting.startswith("cuda") and not torch.cuda.is_available():
            raise ModelNotReady(
                "TARJOMAN_DEVICE=cuda but torch sees no CUDA device "
                f"(torch {torch.__version__}); use TARJOMAN_DEVICE=auto or cpu"
            )
        return self._device_setting

    def dtype(self, device: str, family: str | None = None) -> torch.dtype:
        """fp32 on CPU; on CUDA fp16 by default, bf16 (or fp32) for families that overflow fp16."""
        import torch

        if not device.startswith("cuda"):
            if self._dtype_setting not in ("auto", "float32"):
                log.warning("TARJOMAN_DTYPE=%s applies on CUDA only; CPU runs fp32", self._dtype_setting)
            return torch.float32
        if self._dtype_setting == "auto":
            if family not in FP16_UNSAFE:
                return torch.float16
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[
            self._dtype_setting
        ]

    def locate(self, spec: ModelSpec, models_dir: Path) -> Path | None:
        """The model's folder when it holds a config and weights."""
        folder = spec.folder(models_dir)
        return folder if folder is not None and checkpoint.is_complete(folder) else None

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """The weight files' size: what loading takes at its peak, int8 being made from fp32."""
        return checkpoint.weight_bytes(folder)

    def prepare(self, spec: ModelSpec, folder: Path) -> None:
        """Nothing to do: transformers loads the Hugging Face folder as it is."""

    def hub_files(self, spec: ModelSpec, files: Iterable[str]) -> list[str]:
        """Config, tokenizer and one weight format."""
        return checkpoint.pick_files(files)

    def load(self, spec: ModelSpec, folder: Path) -> TorchModel:
        """from_pretrained from a local folder, never from the network; int8 after loading."""
        if spec.quantization not in QUANTIZATIONS:
            raise ModelNotReady(
                f"{spec.name}: the torch runtime has no quantization {spec.quantization!r}; "
                f"it offers {', '.join(QUANTIZATIONS)}"
            )
        self._configure()
        device = self.device()
        if spec.quantization == "int8" and device != "cpu":
            raise ModelNotReady(f"{spec.name}: torch int8 runs on CPU only (device is {device})")
        family = family_of(spec.family)
        # One load at a time in the process: transformers' lazy imports are not thread-safe.
        with LIBRARY_LOCK:
            from transformers import AutoModelForSeq2SeqLM

            tokenizer = Tokenizer.from_folder(folder, family)
            model = AutoModelForSeq2SeqLM.from_pretrained(
                folder, local_files_only=True, dtype=self.dtype(device, spec.family)
            )
            model.to(device)
            model.eval()
            model.generation_config = owned_generation_config(model)
            if spec.quantization == "int8":
                model = quantize_int8(model)
        log.info("loaded %s (%s) from %s on %s", spec.name, spec.quantization, folder, device)
        return TorchModel(spec, model, tokenizer, device, self._threads)


def owned_generation_config(model: Any) -> Any:
    """The checkpoint's token ids and nothing else: every decoding option (lengths, beams,
    early stopping, n-gram and repetition rules, sampling, suppressed words) comes from the
    request's GenerationOptions, so a generation_config.json cannot contradict a request."""
    from transformers import GenerationConfig

    ids = {}
    for key in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"):
        value = getattr(model.config, key, None)
        ids[key] = getattr(model.generation_config, key, None) if value is None else value
    present = {key: value for key, value in ids.items() if value is not None}
    return GenerationConfig(**present)  # type: ignore[no-untyped-call]


def make_backend(device: str, dtype: str, threads: int) -> TorchBackend:
    """The runtime registry's constructor."""
    return TorchBackend(device, dtype, threads)
