"""segment: sentence boundaries for fa and en, lossless, linear; golden on IRNA and NTREX."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.normalize import normalize
from service.text.segment import CLOSERS, TERMINATORS, Piece, join_pieces, segment, sentences
from tests.conftest import data_file


def test_persian_and_english_terminators() -> None:
    text = "اولی. دومی؟ سومی! چهارمی؛ پنجمی… First. Second? Third!"
    assert sentences(text) == [
        "اولی.",
        "دومی؟",
        "سومی!",
        "چهارمی؛",
        "پنجمی…",
        "First.",
        "Second?",
        "Third!",
    ]


def test_decimals_in_both_digit_systems_do_not_end_a_sentence() -> None:
    assert sentences("سال ۱۳۹۶.۵ بود. قیمت 3.5 دلار شد.") == [
        "سال ۱۳۹۶.۵ بود.",
        "قیمت 3.5 دلار شد.",
    ]


def test_abbreviations_initials_and_acronyms() -> None:
    text = "Mr. Smith met Dr. J. K. Rowling in the U.S. Senate on Dec. 26. They spoke."
    assert sentences(text) == [
        "Mr. Smith met Dr. J. K. Rowling in the U.S. Senate on Dec. 26.",
        "They spoke.",
    ]


def test_a_capital_letter_after_a_lower_case_word_ends_a_sentence() -> None:
    assert sentences("She got a grade A. The rest failed.") == [
        "She got a grade A.",
        "The rest failed.",
    ]


def test_lower_case_next_word_and_no_space_do_not_end_a_sentence() -> None:
    assert sentences("It was approx. Five. Then e.g.this one.") == [
        "It was approx. Five.",
        "Then e.g.this one.",
    ]
    assert sentences("He left. and came back.") == ["He left. and came back."]
    assert sentences("Wait... what happened?") == ["Wait... what happened?"]


def test_a_free_standing_ellipsis_is_an_omission() -> None:
    assert sentences("سیب، گلابی و ... خریدند. Then … Later.") == [
        "سیب، گلابی و ... خریدند.",
        "Then … Later.",
    ]
    assert sentences("Wait… Then go.") == ["Wait…", "Then go."]


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert sentences('او گفت: «ما آماده‌ایم.» سپس رفت. He said "stop." Then left.') == [
        "او گفت: «ما آماده‌ایم.»",
        "سپس رفت.",
        'He said "stop."',
        "Then left.",
    ]


def test_urls_and_emails_are_not_cut() -> None:
    text = "Read https://example.com/a. Then write to ali@news.example.ir. Done."
    assert sentences(text) == [
        "Read https://example.com/a.",
        "Then write to ali@news.example.ir.",
        "Done.",
    ]


def test_numbered_lists_and_line_breaks() -> None:
    text = "Steps:\n1. Open the box.\n2. Read it.\n۳. تمام."
    assert sentences(text) == ["Steps:", "1. Open the box.", "2. Read it.", "۳. تمام."]


def test_paragraph_breaks_are_kept_in_separators() -> None:
    pieces = segment("One. Two.\n\nThree.\nFour.")
    assert pieces == [
        Piece("One.", " "),
        Piece("Two.", "\n\n"),
        Piece("Three.", "\n"),
        Piece("Four.", ""),
    ]
    assert [p.paragraph_end for p in pieces] == [False, True, False, False]


def test_irna_golden(irna_text: str) -> None:
    """Header, date line, the 11 report sentences (one a line) and the source line."""
    text = normalize(irna_text)
    got = sentences(text)
    assert len(got) == 14
    lines = [line for line in text.split("\n") if line]
    assert got == lines  # in this article every sentence is exactly one line
    assert got[0].startswith("کد مطلب")
    assert got[1].startswith("تاریخ انتشار")
    assert "۱۳۹۶" in got[1]
    assert got[-1].startswith("منبع")
    assert all(s.endswith(".") for s in got[2:-1])
    paragraph_ends = [p.paragraph_end for p in segment(text)]
    assert paragraph_ends.count(True) == 3  # after the header, after the lead, before the source


def ntrex_documents(lang: str) -> list[list[str]]:
    """NTREX documents (lists of normalized lines), joined by DOCUMENT_IDS.tsv."""
    name = "newstest2019-src.eng.txt" if lang == "en" else "newstest2019-ref.fas.txt"
    lines = data_file(f"ntrex/{name}").read_text(encoding="utf-8").splitlines()
    ids = data_file("ntrex/DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    documents: OrderedDict[str, list[str]] = OrderedDict()
    for doc_id, line in zip(ids, lines, strict=True):
        documents.setdefault(doc_id.split("\t")[0], []).append(normalize(line))
    return list(documents.values())


def boundaries(pieces: list[Piece]) -> set[int]:
    ends, position = set(), 0
    for piece in pieces:
        position += len(piece.text)
        ends.add(position)
        position += len(piece.separator)
    return ends


# Golden figures: NTREX documents with their lines joined by spaces. Missed line ends:
# en "... the southwest U.S. Rosa will ..." (an acronym at a sentence end).
NTREX_GOLDEN = {"en": (123, 1997, 1861, 1), "fa": (123, 1997, 1892, 0)}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_ntrex_golden(lang: str) -> None:
    """Every line that ends with a terminator ends a sentence; counts are pinned."""
    documents = ntrex_documents(lang)
    total = missed = 0
    for lines in documents:
        text = " ".join(lines)
        pieces = segment(text)
        assert join_pieces(pieces) == text
        found = boundaries(pieces)
        position = 0
        for line in lines:
            position += len(line)
            if line.rstrip("".join(CLOSERS))[-1:] in TERMINATORS and position not in found:
                missed += 1
            position += 1
        total += len([p for p in pieces if p.text])
    lines_count = sum(len(d) for d in documents)
    assert (len(documents), lines_count, total, missed) == NTREX_GOLDEN[lang]


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_ntrex_lines_joined_by_line_breaks_give_one_sentence_a_line_at_least(lang: str) -> None:
    for lines in ntrex_documents(lang):
        text = "\n".join(lines)
        found = boundaries(segment(text))
        ends = {sum(len(x) + 1 for x in lines[: i + 1]) - 1 for i in range(len(lines))}
        assert ends <= found


TEXTS = st.text(alphabet=st.sampled_from("اب a B1۱.!?؟؛…»\"' \n") | st.characters(), max_size=120)


@given(TEXTS)
@settings(max_examples=400, deadline=None)
def test_segment_then_join_is_lossless(text: str) -> None:
    pieces = segment(text)
    assert join_pieces(pieces) == text
    assert all(not p.separator.strip() for p in pieces)


@given(TEXTS)
@settings(max_examples=200, deadline=None)
def test_segment_of_normalized_text_has_no_empty_sentences(text: str) -> None:
    text = normalize(text)
    assert all(p.text for p in segment(text)) or text == ""


@pytest.mark.parametrize(
    "text",
    [
        "و" * 1_000_000,  # no punctuation at all
        "." * 1_000_000,  # only dots
        ". " * 500_000,  # a dot and a space, over and over
        "؟!…" * 333_333,  # only punctuation
        "a." * 500_000,  # 500k dots inside one word
        "\n" * 1_000_000,
        "http://" * 140_000,
        "x@" * 500_000,
    ],
    ids=["letters", "dots", "dot-space", "punctuation", "word-dots", "newlines", "url", "at"],
)
def test_one_megabyte_of_adversarial_input_is_segmented_losslessly(text: str) -> None:
    # Linear by construction (one scan, no regex); `python scripts/...` figures in the docs.
    assert join_pieces(segment(text)) == text
