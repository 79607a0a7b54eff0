"""ModelCache: load each model once, however many requests ask for it at the same time."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from service.errors import ModelNotReady
from service.models.backend import Backend, LoadedModel
from service.models.registry import ModelSpec


@dataclass
class CacheEntry:
    """A loaded model and when it was last used."""

    model: LoadedModel
    load_seconds: float
    last_used: float


class ModelCache:
    """Loaded models by name; concurrent first requests for a model share one load."""

    def __init__(self, backend: Backend, models_dir: Path) -> None:
        self._backend = backend
        self._models_dir = models_dir
        self._entries: dict[str, CacheEntry] = {}
        self._loading: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, spec: ModelSpec) -> LoadedModel:
        """The loaded model for `spec`, loading it on first use."""
        entry = self._entries.get(spec.name)
        if entry is None:
            entry = self._load(spec)
        entry.last_used = time.time()
        return entry.model

    def _load(self, spec: ModelSpec) -> CacheEntry:
        with self._lock:
            load_lock = self._loading.setdefault(spec.name, threading.Lock())
        with load_lock:
            entry = self._entries.get(spec.name)
            if entry is not None:
                return entry
            folder = spec.local_dir(self._models_dir)
            if folder is None:
                raise ModelNotReady(
                    f"the weights of {spec.name} are not in {self._models_dir}; "
                    "run `tarjoman models download` to fetch them",
                    retry_after=60,
                )
            started = time.perf_counter()
            model = self._backend.load(spec, folder)
            entry = CacheEntry(model, time.perf_counter() - started, time.time())
            self._entries[spec.name] = entry
            return entry

    def peek(self, name: str) -> CacheEntry | None:
        """The entry of a loaded model, without loading or touching it."""
        return self._entries.get(name)
