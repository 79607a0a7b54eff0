"""The complete M2M100 vocabulary in id order: pieces, `__xx__` language tokens, made-up words."""

from __future__ import annotations

from collections.abc import Mapping


class VocabularyMismatch(ValueError):
    """A tokenizer's tokens do not cover the model's vocabulary without gaps."""


def m2m100_vocabulary(
    pieces: Mapping[str, int], language_tokens: Mapping[str, int], size: int, madeup_words: int
) -> list[str]:
    """Tokens by id: vocab.json, then the language tokens, then `madeupwordN` up to `size`.

    m2m100_418M: 128,004 pieces, 100 language tokens, 8 made-up words = 128,112 rows. A gap or
    a surplus anywhere is refused rather than shifting every later token by one.
    """
    by_id: dict[int, str] = {}
    for token, token_id in list(pieces.items()) + list(language_tokens.items()):
        by_id.setdefault(int(token_id), token)
    known = len(by_id)
    if sorted(by_id) != list(range(known)):
        gap = next(i for i in range(known) if i not in by_id)
        raise VocabularyMismatch(f"the tokenizer's ids are not contiguous (first gap at {gap})")
    if known + madeup_words != size and known != size:
        raise VocabularyMismatch(
            f"the tokenizer has {known} tokens and {madeup_words} made-up words, "
            f"the model {size} rows"
        )
    return [by_id[i] for i in range(known)] + [f"madeupword{i}" for i in range(size - known)]
