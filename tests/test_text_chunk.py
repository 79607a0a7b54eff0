"""chunk and split_parts: every chunk fits its budget, nothing is truncated or reordered."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.chunk import Chunk, chunk, split_parts, split_to_budget


def words(texts: Sequence[str]) -> list[int]:
    """One token per word plus an end token (as FakeModel counts)."""
    return [len(text.split()) + 1 for text in texts]


def chars(texts: Sequence[str]) -> list[int]:
    """One token per character plus two special tokens (a long-word worst case)."""
    return [len(text) + 2 for text in texts]


def test_sentences_are_packed_greedily_in_order() -> None:
    got = chunk(["one two three.", "four.", "five six.", "seven eight nine ten."], words, 6)
    assert got == [
        Chunk(("one two three.", "four."), 5),
        Chunk(("five six.",), 3),
        Chunk(("seven eight nine ten.",), 5),
    ]
    assert got[0].text == "one two three. four."


def test_a_sentence_over_the_budget_is_split_at_clause_marks_first() -> None:
    text = "الف ب پ، ت ث ج؛ چ ح خ, d e f; g h"
    assert split_to_budget(text, words, 4) == ["الف ب پ،", "ت ث ج؛", "چ ح خ,", "d e f;", "g h"]


def test_a_clause_over_the_budget_is_split_between_words() -> None:
    text = "a b c d e f g h i j"
    parts = split_parts(text, words, 4)
    assert [p for p, _ in parts] == ["a b c", "d e f", "g h i", "j"]
    assert "".join(p + g for p, g in parts) == text


def test_a_word_over_the_budget_is_split_between_characters_never_truncated() -> None:
    text = "short " + "x" * 25
    parts = split_parts(text, chars, 10)
    assert "".join(p + g for p, g in parts) == text
    assert all(chars([p])[0] <= 10 for p, _ in parts)


def test_a_budget_that_cannot_hold_a_character_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        split_parts("abc", chars, 2)
    with pytest.raises(ValueError, match="positive"):
        chunk(["a"], words, 0)


def test_estimates_that_come_out_low_are_corrected() -> None:
    def joined_costs_more(texts: Sequence[str]) -> list[int]:
        # Joined text costs one extra token per space: the per-unit estimate is too low.
        return [len(t.split()) + t.count(" ") + 1 for t in texts]

    parts = split_to_budget("a b c d e f g h", joined_costs_more, 5)
    assert all(joined_costs_more([p])[0] <= 5 for p in parts)
    assert " ".join(parts) == "a b c d e f g h"
    assert all(c.tokens <= 5 for c in chunk(["a b c.", "d e.", "f g h i."], joined_costs_more, 5))


SENTENCES = st.lists(
    st.text(alphabet=st.sampled_from("ab، ,;؛x"), min_size=1, max_size=40), max_size=12
)


@given(SENTENCES, st.integers(min_value=3, max_value=12))
@settings(max_examples=300, deadline=None)
def test_no_chunk_exceeds_its_budget_and_order_is_kept(sentences: list[str], budget: int) -> None:
    chunks = chunk(sentences, chars, budget)
    assert all(c.tokens <= budget for c in chunks)
    assert all(chars([c.text])[0] == c.tokens for c in chunks)
    pieces = [p for c in chunks for p in c.sentences]
    rebuilt = []
    for sentence in sentences:
        parts = split_parts(sentence, chars, budget)
        assert "".join(p + g for p, g in parts) == sentence
        rebuilt.extend(p for p, _ in parts)
    assert pieces == rebuilt
