"""The engine on CTranslate2: converts at preload only; 503s with reasons, never 500."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.app import create_app
from service.engine import Engine
from service.errors import ModelNotReady
from service.models import ct2_convert
from service.models.registry import Task, load_profile
from service.settings import Settings

FA_EN = Task("translate", "fa", "en")


@pytest.fixture
def models(tmp_path: Path, test_models_dir: Path) -> Path:
    """A private copy of the tiny models, never converted."""
    ignore = shutil.ignore_patterns("*.ctranslate2")
    shutil.copytree(test_models_dir / "tiny", tmp_path / "tiny", ignore=ignore)
    return tmp_path


@pytest.fixture
def engine_for(
    make_settings: Callable[..., Settings], models: Path
) -> Iterator[Callable[..., Engine]]:
    """Engines over the tiny-nllb profile on CTranslate2 int8; closed after the test."""
    built: list[Engine] = []

    def build(**overrides: object) -> Engine:
        values: dict[str, object] = {
            "profile": "tiny-nllb",
            "models_dir": models,
            "runtime": "ctranslate2",
            "quantization": "int8",
        }
        values.update(overrides)
        settings = make_settings(**values)
        engine = Engine(settings, load_profile(settings.models_file, "tiny-nllb"))
        built.append(engine)
        return engine

    yield build
    for engine in built:
        engine.close()


def _settled(engine: Engine, deadline_s: float = 120) -> None:
    """Wait (with a deadline) until the preload thread has finished."""
    deadline = time.monotonic() + deadline_s
    while not engine.readiness().ready and time.monotonic() < deadline:
        if all(not m.loading for m in engine.readiness().models.values()):
            return
        time.sleep(0.05)


def test_preload_converts_and_readiness_says_converting_meanwhile(
    engine_for: Callable[..., Engine], models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = ct2_convert.convert_isolated

    def slow(folder: Path, quantization: str) -> Path:
        release.wait(60)
        return real(folder, quantization)

    monkeypatch.setattr(ct2_convert, "convert_isolated", slow)
    engine = engine_for(preload=["tiny-nllb"])
    engine.start_preload()
    deadline = time.monotonic() + 30
    while engine.readiness().models["tiny-nllb"].reason != "converting":
        assert time.monotonic() < deadline, engine.readiness().to_json()
        time.sleep(0.02)
    assert engine.readiness().ready is False
    release.set()
    _settled(engine)
    readiness = engine.readiness()
    assert readiness.ready, readiness.to_json()
    assert ct2_convert.find_converted(models / "tiny" / "nllb", "int8") is not None


def test_an_unconverted_model_is_a_503_naming_it_and_the_command(
    engine_for: Callable[..., Engine], models: Path
) -> None:
    engine = engine_for(preload=[])
    client = create_app(engine.settings, engine=engine).test_client()
    response = client.post("/v1/translate", json={"text": "سلام", "source": "fa", "target": "en"})
    assert response.status_code == 503, response.text
    message = response.get_json()["error"]["message"]
    assert "tiny-nllb" in message
    assert "tarjoman models convert" in message
    assert response.headers["Retry-After"]
    # Never converted at request time.
    assert ct2_convert.find_converted(models / "tiny" / "nllb", "int8") is None


def test_a_failed_conversion_makes_readyz_false_and_503s_with_the_reason(
    engine_for: Callable[..., Engine], models: Path
) -> None:
    (models / "tiny" / "nllb" / "config.json").write_text('{"model_type": "no-such-model"}')
    engine = engine_for(preload=["tiny-nllb"])
    engine.start_preload()
    _settled(engine)
    state = engine.readiness().models["tiny-nllb"]
    assert (state.ready, state.missing) == (False, False)
    assert "could not convert" in state.reason
    client = create_app(engine.settings, engine=engine).test_client()
    assert client.get("/readyz").status_code == 503
    response = client.post("/v1/translate", json={"text": "hello", "source": "en", "target": "fa"})
    assert response.status_code == 503
    assert "could not be converted" in response.get_json()["error"]["message"]


def test_ctranslate2_not_importable_is_a_reason_not_a_crash(
    engine_for: Callable[..., Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)
    monkeypatch.setitem(sys.modules, "ctranslate2.converters", None)
    engine = engine_for(preload=["tiny-nllb"])
    engine.start_preload()
    _settled(engine)
    state = engine.readiness().models["tiny-nllb"]
    assert state.ready is False
    assert "ctranslate2" in state.reason
    with pytest.raises(ModelNotReady, match="ctranslate2"):
        engine.count_tokens(engine.profile.require(FA_EN), ["سلام"], FA_EN)
