"""FakeBackend: deterministic stand-in models that count what they compute."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from service.models.backend import GenerationOptions
from service.models.families import Family, family_of
from service.models.registry import ModelSpec, Task

Transform = Callable[[str, GenerationOptions], str]


def tag_target(text: str, options: GenerationOptions) -> str:
    """Default fake output: the text marked with its target language."""
    return f"[{options.task.target}] {text}"


def identity(text: str, options: GenerationOptions) -> str:
    """Output equals input: for lossless round-trip tests."""
    return text


class FakeModel:
    """A model whose output is a pure function of its input."""

    def __init__(self, spec: ModelSpec, transform: Transform, backend: FakeBackend) -> None:
        self.name = spec.name
        self.family: Family = family_of(spec.family)
        self.device = "cpu"
        self.nbytes = backend.nbytes
        self._transform = transform
        self._backend = backend

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[str]:
        """Transform each text; record the batch."""
        self._backend.record(self.name, list(texts))
        if self._backend.fail_with is not None:
            raise self._backend.fail_with
        return [self._transform(text, options) for text in texts]

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """One token per whitespace-separated word, plus one for the end."""
        return [len(text.split()) + 1 for text in texts]


class FakeBackend:
    """Loads FakeModels and counts loads and generated segments."""

    def __init__(self, transform: Transform = tag_target, nbytes: int = 1000) -> None:
        self.transform = transform
        self.nbytes = nbytes
        self.loads: list[str] = []
        self.batches: list[tuple[str, list[str]]] = []
        self.fail_with: Exception | None = None
        self._lock = threading.Lock()

    def load(self, spec: ModelSpec, folder: Path) -> FakeModel:
        """Make a fake model; the folder is not read."""
        with self._lock:
            self.loads.append(spec.name)
        return FakeModel(spec, self.transform, self)

    def record(self, name: str, texts: list[str]) -> None:
        """Note one generate call."""
        with self._lock:
            self.batches.append((name, texts))

    @property
    def segments_computed(self) -> int:
        """How many segments went through generate()."""
        return sum(len(texts) for _, texts in self.batches)
