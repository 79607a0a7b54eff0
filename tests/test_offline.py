"""Offline by default: real profiles served from the Hugging Face cache layout, sockets blocked."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from service.app import create_app
from service.engine import Engine
from service.errors import ModelNotReady
from service.models.registry import Profile, Task, load_profile
from service.models.torch_runtime import TorchBackend
from service.settings import PROJECT_ROOT, Settings
from tests.hubstub import Hub, Repo, folder_files, serve

DEFAULT = load_profile(PROJECT_ROOT / "models.toml", "default")
M2M = DEFAULT.spec("m2m100-418m")
BART = DEFAULT.spec("distilbart-cnn-12-6")
FA_EN = Task("translate", "fa", "en")
SUM_EN = Task("summarize", "en", "en")


def lay_out(cache: Path, repo_id: str, revision: str, files: dict[str, bytes]) -> Path:
    """Put files in Hugging Face's cache layout: blobs by hash, snapshot symlinks, refs/main."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir(exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    for name, data in files.items():
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        (snapshot / name).symlink_to(Path("../..") / "blobs" / blob.name)
    return snapshot


@pytest.fixture
def blocked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to open a network connection fails and is recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return attempts


def cache_with(test_models_dir: Path, cache: Path, *, m2m: bool, bart: bool) -> Path:
    """A models folder holding the tiny models under the default profile's real hub ids."""
    cache.mkdir(exist_ok=True)
    if m2m:
        files = folder_files(test_models_dir / "tiny" / "m2m100")
        lay_out(cache, "facebook/m2m100_418M", str(M2M.revision), files)
    if bart:
        files = folder_files(test_models_dir / "tiny" / "bart")
        lay_out(cache, "sshleifer/distilbart-cnn-12-6", str(BART.revision), files)
    return cache


def started(settings: Settings, profile: Profile) -> Iterator[Engine]:
    """An engine preloading its models with the torch backend, until preloading is over."""
    engine = Engine(settings, profile)
    engine.start_preload()
    deadline = time.monotonic() + 120  # a bound, not a timing check: failing it means a hang
    while time.monotonic() < deadline and any(
        m.loading for m in engine.readiness().models.values()
    ):
        time.sleep(0.05)
    yield engine
    close = getattr(engine, "close", None)
    if close is not None:
        close()


@pytest.fixture
def default_engine(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., Settings],
    test_models_dir: Path,
    tmp_path: Path,
    blocked: list[Any],
) -> Iterator[Engine]:
    """The `default` profile over a cache laid out per the test's `present` marker."""
    present = request.param
    cache = cache_with(
        test_models_dir, tmp_path / "hub", m2m="m2m" in present, bart="bart" in present
    )
    settings = make_settings(profile="default", models_dir=cache, preload=["all"])
    yield from started(settings, DEFAULT)


@pytest.mark.parametrize("default_engine", [("m2m", "bart")], indirect=True)
def test_default_profile_starts_and_translates_from_the_cache_with_no_network(
    default_engine: Engine, blocked: list[Any]
) -> None:
    engine = default_engine
    readiness = engine.readiness()
    assert readiness.ready is True, readiness
    assert {str(task) for task, state in readiness.tasks.items() if state.ready} == {
        "translate fa-en",
        "translate en-fa",
        "summarize en",
    }
    outputs = engine.generate(
        M2M, ["هوای تهران سرد بود.", "سلام."], engine.options_for(M2M, FA_EN), engine.deadline()
    )
    assert len(outputs) == 2
    assert all("__en__" not in o.text and "__fa__" not in o.text for o in outputs)
    client = create_app(engine.settings, engine=engine).test_client()
    assert client.get("/readyz").status_code == 200
    models = {m["name"]: m for m in client.get("/v1/models").get_json()["models"]}
    assert models["m2m100-418m"]["loaded"] is True
    assert models["m2m100-418m"]["licence"] == "MIT"
    assert models["m2m100-418m"]["revision"] == M2M.revision
    assert blocked == []  # not one connection attempted
    with pytest.raises(OSError, match="blocked"):  # and the guard does catch one
        socket.create_connection(("127.0.0.1", 9))
    assert len(blocked) == 1


