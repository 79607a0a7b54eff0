"""The runtime registry: routing by a model's runtime, overrides, and runtimes that cannot run."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from service.app import create_app
from service.engine import Engine
from service.errors import ModelNotReady
from service.models import runtimes
from service.models.registry import ModelSpec, Task, load_profile
from service.models.runtimes import RuntimeConfig, Runtimes, check_profile
from service.models.torch_runtime import TorchBackend
from service.settings import Settings, SettingsError

FA_EN = Task("translate", "fa", "en")


def test_a_model_goes_to_the_backend_of_its_runtime(test_models_dir: Path) -> None:
    routed = Runtimes(RuntimeConfig("cpu", "auto", 1))
    spec = ModelSpec("m", "marian", (FA_EN,), path="tiny/marian-fa-en")
    assert isinstance(routed.backend("torch"), TorchBackend)
    assert routed.backend("torch") is routed.backend("torch")
    assert routed.locate(spec, test_models_dir) == test_models_dir / "tiny" / "marian-fa-en"
    model = routed.load(spec, test_models_dir / "tiny" / "marian-fa-en")
    assert (model.runtime, model.quantization, model.threads) == ("torch", "none", 1)


def test_an_unknown_runtime_is_503_naming_it() -> None:
    with pytest.raises(ModelNotReady, match="unknown runtime 'onnx'"):
        Runtimes(RuntimeConfig()).backend("onnx")


def test_the_settings_override_every_model_and_are_checked_at_start(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    settings = make_settings(quantization="int8")
    engine = Engine(settings, load_profile(settings.models_file, "tiny"))
    assert {s.quantization for s in engine.profile.models} == {"int8"}
    assert engine.profile.require(FA_EN).quantization == "int8"
    bad = make_settings(quantization="int8_float16")  # a CTranslate2 type, not torch's
    with pytest.raises(SettingsError, match=r"no quantization .int8_float16.*none, int8"):
        Engine(bad, load_profile(bad.models_file, "tiny"))


def test_check_profile_names_the_model_and_where_the_value_came_from() -> None:
    profile = load_profile(Settings().models_file, "tiny")
    from service.models.registry import with_runtime

    with pytest.raises(SettingsError, match=r"tiny-marian-fa-en.*TARJOMAN_QUANTIZATION"):
        check_profile(with_runtime(profile, quantization="float16"))


def test_a_runtime_that_is_not_installed_is_unready_and_503_never_500(
    make_settings: Callable[..., Settings],
    test_models_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(runtimes.RUNTIMES, "ctranslate2", "tests.missing_runtime")
    settings = make_settings(runtime="ctranslate2", preload=["tiny-marian-fa-en"])
    engine = Engine(settings, load_profile(settings.models_file, "tiny"))
    engine.start_preload()
    deadline = time.monotonic() + 60  # a bound, not a timing check
    while engine.readiness().models["tiny-marian-fa-en"].loading:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    readiness = engine.readiness()
    assert readiness.ready is False
    assert "ctranslate2" in readiness.models["tiny-marian-fa-en"].reason
    client = create_app(settings, engine=engine).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "ctranslate2" in ready.get_json()["models"]["tiny-marian-fa-en"]["reason"]
    response = client.post("/v1/translate", json={"text": "سلام", "source": "fa", "target": "en"})
    assert response.status_code == 503
    assert "ctranslate2" in response.get_json()["error"]["message"]
    assert response.headers.get("Retry-After")
    engine.close()


def test_default_threads_are_the_usable_cpus_shared_among_workers(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import engine as engine_module
    from service.engine import runtimes_for

    seen: list[int] = []

    def fake_threads(workers: int) -> int:
        seen.append(workers)
        return 3

    monkeypatch.setattr(engine_module, "compute_threads", fake_threads)
    assert runtimes_for(make_settings(torch_threads=0, workers=4)).config.threads == 3
    assert seen == [4]
    assert runtimes_for(make_settings(torch_threads=2)).config.threads == 2  # set: kept as is
