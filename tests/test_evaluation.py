"""`tarjoman eval`: test sets read, scored with sacrebleu, systems compared side by side."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from service.apiclient import ApiClient, InProcessTransport
from service.cli import main
from service.engine import Engine
from service.evalcommand import translate_set
from service.evaluation import DataError, ParallelSet, Run, agreement, aligned, ntrex, score
from service.models.registry import load_profile
from service.settings import Settings
from tests.conftest import data_file
from tests.fakes import FakeBackend, identity


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_aligned_files_must_have_as_many_lines(tmp_path: Path) -> None:
    source = write(tmp_path / "a.txt", ["one", "two"])
    reference = write(tmp_path / "b.txt", ["یک"])
    with pytest.raises(DataError, match="has 2 lines but"):
        aligned(source, reference, "en", "fa")


def test_ntrex_is_read_with_its_documents() -> None:
    folder = data_file("ntrex/DOCUMENT_IDS.tsv").parent
    test = ntrex(folder, "fa", "en")
    assert len(test.sources) == len(test.references) == len(test.documents) == 1997
    assert len(set(test.documents)) == 123
    assert test.direction == "fa-en"


def test_scores_are_sacrebleus() -> None:
    perfect = score(["the cat sat on the mat"], ["the cat sat on the mat"])
    assert (perfect.bleu, perfect.chrf) == (100.0, 100.0)
    assert score(["dog"], ["the cat sat on the mat"]).bleu == 0.0


def identity_client(make_settings: Callable[..., Settings]) -> ApiClient:
    settings = make_settings(max_new_tokens=256, output_digits="keep")
    engine = Engine(settings, load_profile(settings.models_file, "tiny"), FakeBackend(identity))
    return ApiClient(InProcessTransport(settings, engine=engine))


def test_an_identity_system_scores_100_against_its_own_source_per_document(
    make_settings: Callable[..., Settings], test_models_dir: Path
) -> None:
    lines = ("The council met on Monday.", "", "It agreed a budget.", "Rain fell.")
    test = ParallelSet("en", "fa", lines, lines, ("d1", "d1", "d2", "d2"))
    run = translate_set(identity_client(make_settings), "identity", test, batch_size=3)
    assert run.outputs == list(lines)  # the blank line stays blank and aligned
    assert run.total().bleu == 100.0
    assert {name: s.sentences for name, s in run.by_document().items()} == {"d1": 2, "d2": 2}
    other = Run("other", test, ["The council met on Monday.", "", "x", "y"])
    assert agreement(run, other) == 0.5


def test_the_command_compares_two_profiles_on_ntrex(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    test_models_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = data_file("ntrex/DOCUMENT_IDS.tsv").parent
    for key, value in {
        "PROFILE": "tiny",
        "MODELS_DIR": str(test_models_dir),
        "MAX_NEW_TOKENS": "8",
    }.items():
        monkeypatch.setenv(f"TARJOMAN_{key}", value)
    out = tmp_path / "eval.json"
    argv = ["eval", "--ntrex", str(folder), "--direction", "en-fa", "--limit", "4"]
    argv += ["--compare", "profile=tiny", "profile=tiny-m2m100", "--json", str(out)]
    argv += ["--by-document"]
    assert main(argv) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["system"], r["direction"], r["sentences"]) for r in figures["runs"]] == [
        ("profile=tiny", "en-fa", 4),
        ("profile=tiny-m2m100", "en-fa", 4),
    ]
    assert all(r["demo"] for r in figures["runs"])
    assert 0.0 <= figures["agreement"]["en-fa"] <= 1.0
    printed = capsys.readouterr().out
    assert "say nothing about quality" in printed
    assert "BLEU" in printed
    first_document = figures["runs"][0]["documents"]
    assert list(first_document) == ["bbc.381790"]
    assert "  bbc.381790" in printed


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "a.txt", ["one"])
    assert main(["eval", "--source-file", str(source), "--direction", "en-fa"]) == 2
    assert "--reference-file" in capsys.readouterr().err
