"""The CTranslate2 runtime: converted models, the shared tokenizer, translate_batch for all families.

With ct2_loaders, the only modules that import ctranslate2; they do so lazily, so importing this
one costs nothing until a model is loaded, and a missing library is a reason, not a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from service.errors import ModelNotReady
from service.models import checkpoint, ct2_convert
from service.models.backend import Generation, GenerationOptions, SourceTooLong
from service.models.ct2_device import QUANTIZATIONS, Placement, check_supported, placement
from service.models.families import Family, family_of
from service.models.registry import ModelSpec, Task
from service.models.tokenizer import LIBRARY_LOCK, Tokenizer

log = logging.getLogger(__name__)

__all__ = ["QUANTIZATIONS", "Ct2Backend", "Ct2Model", "make_backend"]

# Loaded bytes per stored byte: CTranslate2 keeps the weights in the compute type.
_WIDTH = {"int8": 1, "int16": 2, "float16": 2, "bfloat16": 2, "float32": 4}


def convert_hint(spec: ModelSpec) -> str:
    """The command that converts `spec`."""
    return f"`tarjoman models convert` (model {spec.name})"


class Ct2Model:
    """A CTranslate2 Translator and the shared tokenizer of the Hugging Face folder."""

    runtime = "ctranslate2"

    def __init__(
        self, spec: ModelSpec, translator: Any, tokenizer: Tokenizer, where: Placement, nbytes: int
    ) -> None:
        self.name = spec.name
        self.family: Family = tokenizer.family
        self.quantization = spec.quantization
        self.compute_type = where.compute_type
        self.device = where.name
        self.threads = where.intra_threads
        self.nbytes = nbytes
        self.tokenizer = tokenizer
        self._translator = translator

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """Token counts including special tokens."""
        return self.tokenizer.count(texts, task)

    def _source(self, texts: Sequence[str], task: Task) -> list[list[str]]:
        rows = self.tokenizer.encode(texts, task)
        longest = max(len(row) for row in rows)
        if longest > self.family.source_token_limit:
            raise SourceTooLong(
                f"{longest} source tokens, over {self.name}'s limit of "
                f"{self.family.source_token_limit}"
            )
        return [self.tokenizer.to_tokens(row) for row in rows]

    def _prefix(self, task: Task, count: int) -> list[list[str]] | None:
        """The family's target-language token as CTranslate2's target prefix."""
        token = self.family.target_token(task)
        if token is None:
            return None
        self.tokenizer.target_id(task)  # refuses a token the vocabulary lacks
        return [[token] for _ in range(count)]

    def hypotheses(self, texts: Sequence[str], options: GenerationOptions) -> list[list[list[int]]]:
        """Output ids of each text's n-best, best first: target prefix, tokens, end token if any."""
        source = self._source(texts, options.task)
        prefix = self._prefix(options.task, len(texts))
        # max_decoding_length counts the prefix, as max_new_tokens counts a forced first token;
        # so does min_decoding_length, as min_new_tokens does.
        max_new = self.max_new_tokens(options)
        n = max(1, options.num_alternatives)
        beams = max(options.num_beams, n)
        results = self._translator.translate_batch(
            source,
            prefix,
            beam_size=beams,
            num_hypotheses=n,
            max_decoding_length=max_new,
            min_decoding_length=min(options.min_new_tokens, max_new),
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            length_penalty=options.length_penalty if beams > 1 else 1.0,
            return_end_token=True,
            max_input_length=0,  # never truncate: an over-long source was refused above
        )
        return [[self.tokenizer.to_ids(tokens) for tokens in r.hypotheses] for r in results]

    def max_new_tokens(self, options: GenerationOptions) -> int:
        """The new-token limit: the option, capped by the family's target limit."""
        return min(options.max_new_tokens, self.family.target_token_limit)

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[Generation]:
        """Greedy or beam search over one batch; n-best when alternatives are asked."""
        limit = self.max_new_tokens(options)
        return [self._generation(rows, limit) for rows in self.hypotheses(texts, options)]

    def _generation(self, rows: Sequence[Sequence[int]], limit: int) -> Generation:
        """New tokens as torch counts them: the language token and the end of sentence included."""
        best = rows[0]
        finished = bool(best) and best[-1] == self.tokenizer.eos_id
        return Generation.of(self.tokenizer.decode(rows), len(best), finished, limit)


