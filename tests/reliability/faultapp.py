"""Test-only app factory: the real app and models, with loads and generates a test can hold.

Only the fault tests start gunicorn with `tests.reliability.faultapp:create_app()`; production
never imports this module. A real model cannot be made to hang or to load slowly on cue, so
this wraps the real backend: while the file `hold-load` (or `hold-generate`) exists in
$TARJOMAN_TEST_FAULTS_DIR, loading (or generating) waits, for at most HOLD_MAX_S. Entering
generate touches `in-generate`, so a test knows a request is inside the model.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from service.app import create_app as build_app
from service.engine import Engine, runtimes_for
from service.models.backend import Backend, Generation, GenerationOptions, LoadedModel
from service.models.registry import ModelSpec, load_profile
from service.settings import load_settings

FAULTS_DIR_ENV = "TARJOMAN_TEST_FAULTS_DIR"
HOLD_MAX_S = 120.0  # a test that forgets to release its hold still ends


def _hold(flag: Path) -> None:
    deadline = time.monotonic() + HOLD_MAX_S
    while flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class HeldModel:
    """A loaded model whose generate waits while `hold-generate` exists."""

    def __init__(self, inner: LoadedModel, folder: Path) -> None:
        self._inner = inner
        self._folder = folder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[Generation]:
        """Mark the entry, wait while held, then generate for real."""
        (self._folder / "in-generate").touch()
        _hold(self._folder / "hold-generate")
        return self._inner.generate(texts, options)


class HeldBackend:
    """A backend whose loads wait while `hold-load` exists; its models are HeldModels."""

    def __init__(self, inner: Backend, folder: Path) -> None:
        self._inner = inner
        self._folder = folder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def load(self, spec: ModelSpec, folder: Path) -> LoadedModel:
        """Wait while held, then load for real."""
        _hold(self._folder / "hold-load")
        return HeldModel(self._inner.load(spec, folder), self._folder)


def create_app() -> Flask:
    """The real app, its engine over the held torch backend, preloading as configured."""
    settings = load_settings()
    profile = load_profile(settings.models_file, settings.profile)
    held = HeldBackend(runtimes_for(settings), Path(os.environ[FAULTS_DIR_ENV]))
    engine = Engine(settings, profile, held)
    engine.start_preload()
    return build_app(settings, engine=engine)
