"""The shared tokenizer with real tokenizers of the tiny models: codes, counts, tokens, decoding."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from service.models.families import NLLB, family_of
from service.models.registry import Task
from service.models.tokenizer import Tokenizer

FA_EN = Task("translate", "fa", "en")
EN_FA = Task("translate", "en", "fa")
SUM_EN = Task("summarize", "en", "en")


def tokenizer(test_models_dir: Path, name: str, family: str) -> Tokenizer:
    return Tokenizer.from_folder(test_models_dir / "tiny" / name, family_of(family))


def test_multilingual_sources_start_with_their_language_token(test_models_dir: Path) -> None:
    m2m = tokenizer(test_models_dir, "m2m100", "m2m100")
    nllb = tokenizer(test_models_dir, "nllb", "nllb")
    for tok, fa, en in ((m2m, "__fa__", "__en__"), (nllb, "pes_Arab", "eng_Latn")):
        [fa_ids] = tok.encode(["سلام."], FA_EN)
        [en_ids] = tok.encode(["Hello."], EN_FA)
        assert tok.to_tokens(fa_ids)[0] == fa
        assert tok.to_tokens(en_ids)[0] == en
        assert fa_ids[-1] == en_ids[-1] == tok.eos_id
        assert tok.target_id(FA_EN) == tok.to_ids([en])[0]
        assert tok.target_id(EN_FA) == tok.to_ids([fa])[0]


def test_counts_are_the_encoded_lengths(test_models_dir: Path) -> None:
    marian = tokenizer(test_models_dir, "marian-fa-en", "marian")
    texts = ["سلام", "هوای تهران امروز سرد بود."]
    assert marian.count(texts, FA_EN) == [len(ids) for ids in marian.encode(texts, FA_EN)]
    assert marian.count(texts, FA_EN)[0] < marian.count(texts, FA_EN)[1]
    assert marian.target_id(FA_EN) is None  # Marian forces no language token


def test_tokens_and_ids_round_trip(test_models_dir: Path) -> None:
    bart = tokenizer(test_models_dir, "bart", "bart")
    [ids] = bart.encode(["The road was closed."], SUM_EN)
    assert bart.to_ids(bart.to_tokens(ids)) == ids
    assert bart.target_id(SUM_EN) == bart.hf.bos_token_id  # the family's `<s>`


def test_decoding_drops_language_and_special_tokens(test_models_dir: Path) -> None:
    m2m = tokenizer(test_models_dir, "m2m100", "m2m100")
    [ids] = m2m.encode(["Hello."], EN_FA)
    english = m2m.to_ids(["__en__"])[0]
    # transformers 5 no longer treats `__en__` as special: the family's dropped ids do.
    [text] = m2m.decode([[english, *ids[1:]]])
    assert "__en__" not in text
    assert "__fa__" not in text
    assert "</s>" not in text
    assert text == text.strip()


def test_a_language_token_the_vocabulary_lacks_is_refused(test_models_dir: Path) -> None:
    class WrongNllb(NLLB):
        language_codes: ClassVar[dict[str, str]] = {"fa": "fas_Arab", "en": "eng_Latn"}

    wrong = Tokenizer(tokenizer(test_models_dir, "nllb", "nllb").hf, WrongNllb())
    with pytest.raises(ValueError, match="fas_Arab"):
        wrong.target_id(EN_FA)