class Ct2Backend:
    """Loads converted models; converts only when asked (download, convert, preload)."""

    def __init__(self, device: str = "auto", dtype: str = "auto", threads: int = 1) -> None:
        self._device_setting = device
        self._dtype_setting = dtype
        self._threads = threads
        # Why a model's last conversion failed: its requests' 503s say so, not just "convert it".
        self._failures: dict[tuple[str, str], str] = {}

    def placement(self, spec: ModelSpec) -> Placement:
        """Device, compute type and threads for `spec`, checked against the hardware."""
        ctranslate2 = _library()
        where = placement(
            spec.quantization,
            spec.family,
            device_setting=self._device_setting,
            dtype=self._dtype_setting,
            threads=self._threads,
            cuda_devices=int(ctranslate2.get_cuda_device_count()),
        )
        supported = set(ctranslate2.get_supported_compute_types(where.device))
        check_supported(where.compute_type, where.device, supported)
        return where

    def locate(self, spec: ModelSpec, models_dir: Path) -> Path | None:
        """The Hugging Face folder (tokenizer, and weights or a conversion of them), else None."""
        folder = spec.folder(models_dir)
        if folder is None or not (folder / "config.json").is_file():
            return None
        if checkpoint.is_complete(folder):
            return folder
        converted = ct2_convert.find_converted(folder, spec.quantization)
        return folder if converted is not None else None

    def converted(self, spec: ModelSpec, folder: Path) -> Path | None:
        """The converted folder for `spec`, or None when it must be converted first."""
        try:
            return ct2_convert.find_converted(folder, spec.quantization)
        except ct2_convert.ConversionError as exc:
            raise ModelNotReady(f"{spec.name}: {exc}", retry_after=60) from exc

    def prepare(self, spec: ModelSpec, folder: Path) -> None:
        """Convert `spec` when its conversion is missing (download, convert and preload only)."""
        key = (spec.name, spec.quantization)
        self.placement(spec)  # not installed, or no such device: say so before converting
        try:
            ct2_convert.convert_isolated(folder, spec.quantization)
        except ct2_convert.ConversionError as exc:
            self._failures[key] = str(exc)
            raise ModelNotReady(f"{spec.name}: {exc}", retry_after=60) from exc
        self._failures.pop(key, None)

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """The converted weights in the compute type (the Hugging Face ones before conversion)."""
        converted = ct2_convert.find_converted(folder, spec.quantization)
        if converted is not None:
            stored = (converted / ct2_convert.MODEL_FILE).stat().st_size
            return _loaded_bytes(stored, _stored_type(converted), _compute(spec, self))
        return _loaded_bytes(checkpoint.weight_bytes(folder), "float32", _compute(spec, self))

    def hub_files(self, spec: ModelSpec, files: Iterable[str]) -> list[str]:
        """Config, tokenizer and one weight format: conversion runs here, from those."""
        return checkpoint.pick_files(files)

    def load(self, spec: ModelSpec, folder: Path) -> Ct2Model:
        """A Translator over the converted folder; an unconverted model is a 503, not a conversion."""
        where = self.placement(spec)  # a missing library or device first: that is the reason
        converted = self.converted(spec, folder)
        if converted is None:
            failure = self._failures.get((spec.name, spec.quantization))
            if failure is not None:
                raise ModelNotReady(
                    f"{spec.name} could not be converted for CTranslate2: {failure}; "
                    f"fix that and run {convert_hint(spec)}",
                    retry_after=60,
                )
            raise ModelNotReady(
                f"{spec.name} is not converted for CTranslate2 ({spec.quantization}) yet; "
                f"it converts at preload, or run {convert_hint(spec)}",
                retry_after=60,
            )
        ctranslate2 = _library()
        with LIBRARY_LOCK:
            tokenizer = Tokenizer.from_folder(folder, family_of(spec.family))
        translator = ctranslate2.Translator(
            str(converted),
            device=where.device,
            device_index=where.device_index,
            compute_type=where.compute_type,
            intra_threads=where.intra_threads,
            inter_threads=where.inter_threads,
        )
        stored = (converted / ct2_convert.MODEL_FILE).stat().st_size
        nbytes = _loaded_bytes(stored, _stored_type(converted), where.compute_type)
        log.info(
            "loaded %s (ctranslate2 %s) from %s on %s",
            spec.name,
            where.compute_type,
            converted,
            where.name,
        )
        return Ct2Model(spec, translator, tokenizer, where, nbytes)


def _library() -> Any:
    """ctranslate2, or a 503 reason naming what is wrong."""
    try:
        import ctranslate2
    except ImportError as exc:
        raise ModelNotReady(
            f"the ctranslate2 runtime is not installed here ({exc}); "
            "install ctranslate2 or set TARJOMAN_RUNTIME=torch",
            retry_after=60,
        ) from exc
    return ctranslate2


def _compute(spec: ModelSpec, backend: Ct2Backend) -> str:
    try:
        return backend.placement(spec).compute_type
    except ModelNotReady:
        return "float32"


def _stored_type(converted: Path) -> str:
    """The precision the converter stored the weights in (from our note)."""
    note = converted / ct2_convert.SOURCE_NOTE
    quantization = (
        ct2_convert.read_note(note).get("quantization", "none") if note.is_file() else "none"
    )
    return "float32" if quantization == "none" else quantization


def _width(kind: str) -> int:
    return _WIDTH.get(kind.split("_")[0], 4)


def _loaded_bytes(stored: int, stored_type: str, compute_type: str) -> int:
    """Stored bytes scaled from the stored precision's width to the compute type's."""
    return max(1, stored * _width(compute_type) // _width(stored_type))


def make_backend(device: str, dtype: str, threads: int) -> Ct2Backend:
    """The runtime registry's constructor."""
    return Ct2Backend(device, dtype, threads)
