"""Backend protocol and the torch implementation: tokenize → generate → decode.

This is the only module that imports torch (and transformers' model classes); it does so
lazily, so importing it costs nothing until a model is loaded.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from service.errors import ModelNotReady
from service.models.families import Family, family_of
from service.models.registry import ModelSpec, Task

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationOptions:
    """How to decode one segment; segments with equal options can share a batch."""

    task: Task
    num_beams: int = 1
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0


class LoadedModel(Protocol):
    """A model ready to generate; called from one thread at a time (its batcher's worker)."""

    name: str
    device: str
    nbytes: int
    family: Family

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[str]:
        """One output per input, in order."""
        ...

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """Source tokens of each text as this model's tokenizer counts them."""
        ...


class Backend(Protocol):
    """Loads models from local folders."""

    def load(self, spec: ModelSpec, folder: Path) -> LoadedModel:
        """Load `spec` from `folder`."""
        ...

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """Memory `spec` will take once loaded, known before loading it."""
        ...


class SourceTooLong(ValueError):
    """A segment is over the model's source limit; the chunker must split it first."""


class TorchModel:
    """A transformers seq2seq model and its tokenizer."""

    def __init__(self, spec: ModelSpec, model: Any, tokenizer: Any, device: str) -> None:
        self.name = spec.name
        self.family = family_of(spec.family)
        self.device = device
        self._model = model
        self._tokenizer = tokenizer
        self._drop = self.family.drop_ids(tokenizer)
        # Request threads count tokens while the worker encodes; some families set the
        # language on the tokenizer first, so setting and encoding must not interleave.
        self._tokenizer_lock = threading.Lock()
        self.nbytes = sum(p.numel() * p.element_size() for p in model.parameters())

    def _encode(self, texts: Sequence[str], task: Task) -> Any:
        with self._tokenizer_lock:
            self.family.prepare_tokenizer(self._tokenizer, task)
            prefix = self.family.prefix(task)
            return self._tokenizer([prefix + t for t in texts], return_tensors="pt", padding=True)

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """Token counts including special tokens."""
        with self._tokenizer_lock:
            self.family.prepare_tokenizer(self._tokenizer, task)
            prefix = self.family.prefix(task)
            encoded = self._tokenizer([prefix + t for t in texts], add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[str]:
        """Greedy or beam search over one padded batch."""
        import torch

        batch = self._encode(texts, options.task)
        longest = int(batch["input_ids"].shape[1])
        if longest > self.family.source_token_limit:
            raise SourceTooLong(
                f"{longest} source tokens, over {self.name}'s limit of "
                f"{self.family.source_token_limit}"
            )
        batch = {key: value.to(self.device) for key, value in batch.items()}
        # Past the family's target limit a model only rambles (or runs out of positions).
        max_new = min(options.max_new_tokens, self.family.target_token_limit)
        kwargs: dict[str, Any] = {
            "num_beams": options.num_beams,
            "max_new_tokens": max_new,
            "do_sample": False,
        }
        if options.min_new_tokens:
            kwargs["min_new_tokens"] = min(options.min_new_tokens, max_new)
        if options.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = options.no_repeat_ngram_size
        if options.num_beams > 1:
            kwargs["length_penalty"] = options.length_penalty
        forced = self.family.forced_bos_token_id(self._tokenizer, options.task)
        if forced is not None:
            kwargs["forced_bos_token_id"] = forced
        with torch.inference_mode():
            output = self._model.generate(**batch, **kwargs)
        sequences = [[t for t in row if t not in self._drop] for row in output.tolist()]
        with self._tokenizer_lock:
            decoded: list[str] = self._tokenizer.batch_decode(sequences, skip_special_tokens=True)
        return [text.strip() for text in decoded]


_threads_lock = threading.Lock()


class TorchBackend:
    """Loads transformers models with from_pretrained on one device and dtype."""

    def __init__(self, device: str = "auto", dtype: str = "auto", threads: int = 0) -> None:
        self._device_setting = device
        self._dtype_setting = dtype
        self._threads = threads or (os.cpu_count() or 1)
        self._configured = False

    def _configure(self) -> None:
        """Set torch's thread count once, before the first model loads."""
        import torch

        with _threads_lock:
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

    def dtype(self, device: str, family: Family | None = None) -> torch.dtype:
        """fp32 on CPU; on CUDA fp16 by default, bf16 (or fp32) for families that overflow in fp16."""
        import torch

        if not device.startswith("cuda"):
            if self._dtype_setting not in ("auto", "float32"):
                log.warning("TARJOMAN_DTYPE=%s applies on CUDA only; CPU runs fp32", self._dtype_setting)
            return torch.float32
        if self._dtype_setting == "auto":
            if family is None or family.fp16_safe:
                return torch.float16
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[
            self._dtype_setting
        ]

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """The size of the weight files: what the parameters take in the dtype they were saved."""
        patterns = ("*.safetensors", "pytorch_model*.bin")
        return sum(path.stat().st_size for pattern in patterns for path in folder.glob(pattern))

    def load(self, spec: ModelSpec, folder: Path) -> TorchModel:
        """from_pretrained from a local folder, never from the network."""
        self._configure()
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        device = self.device()
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForSeq2SeqLM.from_pretrained(
            folder, local_files_only=True, dtype=self.dtype(device, family_of(spec.family))
        )
        model.to(device)
        model.eval()
        log.info("loaded %s from %s on %s", spec.name, folder, device)
        return TorchModel(spec, model, tokenizer, device)
