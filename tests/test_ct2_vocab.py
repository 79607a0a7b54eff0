"""The M2M100 vocabulary rebuilt by id comes out complete at the real checkpoints' sizes."""

from __future__ import annotations

import pytest

from service.models.ct2_vocab import VocabularyMismatch, m2m100_vocabulary

CODES = ["af", "am", "ar", "fa", "en"] + [f"x{i}" for i in range(95)]  # 100 codes, as m2m100


def _pieces(count: int) -> dict[str, int]:
    pieces = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    pieces.update({f"p{i}": i for i in range(4, count)})
    return pieces


def _languages(start: int) -> dict[str, int]:
    return {f"__{code}__": start + i for i, code in enumerate(CODES)}


def test_m2m100_418m_sizes_give_128112_tokens_in_id_order() -> None:
    # facebook/m2m100_418M: vocab.json has 128,004 entries, then 100 languages and 8 made-up words.
    languages = _languages(128_004)
    tokens = m2m100_vocabulary(_pieces(128_004), languages, 128_112, 8)
    assert len(tokens) == 128_112
    assert tokens[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    for token, token_id in languages.items():
        assert tokens[token_id] == token
    assert tokens[128_104:] == [f"madeupword{i}" for i in range(8)]


def test_the_tokenizer_of_the_tiny_model_gives_the_full_size(test_models_dir: object) -> None:
    from transformers import AutoConfig, AutoTokenizer

    folder = f"{test_models_dir}/tiny/m2m100"
    tokenizer = AutoTokenizer.from_pretrained(folder)
    rows = AutoConfig.from_pretrained(folder).vocab_size
    # What CTranslate2's own loader would read: the language tokens are not in get_vocab().
    assert len(tokenizer.get_vocab()) + tokenizer.num_madeup_words < rows
    tokens = m2m100_vocabulary(
        tokenizer.get_vocab(), tokenizer.lang_token_to_id, rows, tokenizer.num_madeup_words
    )
    assert len(tokens) == rows
    assert tokens[tokenizer.get_lang_id("fa")] == "__fa__"


def test_a_gap_in_the_ids_is_refused_rather_than_shifting_tokens() -> None:
    pieces = _pieces(10)
    del pieces["p5"]
    with pytest.raises(VocabularyMismatch, match="first gap at 5"):
        m2m100_vocabulary(pieces, _languages(10), 118, 8)


def test_a_size_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(VocabularyMismatch, match="the model 200 rows"):
        m2m100_vocabulary(_pieces(10), _languages(10), 200, 8)
