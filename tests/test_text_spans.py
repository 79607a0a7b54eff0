"""protected_spans and outside: URLs and e-mail addresses found in linear time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.text.spans import outside, protected_spans


def cut(text: str) -> list[str]:
    return [text[a:b] for a, b in protected_spans(text)]


def test_urls_without_their_trailing_punctuation() -> None:
    text = "See https://example.com/a?b=1. Or www.irna.ir/news, and ftp://f.org/x؟"
    assert cut(text) == ["https://example.com/a?b=1", "www.irna.ir/news", "ftp://f.org/x"]


def test_email_addresses() -> None:
    assert cut("write to ali.k+news@mail.example.com. thanks") == ["ali.k+news@mail.example.com"]
    assert cut("not an address: @handle or a@b") == []


def test_adversarial_inputs_end_and_find_nothing_wrong() -> None:
    assert protected_spans("a" * 200_000) == []
    assert protected_spans("@" * 200_000) == []
    assert protected_spans("a@" * 100_000) == []
    assert len(protected_spans("http://" * 50_000)) == 1


@given(st.text(alphabet="ab.@:/ htpw\n", max_size=60))
def test_outside_covers_the_text_in_order(text: str) -> None:
    pieces = outside(text, protected_spans(text))
    assert "".join(text[a:b] for a, b, _ in pieces) == text
    assert all(a <= b for a, b, _ in pieces)
