"""Every family on real gunicorn through both runtimes; CTranslate2 converts at preload."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import Server, start_server, stop_server
from tests.reliability.gunicorns import children

pytestmark = pytest.mark.integration

FA = "قیمت نان و برنج ماه گذشته در تهران افزایش یافت."
EN = "The price of bread and rice in Tehran rose last month."
# (profile, runtime). Torch on `tiny` (Marian, BART, mT5) is test_gunicorn_translate.py's
# server; `mixed` puts M2M100 and NLLB in one server, one direction each (the conformance suite
# runs both directions of every family in-process).
SERVERS = [("tiny", "ctranslate2"), ("mixed", "ctranslate2"), ("mixed", "torch")]
# What each profile serves: (kind, source, target, model).
SERVES = {
    "tiny": [
        ("translate", "fa", "en", "tiny-marian-fa-en"),
        ("translate", "en", "fa", "tiny-marian-en-fa"),
        ("summarize", "en", "en", "tiny-bart"),
        ("summarize", "fa", "fa", "tiny-mt5"),
    ],
    "mixed": [
        ("translate", "fa", "en", "tiny-m2m100"),
        ("translate", "en", "fa", "tiny-nllb"),
    ],
}
MIXED = """
[profiles.mixed]
description = "Tiny M2M100 for fa-en, tiny NLLB for en-fa: noise, for tests."
demo = true

[[profiles.mixed.models]]
name = "tiny-m2m100"
family = "m2m100"
path = "tiny/m2m100"
tasks = ["translate fa-en"]

[[profiles.mixed.models]]
name = "tiny-nllb"
family = "nllb"
path = "tiny/nllb"
tasks = ["translate en-fa"]
"""


@pytest.fixture(scope="module", params=SERVERS, ids=[f"{p}-{r}" for p, r in SERVERS])
def server(
    request: pytest.FixtureRequest, test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str, str, Path, int]]:
    """gunicorn on a private copy of the tiny models (never converted before), int8 for ct2."""
    profile, runtime = request.param
    folder = tmp_path_factory.mktemp("models")
    ignore = shutil.ignore_patterns("*.ctranslate2")
    shutil.copytree(test_models_dir / "tiny", folder / "tiny", ignore=ignore)
    env = {"TARJOMAN_PROFILE": profile, "TARJOMAN_RUNTIME": runtime}
    if profile == "mixed":
        (folder / "models.toml").write_text(MIXED, encoding="utf-8")
        env["TARJOMAN_MODELS_FILE"] = str(folder / "models.toml")
    if runtime == "ctranslate2":
        env["TARJOMAN_QUANTIZATION"] = "int8"
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    process, started = start_server(folder, log, env, timeout=180)
    yield started, profile, runtime, folder, process.pid
    stop_server(process)


def test_every_model_of_the_profile_serves_through_the_runtime(
    server: tuple[Server, str, str, Path, int],
) -> None:
    running, profile, _runtime, _, _ = server
    for kind, source, target, model in SERVES[profile]:
        text = FA if source == "fa" else EN
        if kind == "translate":
            body = {"text": [text, text + " " + text], "source": source, "target": target}
        else:
            body = {"text": " ".join([text] * 6), "target": target, "mode": "abstractive"}
        response = requests.post(f"{running.url}/v1/{kind}", json=body, timeout=120)
        assert response.status_code == 200, (kind, source, target, response.text)
        results = response.json()["results"]
        used = [r["model"] for r in results] if kind == "translate" else results[0]["models"]
        assert model in used, (kind, source, target, used)
        assert response.json()["demo"] is True


def test_models_report_their_runtime_and_none_is_missing(
    server: tuple[Server, str, str, Path, int],
) -> None:
    running, _profile, runtime, folder, _ = server
    models = requests.get(running.url + "/v1/models", timeout=10).json()["models"]
    assert {m["runtime"] for m in models} == {runtime}
    assert all(m["loaded"] for m in models)
    readiness = requests.get(running.url + "/readyz", timeout=10).json()
    assert readiness["ready"] is True
    assert all(task["ready"] for task in readiness["tasks"].values())
    if runtime == "ctranslate2":
        assert {m["quantization"] for m in models} == {"int8"}
        # Converted at preload, beside the weights of each model.
        converted = sorted(p.name for p in (folder / "tiny").glob("*.ctranslate2"))
        assert converted, "nothing was converted at preload"


def test_workers_load_torch_only_when_a_model_runs_on_it(
    server: tuple[Server, str, str, Path, int],
) -> None:
    """CTranslate2 workers tokenize without torch (service/models/torchless.py): after serving
    every model, no worker has torch's library mapped; torch workers do."""
    running, profile, runtime, _, master = server
    for kind, source, target, _model in SERVES[profile]:  # every tokenizer and model in use
        body: dict[str, object] = {"text": FA if source == "fa" else EN, "target": target}
        body.update({"source": source} if kind == "translate" else {"mode": "abstractive"})
        response = requests.post(f"{running.url}/v1/{kind}", json=body, timeout=120)
        assert response.status_code == 200, response.text
    workers = children(master)
    assert workers
    for pid in workers:
        mapped = Path(f"/proc/{pid}/maps").read_text()
        assert ("libtorch_cpu" in mapped) == (runtime == "torch"), (runtime, pid)
