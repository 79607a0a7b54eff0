"""Shared fixtures: settings for the tiny profile, test data, fake and real engines."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.models.registry import load_profile
from service.settings import PROJECT_ROOT, Settings
from tests.fakes import FakeBackend

DATA_DIR = Path(os.environ.get("TARJOMAN_TEST_DATA", PROJECT_ROOT.parent / "shared" / "data"))
TEST_MODELS = Path(os.environ.get("TARJOMAN_TEST_MODELS", PROJECT_ROOT / ".cache" / "test-models"))


@pytest.fixture(scope="session")
def test_models_dir() -> Path:
    """The folder holding tiny/<name> models, built if needed."""
    import sys

    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    import make_test_models

    make_test_models.main(["--out", str(TEST_MODELS)])
    return TEST_MODELS


def data_file(relative: str) -> Path:
    """A file of the shared test data, or skip the test with the reason."""
    path = DATA_DIR / relative
    if not path.is_file():
        pytest.skip(
            f"test data {path} is absent (set TARJOMAN_TEST_DATA to the shared data folder)"
        )
    return path


@pytest.fixture
def irna_text() -> str:
    """The IRNA article, the service's defining input."""
    return data_file("irna-kuwait-2017-fa.txt").read_text(encoding="utf-8")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for the tiny profile with no preload, overridable per test."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "profile": "tiny",
            "models_dir": TEST_MODELS,
            "preload": [],
            "max_new_tokens": 8,
            "torch_threads": 1,
            "jobs_dir": tmp_path / "jobs",
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def fake_backend() -> FakeBackend:
    """A backend of deterministic fake models."""
    return FakeBackend()


@pytest.fixture
def fake_engine(
    make_settings: Callable[..., Settings], fake_backend: FakeBackend, test_models_dir: Path
) -> Engine:
    """An engine over the tiny profile whose models are fakes."""
    settings = make_settings()
    return Engine(settings, load_profile(settings.models_file, "tiny"), fake_backend)


@pytest.fixture
def make_engine(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> Iterator[Callable[..., tuple[Engine, FakeBackend]]]:
    """Engines over fake models with any settings, each with its backend; closed after the test."""
    built: list[Engine] = []

    def build(**overrides: object) -> tuple[Engine, FakeBackend]:
        settings = make_settings(**overrides)
        backend = FakeBackend()
        engine = Engine(settings, load_profile(settings.models_file, "tiny"), backend)
        built.append(engine)
        return engine, backend

    yield build
    for engine in built:
        engine.close()


@pytest.fixture
def app(make_settings: Callable[..., Settings], fake_engine: Engine) -> Flask:
    """The app over the fake engine."""
    return create_app(fake_engine.settings, engine=fake_engine)


@pytest.fixture
def make_app(make_settings: Callable[..., Settings], fake_engine: Engine) -> Callable[..., Flask]:
    """Apps over the fake engine with any settings (the same data folder each time)."""

    def build(**overrides: Any) -> Flask:
        return create_app(make_settings(**overrides), engine=fake_engine)

    return build


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()
