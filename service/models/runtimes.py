"""The runtime registry: each model goes to the backend of the runtime its entry names."""

# A runtime is one module under service/models/ with `QUANTIZATIONS` (what `quantization` may
# be) and `make_backend(device, dtype, threads) -> Backend`, registered by one line in RUNTIMES.
# Modules import their library lazily, so importing them here costs nothing.

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from service.errors import ModelNotReady
from service.models.backend import Backend, LoadedModel
from service.models.registry import ModelSpec, Profile
from service.settings import SettingsError

RUNTIMES: dict[str, str] = {
    "torch": "service.models.torch_runtime",
    "ctranslate2": "service.models.ct2_runtime",
}


@dataclass(frozen=True)
class RuntimeConfig:
    """What every runtime is built with: device, CUDA precision and compute threads."""

    device: str = "auto"
    dtype: str = "auto"
    threads: int = 1


def _module(runtime: str) -> ModuleType:
    if runtime not in RUNTIMES:
        raise ModelNotReady(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")
    return importlib.import_module(RUNTIMES[runtime])


def quantizations(runtime: str) -> tuple[str, ...]:
    """The quantizations `runtime` offers."""
    return tuple(_module(runtime).QUANTIZATIONS)


def check_profile(profile: Profile) -> None:
    """Every model names a known runtime and a quantization it offers; else a SettingsError."""
    for spec in profile.models:
        if spec.runtime not in RUNTIMES:
            raise SettingsError(
                f"model {spec.name}: unknown runtime {spec.runtime!r} (from models.toml or "
                f"TARJOMAN_RUNTIME); known: {', '.join(RUNTIMES)}"
            )
        try:
            offered = quantizations(spec.runtime)
        except ImportError:  # readiness and 503s say so, naming the runtime
            continue
        if spec.quantization not in offered:
            raise SettingsError(
                f"model {spec.name}: the {spec.runtime} runtime has no quantization "
                f"{spec.quantization!r} (from models.toml or TARJOMAN_QUANTIZATION); "
                f"it offers {', '.join(offered)}"
            )


class Runtimes:
    """A Backend that hands each model to its runtime's backend, built on first use."""

    def __init__(self, config: RuntimeConfig) -> None:
        self._config = config
        self._backends: dict[str, Backend] = {}
        self._lock = threading.Lock()

    @property
    def config(self) -> RuntimeConfig:
        """What every backend is built with."""
        return self._config

    def backend(self, runtime: str) -> Backend:
        """The backend of `runtime`; 503 naming it when it is unknown or not installed."""
        with self._lock:
            if runtime not in self._backends:
                config = self._config
                try:
                    self._backends[runtime] = _module(runtime).make_backend(
                        config.device, config.dtype, config.threads
                    )
                except ImportError as exc:
                    raise ModelNotReady(
                        f"the {runtime} runtime cannot be used here: {exc}", retry_after=60
                    ) from exc
            return self._backends[runtime]

    def locate(self, spec: ModelSpec, models_dir: Path) -> Path | None:
        """Where the model's runtime finds its files."""
        return self.backend(spec.runtime).locate(spec, models_dir)

    def estimate_bytes(self, spec: ModelSpec, folder: Path) -> int:
        """The runtime's estimate."""
        return self.backend(spec.runtime).estimate_bytes(spec, folder)

    def load(self, spec: ModelSpec, folder: Path) -> LoadedModel:
        """Loaded by the model's runtime."""
        return self.backend(spec.runtime).load(spec, folder)

    def prepare(self, spec: ModelSpec, folder: Path) -> None:
        """The model's runtime makes it loadable (CTranslate2 converts once)."""
        self.backend(spec.runtime).prepare(spec, folder)

    def hub_files(self, spec: ModelSpec, files: Iterable[str]) -> list[str]:
        """The files the model's runtime needs from the hub."""
        return self.backend(spec.runtime).hub_files(spec, files)
