"""The runtime boundary: what a runtime loads, how it is asked to generate, what it returns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from service.models.families import Family
from service.models.registry import ModelSpec, Task


@dataclass(frozen=True)
class GenerationOptions:
    """How to decode one segment; segments with equal options can share a batch."""

    task: Task
    num_beams: int = 1
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0
    early_stopping: bool = True  # beam search ends once `num_beams` hypotheses are finished
    num_alternatives: int = 1  # n-best: beams are widened to at least this many


@dataclass(frozen=True)
class Generation:
    """One segment's output."""

    text: str
    tokens: int  # tokens generated, end of sentence included, language token excluded
    hit_limit: bool = False  # stopped at the new-token limit without an end of sentence
    alternatives: tuple[str, ...] = ()  # the n-best, distinct, best first (text among them)

    @classmethod
    def of(cls, hypotheses: Sequence[str], tokens: int, finished: bool, limit: int) -> Generation:
        """The result of one segment from its decoded hypotheses, best first (every runtime)."""
        return cls(
            text=hypotheses[0],
            tokens=tokens,
            hit_limit=not finished and tokens >= limit,
            alternatives=tuple(dict.fromkeys(hypotheses)) if len(hypotheses) > 1 else (),
        )


class SourceTooLong(ValueError):
    """A segment is over the model's source limit; the chunker must split it first."""


class LoadedModel(Protocol):
    """A model ready to generate; called from one thread at a time (its batcher's worker)."""

    name: str
    family: Family
    runtime: str
    quantization: str
    device: str
    threads: int
    nbytes: int

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[Generation]:
        """One output per input, in order."""
        ...

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """Source tokens of each text as this model's tokenizer counts them."""
        ...


class Backend(Protocol):
    """One runtime: where a model's files are, what it will weigh, and loading it."""

    def locate(self, spec: ModelSpec, models_dir: Path) -> Path | None:
        """The folder this runtime loads `spec` from, or None when its files are not there."""
        ...

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """Memory `spec` will take once loaded (quantized when it will be), before loading it."""
        ...

    def load(self, spec: ModelSpec, folder: Path) -> LoadedModel:
        """Load `spec` from `folder` (as `locate` returned it)."""
        ...

    def prepare(self, spec: ModelSpec, folder: Path) -> None:
        """Make `spec` loadable from `folder` (CTranslate2 converts); never at request time."""
        ...

    def hub_files(self, spec: ModelSpec, files: Iterable[str]) -> list[str]:
        """Which files of a hub repository listing this runtime needs to load `spec`."""
        ...
