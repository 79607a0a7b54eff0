"""`tarjoman models download|list` against a stand-in hub on 127.0.0.1, with real models.toml."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.cli import main
from service.models.checkpoint import NoWeights, pick_files
from service.models.registry import load_profile
from service.models.torch_runtime import TorchBackend
from service.settings import PROJECT_ROOT
from tests.hubstub import Handler, Hub, Repo, folder_files, serve

PROFILES = load_profile(PROJECT_ROOT / "models.toml", "persian")
M2M = PROFILES.spec("m2m100-418m")
BART = PROFILES.spec("distilbart-cnn-12-6")
PN = PROFILES.spec("pn-summary-mt5-small")
TORCH = TorchBackend("cpu")
NEWER = "f" * 40  # a later commit on main: never what a pinned download fetches
DECOYS = {
    "pytorch_model.bin": b"duplicate weights",
    "tf_model.h5": b"tensorflow weights",
    "flax_model.msgpack": b"flax weights",
    "rust_model.ot": b"rust weights",
    "onnx/encoder_model.onnx": b"onnx export",
    "README.md": b"model card",
}
M2M_WANTED = {
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "sentencepiece.bpe.model",
    "tokenizer_config.json",
    "vocab.json",
}


@pytest.fixture
def hub(test_models_dir: Path) -> Iterator[tuple[Hub, str]]:
    """The stand-in hub serving tiny models under the real hub ids and pinned revisions."""
    tiny = test_models_dir / "tiny"
    m2m = folder_files(tiny / "m2m100") | DECOYS
    newer = m2m | {"config.json": m2m["config.json"] + b"\n"}
    assert M2M.revision
    assert BART.revision
    hub = Hub(
        {
            "facebook/m2m100_418M": Repo({M2M.revision: m2m, NEWER: newer}, {"main": NEWER}),
            "sshleifer/distilbart-cnn-12-6": Repo({BART.revision: folder_files(tiny / "bart")}),
            "HooshvareLab/pn-summary-mt5-small": Repo(
                {"1" * 40: folder_files(tiny / "mt5")}, {"main": "1" * 40}, gated=True
            ),
        }
    )
    server, url = serve(hub)
    yield hub, url
    server.shutdown()
    server.server_close()


@pytest.fixture
def env(hub: tuple[Hub, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and huggingface_hub pointed at the stand-in and an empty models folder."""
    import huggingface_hub.constants

    models = tmp_path / "models"
    monkeypatch.setenv("HF_ENDPOINT", hub[1])
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("TARJOMAN_MODELS_DIR", str(models))
    # Downloading is what these tests are about; the one that checks conversion says so.
    monkeypatch.setenv("TARJOMAN_RUNTIME", "torch")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    # The user-agent telemetry would ask the real hub for its agent registry.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", True)
    return models


def snapshot(models: Path, repo: str, commit: str) -> Path:
    """The snapshot folder of a repository in the cache layout."""
    return models / ("models--" + repo.replace("/", "--")) / "snapshots" / commit


