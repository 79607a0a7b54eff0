"""CTranslate2 conversion of every tiny family: our loader fixes, the cache key, atomic writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from service.models import ct2_convert
from service.models.ct2_convert import ConversionError, convert, find_converted

FAMILIES = ["marian-fa-en", "marian-en-fa", "m2m100", "nllb", "bart", "mt5"]


@pytest.fixture
def models(tmp_path: Path, test_models_dir: Path) -> Path:
    """A private copy of the tiny models, so conversions here start from nothing."""
    shutil.copytree(
        test_models_dir / "tiny", tmp_path / "tiny", ignore=shutil.ignore_patterns("*.ctranslate2")
    )
    return tmp_path / "tiny"


def _vocabulary(folder: Path) -> list[str]:
    tokens: list[str] = json.loads((folder / "shared_vocabulary.json").read_text(encoding="utf-8"))
    return tokens


def _rows(source: Path) -> int:
    return int(json.loads((source / "config.json").read_text())["vocab_size"])


@pytest.mark.parametrize("name", FAMILIES)
def test_every_family_converts_with_a_vocabulary_as_long_as_the_model(
    models: Path, name: str
) -> None:
    folder = convert(models / name, "none")
    assert (folder / "model.bin").is_file()
    vocabulary = _vocabulary(folder)
    # Marian's converter drops the trailing <pad> on purpose (it starts from a zero embedding).
    expected = _rows(models / name) - (1 if name.startswith("marian") else 0)
    assert len(vocabulary) == expected
    assert find_converted(models / name, "none") == folder


def test_m2m100_language_tokens_sit_at_their_tokenizer_ids(models: Path) -> None:
    from transformers import AutoTokenizer

    folder = convert(models / "m2m100", "none")
    vocabulary = _vocabulary(folder)
    tokenizer = AutoTokenizer.from_pretrained(models / "m2m100")
    for token in ("__fa__", "__en__"):
        assert vocabulary.index(token) == tokenizer.convert_tokens_to_ids(token)
    assert vocabulary[-1] == "madeupword7"


def test_nllb_keeps_its_own_language_codes(models: Path) -> None:
    from transformers import AutoTokenizer

    vocabulary = _vocabulary(convert(models / "nllb", "none"))
    tokenizer = AutoTokenizer.from_pretrained(models / "nllb")
    for token in ("pes_Arab", "eng_Latn"):
        assert vocabulary.index(token) == tokenizer.convert_tokens_to_ids(token)


def test_a_conversion_is_reused_and_keyed_by_quantization(
    models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = convert(models / "bart", "none")
    int8 = convert(models / "bart", "int8")
    assert plain != int8
    assert plain.is_dir()
    assert int8.is_dir()
    assert (int8 / "model.bin").stat().st_size < (plain / "model.bin").stat().st_size

    def refuse(*args: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2_convert, "_run_converter", refuse)
    assert convert(models / "bart", "none") == plain


def test_a_new_source_revision_converts_again_and_drops_the_old(models: Path) -> None:
    first = convert(models / "mt5", "none")
    config = models / "mt5" / "config.json"
    data = json.loads(config.read_text())
    data["tarjoman_test_edit"] = 1
    config.write_text(json.dumps(data))
    second = convert(models / "mt5", "none")
    assert second != first
    assert (second / "model.bin").is_file()
    assert not first.exists()


def test_a_new_ctranslate2_version_converts_again(
    models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = convert(models / "mt5", "int8")
    monkeypatch.setattr(ct2_convert, "ctranslate2_version", lambda: "99.0.0")
    assert find_converted(models / "mt5", "int8") is None
    second = convert(models / "mt5", "int8")
    assert second.name.endswith("-int8-ct2-99.0.0")
    assert not first.exists()
    note = ct2_convert.read_note(second / ct2_convert.SOURCE_NOTE)
    assert note["ctranslate2"] == "99.0.0"
    assert note["quantization"] == "int8"


def test_a_crash_mid_conversion_leaves_no_folder_that_looks_complete(
    models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctranslate2.converters import TransformersConverter

    def crash(self: object, output_dir: str, **kwargs: object) -> str:
        out = Path(output_dir)
        out.mkdir(parents=True)
        (out / "model.bin").write_bytes(b"half")
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(TransformersConverter, "convert", crash)
        with pytest.raises(ConversionError, match="disk full"):
            convert(models / "nllb", "none")
    assert find_converted(models / "nllb", "none") is None
    root = ct2_convert.cache_root(models / "nllb")
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")] == []
    assert (convert(models / "nllb", "none") / "model.bin").stat().st_size > 1000


def test_a_crashed_process_leftover_is_cleaned_up(models: Path) -> None:
    root = ct2_convert.cache_root(models / "mt5")
    leftover = root / ".tmp-something-12345"
    leftover.mkdir(parents=True)
    (leftover / "model.bin").write_bytes(b"half")
    convert(models / "mt5", "none")
    assert not leftover.exists()


def test_a_hub_snapshot_converts_beside_its_snapshots(models: Path, tmp_path: Path) -> None:
    sha = "a4f8f3ea906ed274767e9906dbaede7531d660ff"
    snapshot = tmp_path / "hub" / "models--org--tiny-bart" / "snapshots" / sha
    shutil.copytree(models / "bart", snapshot)
    folder = convert(snapshot, "int8")
    assert folder.parent == tmp_path / "hub" / "models--org--tiny-bart" / "ctranslate2"
    assert folder.name.startswith(sha[:16])


def test_a_conversion_still_serves_when_the_weights_are_removed(models: Path) -> None:
    folder = convert(models / "mt5", "int8")
    (models / "mt5" / "model.safetensors").unlink()
    assert find_converted(models / "mt5", "int8") == folder
    assert convert(models / "mt5", "int8") == folder
    assert find_converted(models / "mt5", "none") is None
    with pytest.raises(ConversionError, match=r"no config\.json and weights"):
        convert(models / "mt5", "none")


def test_converting_in_a_child_process_gives_the_same_folder_and_its_reason(models: Path) -> None:
    folder = ct2_convert.convert_isolated(models / "bart", "int8")
    assert folder == find_converted(models / "bart", "int8")
    assert ct2_convert.read_note(folder / ct2_convert.SOURCE_NOTE)["quantization"] == "int8"
    (models / "mt5" / "config.json").write_text('{"model_type": "no-such-model"}')
    with pytest.raises(ConversionError, match=r"^CTranslate2 could not convert .*mt5"):
        ct2_convert.convert_isolated(models / "mt5", "int8")
