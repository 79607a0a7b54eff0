"""`tarjoman eval --compare URL SETTINGS`: a real gunicorn and the same models in-process agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import data_file
from tests.integration.conftest import Server

pytestmark = pytest.mark.integration


def test_the_server_and_the_same_models_in_process_agree_exactly(
    tiny_server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_models_dir: Path
) -> None:
    folder = data_file("ntrex/DOCUMENT_IDS.tsv").parent
    monkeypatch.setenv("TARJOMAN_MODELS_DIR", str(test_models_dir))
    out = tmp_path / "eval.json"
    argv = ["eval", "--ntrex", str(folder), "--direction", "fa-en", "--limit", "5"]
    # The same settings as the server (conftest.start_server): greedy tiny models, 16 tokens.
    argv += ["--compare", tiny_server.url, "profile=tiny,max_new_tokens=16,torch_threads=1"]
    assert main([*argv, "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [r["system"] for r in figures["runs"]] == [
        tiny_server.url,
        "profile=tiny,max_new_tokens=16,torch_threads=1",
    ]
    assert figures["agreement"] == {"fa-en": 1.0}
    assert figures["runs"][0]["bleu"] == figures["runs"][1]["bleu"]
