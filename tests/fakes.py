"""FakeBackend: deterministic stand-in models that count what they compute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from service.models import checkpoint
from service.models.backend import Generation, GenerationOptions
from service.models.families import Family, family_of
from service.models.registry import ModelSpec, Task

Transform = Callable[[str, GenerationOptions], str]


def tag_target(text: str, options: GenerationOptions) -> str:
    """Default fake output: the text marked with its target language."""
    return f"[{options.task.target}] {text}"


def identity(text: str, options: GenerationOptions) -> str:
    """Output equals input: for lossless round-trip tests."""
    return text


def _n_best(out: str, options: GenerationOptions) -> tuple[str, ...]:
    """The fake n-best: the output, then `out ~a`, `out ~b`... (none unless asked for; letters,
    which no digit localization changes)."""
    n = options.num_alternatives
    return (out, *(f"{out} ~{chr(96 + k)}" for k in range(1, n))) if n > 1 else ()


class FakeModel:
    """A model whose output is a pure function of its input."""

    def __init__(self, spec: ModelSpec, transform: Transform, backend: FakeBackend) -> None:
        self.name = spec.name
        self.family: Family = family_of(spec.family)
        self.runtime = spec.runtime
        self.quantization = spec.quantization
        self.device = "cpu"
        self.threads = 1
        self.nbytes = backend.bytes_of(spec.name)
        self._transform = transform
        self._backend = backend

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[Generation]:
        """Transform each text; record the batch (after waiting for the gate, when one is set)."""
        backend = self._backend
        backend.started.set()
        if backend.gate is not None:
            backend.gate.wait(timeout=30)
        if backend.delay:
            time.sleep(backend.delay)
        backend.record(self.name, list(texts), options)
        if backend.fail_with is not None:
            raise backend.fail_with
        outputs = [self._transform(text, options) for text in texts]
        cut = backend.hit_limit or (lambda text, options: False)
        generations = [
            backend.capped(out, options)
            or Generation(out, len(out.split()) + 1, cut(text, options), _n_best(out, options))
            for text, out in zip(texts, outputs, strict=True)
        ]
        return generations[: len(generations) - backend.drop_outputs]

    def count_tokens(self, texts: Sequence[str], task: Task) -> list[int]:
        """One token per whitespace-separated word, plus one for the end."""
        return [len(text.split()) + 1 for text in texts]


class FakeBackend:
    """Loads FakeModels and counts loads and generated segments."""

    def __init__(self, transform: Transform = tag_target, nbytes: int = 1000) -> None:
        self.transform = transform
        self.nbytes = nbytes
        self.nbytes_by_name: dict[str, int] = {}
        self.loads: list[str] = []
        self.batches: list[tuple[str, list[str]]] = []
        self.batch_options: list[GenerationOptions] = []
        self.fail_with: Exception | None = None
        self.drop_outputs = 0  # return this many outputs too few: a broken model
        self.delay = 0.0  # seconds each generate call takes
        self.load_delay = 0.0  # seconds each load takes
        self.load_gate: threading.Event | None = None  # when set, load waits for it
        # Which inputs come back flagged as stopped at the new-token limit (none by default).
        self.hit_limit: Callable[[str, GenerationOptions], bool] | None = None
        # Write at most this many tokens (a word each, the end of sentence one more), as a real
        # model stops at its limit: the rest is cut and the output says `hit_limit`. A fake,
        # because real weights cannot be downloaded on the machines that run the tests.
        self.max_tokens: int | None = None
        self.gate: threading.Event | None = None  # when set, generate waits for it
        self.started = threading.Event()  # set when a generate call begins
        self._lock = threading.Lock()

    def capped(self, output: str, options: GenerationOptions) -> Generation | None:
        """`output` cut to `max_tokens` (and the request's own limit) when it is longer."""
        if self.max_tokens is None:
            return None
        limit = min(self.max_tokens, options.max_new_tokens)
        words = output.split(" ")
        if len(words) + 1 <= limit:
            return Generation(output, len(words) + 1)
        return Generation(" ".join(words[:limit]), limit, hit_limit=True)

    def bytes_of(self, name: str) -> int:
        """The size a model of this name reports."""
        return self.nbytes_by_name.get(name, self.nbytes)

    def locate(self, spec: ModelSpec, models_dir: Path) -> Path | None:
        """Where a Hugging Face checkpoint of the model is, as the torch runtime finds it."""
        folder = spec.folder(models_dir)
        return folder if folder is not None and checkpoint.is_complete(folder) else None

    def prepare(self, spec: ModelSpec, folder: Path) -> None:
        """Nothing to prepare."""

    def hub_files(self, spec: ModelSpec, files: Iterable[str]) -> list[str]:
        """As the torch runtime picks them."""
        return checkpoint.pick_files(files)

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """Exactly what the model will report."""
        return self.bytes_of(spec.name)

    def load(self, spec: ModelSpec, folder: Path) -> FakeModel:
        """Make a fake model; the folder is not read."""
        if self.load_gate is not None:
            self.load_gate.wait(timeout=30)
        if self.load_delay:
            time.sleep(self.load_delay)
        with self._lock:
            self.loads.append(spec.name)
        return FakeModel(spec, self.transform, self)

    def record(self, name: str, texts: list[str], options: GenerationOptions | None = None) -> None:
        """Note one generate call."""
        with self._lock:
            self.batches.append((name, texts))
            if options is not None:
                self.batch_options.append(options)

    @property
    def segments_computed(self) -> int:
        """How many segments went through generate()."""
        return sum(len(texts) for _, texts in self.batches)
