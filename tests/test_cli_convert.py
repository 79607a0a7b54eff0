"""`tarjoman models convert` and `models list` with CTranslate2 models, on the tiny models."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from service.cli import main
from service.models import ct2_convert


@pytest.fixture
def models(tmp_path: Path, test_models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the tiny models and the settings that point at it (ct2 int8)."""
    ignore = shutil.ignore_patterns("*.ctranslate2")
    shutil.copytree(test_models_dir / "tiny", tmp_path / "tiny", ignore=ignore)
    for name in list(os.environ):
        if name.startswith("TARJOMAN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TARJOMAN_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("TARJOMAN_RUNTIME", "ctranslate2")
    monkeypatch.setenv("TARJOMAN_QUANTIZATION", "int8")
    return tmp_path


def test_convert_converts_every_model_of_the_profile_once(
    models: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["models", "list", "--profile", "tiny-m2m100"]) == 0
    assert "not converted: `tarjoman models convert`" in capsys.readouterr().out
    assert main(["models", "convert", "--profile", "tiny-m2m100"]) == 0
    out = capsys.readouterr().out
    assert "tiny-m2m100: ready for ctranslate2 (int8)" in out
    assert "tiny-bart: ready for ctranslate2 (int8)" in out
    for name in ("m2m100", "bart"):
        assert ct2_convert.find_converted(models / "tiny" / name, "int8") is not None
    assert main(["models", "list", "--profile", "tiny-m2m100"]) == 0
    assert "(converted)" in capsys.readouterr().out

    def refuse(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2_convert, "_run_converter", refuse)
    assert main(["models", "convert", "--profile", "tiny-m2m100"]) == 0


def test_convert_one_model_by_name(models: Path) -> None:
    assert main(["models", "convert", "--profile", "tiny-nllb", "--model", "tiny-nllb"]) == 0
    assert ct2_convert.find_converted(models / "tiny" / "nllb", "int8") is not None
    assert ct2_convert.find_converted(models / "tiny" / "mt5", "int8") is None


def test_a_missing_or_broken_model_fails_the_command_with_the_reason(
    models: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(models / "tiny" / "mt5")
    (models / "tiny" / "nllb" / "config.json").write_text('{"model_type": "no-such-model"}')
    assert main(["models", "convert", "--profile", "tiny-nllb"]) == 1
    err = capsys.readouterr().err
    assert "tiny-mt5" in err
    assert "tarjoman models build-test" in err
    assert "could not convert" in err
