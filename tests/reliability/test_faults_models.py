"""A model's folder deleted or corrupted while gunicorn serves: 503 naming it, others serve on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from tests.polling import wait_for
from tests.reliability.gunicorns import gunicorn

pytestmark = pytest.mark.integration

FA = "وزارت کشور کویت مذاکراتی را با عراق انجام داد."
EN = "The ministry held talks with Iraq on Sunday. The talks went well. Both sides spoke."


def call(url: str, path: str, body: dict[str, object]) -> requests.Response:
    """POST a JSON body."""
    return requests.post(url + path, json=body, timeout=60)


def fa_en(url: str) -> requests.Response:
    """Persian → English: tiny-marian-fa-en."""
    return call(url, "/v1/translate", {"text": FA, "source": "fa", "target": "en"})


def en_fa(url: str) -> requests.Response:
    """English → Persian: tiny-marian-en-fa."""
    return call(url, "/v1/translate", {"text": EN, "source": "en", "target": "fa"})


def en_summary(url: str) -> requests.Response:
    """An abstractive English summary: tiny-bart."""
    return call(url, "/v1/summarize", {"text": EN, "mode": "abstractive"})


def fa_summary(url: str) -> requests.Response:
    """An abstractive Persian summary: tiny-mt5."""
    return call(url, "/v1/summarize", {"text": FA, "mode": "abstractive"})


def test_deleted_and_corrupted_model_folders_give_503_naming_them(
    test_models_dir: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    shutil.copytree(test_models_dir / "tiny", models / "tiny")
    # A one-byte cache keeps only the model used last: every other one loads again from disk.
    env = {"TARJOMAN_PRELOAD": "", "TARJOMAN_CACHE_BYTES": "1"}
    with gunicorn(models, tmp_path / "server.log", env) as running:
        url = running.url
        assert fa_en(url).status_code == 200
        assert en_fa(url).status_code == 200  # tiny-marian-fa-en is evicted

        shutil.rmtree(models / "tiny" / "marian-fa-en")
        gone = fa_en(url)
        assert gone.status_code == 503, gone.text
        assert "tiny-marian-fa-en" in gone.json()["error"]["message"]
        assert gone.headers["Retry-After"]

        # Corrupt weights: present, but not loadable (a disk error, a half-written copy).
        weights = models / "tiny" / "marian-en-fa" / "model.safetensors"
        weights.write_bytes(b"\0not a safetensors file" * 64)
        assert en_summary(url).status_code == 200  # tiny-marian-en-fa is evicted
        broken = en_fa(url)
        assert broken.status_code == 503, broken.text
        assert "tiny-marian-en-fa" in broken.json()["error"]["message"]
        assert "Traceback" not in broken.text

        # The other models keep serving, and the broken one comes back once repaired.
        assert en_summary(url).status_code == 200
        assert fa_summary(url).status_code == 200
        assert call(url, "/v1/detect", {"text": FA}).status_code == 200
        shutil.copy(test_models_dir / "tiny" / "marian-en-fa" / "model.safetensors", weights)
        # A failed load stands for a few seconds (FAILED_LOAD_MEMORY_S), then the files are read.
        wait_for("the repaired model to serve", lambda: en_fa(url).status_code == 200)
        readyz = requests.get(url + "/readyz", timeout=10).json()
        assert readyz["tasks"]["translate fa-en"]["ready"] is False
        assert "tiny-marian-fa-en" in readyz["tasks"]["translate fa-en"]["reason"]