@pytest.mark.parametrize("default_engine", [("m2m",)], indirect=True)
def test_a_missing_summarizer_leaves_translation_working(
    default_engine: Engine, blocked: list[Any]
) -> None:
    engine = default_engine
    client = create_app(engine.settings, engine=engine).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    summarize = body["tasks"]["summarize en"]
    assert summarize["ready"] is False
    assert summarize["model"] == "distilbart-cnn-12-6"
    assert "tarjoman models download --profile default" in summarize["reason"]
    assert body["tasks"]["translate fa-en"]["ready"] is True
    assert body["models"]["distilbart-cnn-12-6"]["missing"] is True

    translated = client.post(
        "/v1/translate",
        data=json.dumps({"text": "سلام دنیا.", "source": "fa", "target": "en"}),
        content_type="application/json",
    )
    assert translated.status_code == 200
    with pytest.raises(ModelNotReady, match="tarjoman models download"):
        engine.generate(BART, ["A text."], engine.options_for(BART, SUM_EN), engine.deadline())
    assert blocked == []


@pytest.mark.parametrize("default_engine", [("bart",)], indirect=True)
def test_a_missing_translator_gets_503_naming_the_download_command(
    default_engine: Engine, blocked: list[Any]
) -> None:
    engine = default_engine
    client = create_app(engine.settings, engine=engine).test_client()
    body = client.get("/readyz").get_json()
    assert body["tasks"]["translate fa-en"]["ready"] is False
    assert body["tasks"]["summarize en"]["ready"] is True
    response = client.post(
        "/v1/translate",
        data=json.dumps({"text": "سلام دنیا.", "source": "fa", "target": "en"}),
        content_type="application/json",
    )
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "model_not_ready"
    assert "tarjoman models download" in error["message"]
    assert response.headers.get("Retry-After")
    assert blocked == []


@pytest.mark.parametrize("default_engine", [()], indirect=True)
def test_with_no_weights_at_all_readyz_is_503_and_says_why(
    default_engine: Engine, blocked: list[Any]
) -> None:
    assert default_engine._preload_done.wait(60)  # preloading is over, not merely under way
    client = create_app(default_engine.settings, engine=default_engine).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert all(task["ready"] is False for task in body["tasks"].values())
    assert "tarjoman models download" in body["tasks"]["translate fa-en"]["reason"]
    assert blocked == []


def test_the_nllb_profile_says_non_commercial_at_start(
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    blocked: list[Any],
) -> None:
    settings = make_settings(profile="nllb", models_dir=tmp_path, preload=[])
    with caplog.at_level(logging.WARNING):
        app = create_app(settings)
    assert any("non-commercial" in record.getMessage() for record in caplog.records)
    licences = {
        m["name"]: m["licence"] for m in app.test_client().get("/v1/models").get_json()["models"]
    }
    assert "non-commercial" in licences["nllb-200-distilled-600m"]
    assert "non-commercial" in licences["mt5-multilingual-xlsum"]


def test_allow_download_fetches_a_missing_model_in_the_background(
    make_settings: Callable[..., Settings],
    test_models_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import huggingface_hub.constants

    hub = Hub(
        {
            "facebook/m2m100_418M": Repo(
                {str(M2M.revision): folder_files(test_models_dir / "tiny" / "m2m100")}
            )
        }
    )
    server, url = serve(hub)
    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", True)
    try:
        cache = cache_with(test_models_dir, tmp_path / "hub", m2m=False, bart=False)
        settings = make_settings(
            profile="default", models_dir=cache, preload=["m2m100-418m"], allow_download=True
        )
        for engine in started(settings, DEFAULT):
            readiness = engine.readiness()
            assert readiness.models["m2m100-418m"].ready is True, readiness
            assert readiness.task(SUM_EN).ready is False  # not preloaded: not fetched
            assert TorchBackend("cpu").locate(M2M, cache) is not None
    finally:
        server.shutdown()
        server.server_close()