def test_downloads_only_the_needed_files_at_the_pinned_revision(
    hub: tuple[Hub, str],
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub, _ = hub
    monkeypatch.delenv("TARJOMAN_RUNTIME")  # the profile's own: CTranslate2, which converts
    assert main(["models", "download", "--profile", "default"]) == 0
    assert M2M.revision is not None
    folder = snapshot(env, "facebook/m2m100_418M", M2M.revision)
    assert {p.name for p in folder.iterdir()} == M2M_WANTED
    assert sorted(stub.gets("facebook/m2m100_418M")) == sorted(M2M_WANTED)
    assert not any(NEWER in path for _, path, _ in stub.requests)
    assert (folder / "config.json").read_bytes() == stub.repos["facebook/m2m100_418M"].commits[
        M2M.revision
    ]["config.json"]
    assert TORCH.locate(M2M, env) == folder
    # The default profile runs CTranslate2: download converted it beside the snapshots.
    from service.models.ct2_convert import find_converted

    assert find_converted(folder, M2M.quantization) is not None

    capsys.readouterr()
    assert main(["models", "list", "--profile", "default", "--check"]) == 0
    listing = capsys.readouterr().out
    assert "m2m100-418m" in listing
    assert "present" in listing
    assert "MIT" in listing
    assert "missing" not in listing

    seen = len(stub.requests)
    assert main(["models", "download", "--profile", "default"]) == 0
    assert len(stub.requests) == seen  # everything present: no request at all
    assert "m2m100-418m: present" in capsys.readouterr().out


def test_list_says_missing_and_how_to_fetch(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--profile", "nllb", "--check"]) == 1
    out = capsys.readouterr().out
    assert out.count("missing") >= 2
    assert "tarjoman models download --profile nllb" in out
    assert "non-commercial" in out


def test_resumes_a_transfer_cut_mid_file(hub: tuple[Hub, str], env: Path) -> None:
    stub, _ = hub
    # huggingface_hub reads bodies in 10 MiB chunks and resumes after the last whole chunk,
    # so the weights here are larger than one chunk (random-looking bytes, never loaded).
    weights = bytes(range(256)) * (96 * 1024)  # 24 MiB
    stub.repos["facebook/m2m100_418M"].commits[str(M2M.revision)]["model.safetensors"] = weights
    cut = 20 * 1024 * 1024
    cuts: list[int] = []

    def cut_once(repo: str, commit: str, name: str, handler: Handler) -> bool:
        if name != "model.safetensors" or handler.command != "GET" or cuts:
            return False
        cuts.append(cut)
        handler.send_file(weights, commit, body=True, cut_at=cut)
        return True

    stub.hooks.append(cut_once)
    assert main(["models", "download", "--profile", "default"]) == 0
    ranges = [
        headers.get("Range")
        for method, path, headers in stub.requests
        if method == "GET" and path.endswith("/model.safetensors") and "m2m100" in path
    ]
    assert ranges[0] is None
    assert len(ranges) == 2
    resumed = ranges[1]
    assert resumed is not None, "the second request did not resume"
    start = int(resumed.removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= cut
    folder = snapshot(env, "facebook/m2m100_418M", str(M2M.revision))
    assert (folder / "model.safetensors").read_bytes() == weights


def test_a_rerun_after_a_killed_download_fetches_only_what_is_missing(
    hub: tuple[Hub, str], env: Path, tmp_path: Path
) -> None:
    stub, _url = hub
    commit = str(M2M.revision)
    weights = stub.repos["facebook/m2m100_418M"].commits[commit]["model.safetensors"]
    stalled = threading.Event()
    release = threading.Event()

    def stall(repo: str, commit_: str, name: str, handler: Handler) -> bool:
        if name != "model.safetensors" or handler.command != "GET" or release.is_set():
            return False
        # Send part of the file, then hold the connection until the client is killed.
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(weights)))
        handler.end_headers()
        handler.wfile.write(weights[: len(weights) // 3])
        handler.wfile.flush()
        stalled.set()
        release.wait(30)
        handler.close_connection = True
        return True

    stub.hooks.append(stall)
    child_env = dict(os.environ, HF_HUB_DISABLE_TELEMETRY="1", TARJOMAN_MODELS_DIR=str(env))
    child = subprocess.Popen(
        [sys.executable, "-m", "service", "models", "download", "--profile", "default"],
        cwd=PROJECT_ROOT,
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert stalled.wait(60), "the download never reached the weights"
        others = M2M_WANTED - {"model.safetensors"}
        deadline = time.monotonic() + 30
        folder = snapshot(env, "facebook/m2m100_418M", commit)
        while time.monotonic() < deadline and not all((folder / f).exists() for f in others):
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
    assert TORCH.locate(M2M, env) is None  # config without weights does not count as present
    first_run = len(stub.requests)

    assert main(["models", "download", "--profile", "default"]) == 0
    second = [
        path.rsplit("/", 1)[1]
        for method, path, _ in stub.requests[first_run:]
        if method == "GET" and "/facebook/m2m100_418M/resolve/" in path
    ]
    assert second == ["model.safetensors"]
    assert (folder / "model.safetensors").read_bytes() == weights
    assert TORCH.locate(M2M, env) == folder


def test_a_gated_model_without_a_token_says_how_to_get_access(
    hub: tuple[Hub, str],
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stub, _ = hub
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # huggingface_hub's backoff
    assert main(["models", "download", "--profile", "persian"]) == 1
    err = capsys.readouterr().err
    assert "HooshvareLab/pn-summary-mt5-small is gated" in err
    assert "https://huggingface.co/HooshvareLab/pn-summary-mt5-small" in err
    assert "HF_TOKEN" in err
    assert "Traceback" not in err
    assert TORCH.locate(M2M, env) is not None
    assert TORCH.locate(BART, env) is not None
    assert TORCH.locate(PN, env) is None

    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    assert main(["models", "download", "--profile", "persian"]) == 1
    assert "has no access" in capsys.readouterr().err

    monkeypatch.setenv("HF_TOKEN", stub.token)
    assert main(["models", "download", "--profile", "persian"]) == 0
    assert TORCH.locate(PN, env) == snapshot(env, "HooshvareLab/pn-summary-mt5-small", "1" * 40)


def test_an_unreachable_hub_is_a_plain_error(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # huggingface_hub backs off 1+2+4+8+8 s per call before giving up; skip the waiting.
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once
    assert main(["models", "download", "--profile", "default"]) == 1
    err = capsys.readouterr().err
    assert "could not reach the hub at http://127.0.0.1:9 for facebook/m2m100_418M" in err
    assert "sshleifer" not in err  # stopped: the next model would only fail the same way
    assert "Traceback" not in err


def test_picks_safetensors_over_other_weight_formats() -> None:
    listing = ["config.json", "model.safetensors", "vocab.json", *DECOYS]
    assert pick_files(listing) == ["config.json", "model.safetensors", "vocab.json"]


def test_picks_pytorch_weights_when_there_are_no_safetensors() -> None:
    listing = ["config.json", "spiece.model", "pytorch_model.bin", "tf_model.h5"]
    assert pick_files(listing) == ["config.json", "pytorch_model.bin", "spiece.model"]


def test_picks_every_shard_and_its_index() -> None:
    shards = [f"model-0000{i}-of-00002.safetensors" for i in (1, 2)]
    listing = ["config.json", "model.safetensors.index.json", *shards, "pytorch_model.bin"]
    assert pick_files(listing) == ["config.json", *shards, "model.safetensors.index.json"]


def test_refuses_a_repository_without_weights() -> None:
    with pytest.raises(NoWeights, match="no safetensors or PyTorch weights"):
        pick_files(["config.json", "tf_model.h5"])
