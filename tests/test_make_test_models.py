"""The tiny-model builder: every family, real tokenizer classes, small and byte-for-byte stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT

MAX_BYTES = 5 * 1024 * 1024


def files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path (not CTranslate2's conversions cached there)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.endswith(".ctranslate2") for part in p.parts)
    }


def test_a_rebuild_gives_the_same_bytes(test_models_dir: Path, tmp_path: Path) -> None:
    import make_test_models

    make_test_models._train_spm.cache_clear()  # retrain for real, not from the memo
    assert make_test_models.main(["--out", str(tmp_path), "--force"]) == 0
    assert files(tmp_path / "tiny") == files(test_models_dir / "tiny")


def test_every_model_is_under_five_megabytes(test_models_dir: Path) -> None:
    import make_test_models

    for name in make_test_models.BUILDERS:
        size = sum(len(data) for data in files(test_models_dir / "tiny" / name).values())
        assert 10_000 < size < MAX_BYTES, name


def test_an_up_to_date_build_is_left_alone(test_models_dir: Path) -> None:
    import make_test_models

    stamp = test_models_dir / "tiny" / ".built"
    before = stamp.stat().st_mtime_ns
    assert make_test_models.main(["--out", str(test_models_dir)]) == 0
    assert stamp.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("name", "tokenizer_class", "files_needed"),
    [
        ("m2m100", "M2M100Tokenizer", {"sentencepiece.bpe.model", "vocab.json"}),
        ("nllb", "NllbTokenizer", {"tokenizer.json"}),
        ("mt5", "T5Tokenizer", {"tokenizer.json", "spiece.model"}),
        ("bart", "RobertaTokenizer", {"tokenizer.json"}),
        ("marian-fa-en", "MarianTokenizer", {"source.spm", "target.spm", "vocab.json"}),
    ],
)
def test_auto_tokenizer_picks_the_family_class(
    test_models_dir: Path, name: str, tokenizer_class: str, files_needed: set[str]
) -> None:
    from transformers import AutoConfig, AutoTokenizer

    folder = test_models_dir / "tiny" / name
    assert files_needed <= {p.name for p in folder.iterdir()}
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    assert type(tokenizer).__name__ == tokenizer_class
    config = AutoConfig.from_pretrained(folder, local_files_only=True)
    # Every id the tokenizer can produce has an embedding row.
    top = max(tokenizer.get_vocab().values())
    if name == "m2m100":
        top = max(top, *tokenizer.lang_token_to_id.values())
    assert top < config.vocab_size


def test_multilingual_tokenizers_know_both_languages(test_models_dir: Path) -> None:
    from transformers import AutoTokenizer

    m2m = AutoTokenizer.from_pretrained(test_models_dir / "tiny" / "m2m100")
    assert {m2m.get_lang_token("fa"), m2m.get_lang_token("en")} == {"__fa__", "__en__"}
    nllb = AutoTokenizer.from_pretrained(test_models_dir / "tiny" / "nllb")
    for code in ("pes_Arab", "eng_Latn"):
        assert nllb.convert_tokens_to_ids(code) != nllb.unk_token_id
    assert nllb.convert_tokens_to_ids("fas_Arab") == nllb.unk_token_id


def test_tokenizers_cover_persian_and_english_text(test_models_dir: Path) -> None:
    from transformers import AutoTokenizer

    text = {"fa": "خبرگزاری جمهوری اسلامی گزارش داد.", "en": "The minister said on Monday."}
    for name, langs in (("m2m100", "fa en"), ("nllb", "fa en"), ("mt5", "fa en"), ("bart", "en")):
        tokenizer = AutoTokenizer.from_pretrained(test_models_dir / "tiny" / name)
        for lang in langs.split():
            ids = tokenizer(text[lang], add_special_tokens=False)["input_ids"]
            assert tokenizer.unk_token_id not in ids, (name, lang)
            assert len(ids) < len(text[lang])  # merged pieces, not one token per character


def test_bart_is_byte_level_so_any_text_round_trips(test_models_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(test_models_dir / "tiny" / "bart")
    text = "Tehran ۱۴۰۲ — naïve café 🙂"
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == text


def test_mt5_uses_the_t5_special_ids(test_models_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(test_models_dir / "tiny" / "mt5")
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)


def test_seed_text_alone_builds_every_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import make_test_models

    monkeypatch.setenv("TARJOMAN_TEST_DATA", str(tmp_path / "no-shared-data"))
    assert make_test_models.corpus("fa") == [
        line
        for line in (PROJECT_ROOT / "scripts/seed_text/fa.txt").read_text("utf-8").splitlines()
        if line.strip()
    ]
    make_test_models.build_nllb(tmp_path / "nllb")
    make_test_models.build_mt5(tmp_path / "mt5")
    assert (tmp_path / "nllb" / "model.safetensors").is_file()
    assert (tmp_path / "mt5" / "model.safetensors").is_file()
