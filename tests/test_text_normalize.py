"""normalize: letter forms, invisible characters, spaces, ZWNJ, digits; idempotent."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.normalize import (
    ZWNJ,
    localize_digits,
    normalize,
    to_ascii_digits,
)

# Characters normalize treats specially, mixed with ordinary Persian and Latin text.
SPECIAL = (
    "\u064a\u0649\u0643\u0640\ufeff\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u00a0"
    "\u202f\t\r\n \ufee6\ufef5\u0627\u0653\u06cc\u06a9.:/@"
)
TEXTS = st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), max_size=80)


def test_arabic_letter_forms_become_persian() -> None:
    assert normalize("علي") == "علی"
    assert normalize("مصطفى") == "مصطفی"
    assert normalize("كتاب") == "کتاب"


def test_tatweel_bom_bidi_and_zero_width_characters_are_removed() -> None:
    assert normalize("\ufeffسـلـام\u200b دنیا\u200e\u202b!\u2069") == "سلام دنیا!"
    assert normalize("a\u200db\u2060c") == "abc"


def test_zwnj_is_kept_between_letters_but_cleaned_in_runs_and_beside_spaces() -> None:
    assert normalize("می\u200cروم") == "می\u200cروم"
    assert normalize("می\u200c\u200c\u200cروم") == "می\u200cروم"
    assert normalize("می\u200c روم") == "می روم"
    assert normalize("می \u200cروم") == "می روم"
    assert normalize("\u200cروم\u200c") == "روم"


def test_no_break_spaces_become_spaces_and_runs_collapse() -> None:
    assert normalize("a\u00a0b\u202fc  \t d") == "a b c d"


def test_lines_and_paragraphs_are_kept_and_blank_lines_collapse() -> None:
    text = "  first line  \r\nsecond\r\n\u00a0\n\n\nthird\n"
    assert normalize(text) == "first line\nsecond\n\nthird"


def test_presentation_forms_are_folded_but_not_other_compatibility_characters() -> None:
    assert normalize("\ufee3\ufeae\ufea3\ufe92\ufe8e") == "مرحبا"
    assert normalize("\ufefb") == "لا"
    # NFKC would change these; they are not Arabic presentation forms.
    assert normalize("m² … ﬁle") == "m² … ﬁle"


def test_canonical_composition_after_removing_tatweel() -> None:
    assert normalize("ا\u0640\u0653") == unicodedata.normalize("NFC", "ا\u0653") == "آ"


def test_digits_urls_emails_and_latin_names_pass_through() -> None:
    text = "۱۳۹۶ و 2017 در https://example.com/يك?q=ك و ali.k@mail.example.com و Kuwait"
    out = normalize(text)
    assert "۱۳۹۶" in out
    assert "2017" in out
    assert "https://example.com/يك?q=ك" in out
    assert "ali.k@mail.example.com" in out
    assert "Kuwait" in out


def test_irna_article(irna_text: str) -> None:
    out = normalize(irna_text)
    assert "\u064a" not in out
    assert "\u00a0" not in out
    assert "  " not in out
    assert "\n\n\n" not in out
    assert out == out.strip()
    assert "۱۳۹۶" in out  # the Jalali date keeps its Persian digits
    assert normalize(out) == out


@given(TEXTS)
@settings(max_examples=400, deadline=None)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(TEXTS)
@settings(max_examples=200, deadline=None)
def test_normalized_text_has_none_of_the_removed_characters(text: str) -> None:
    out = normalize(text)
    assert not set(out) & set("\u064a\u0649\u0643\u0640\ufeff\u200b\u200d\u00a0\r\t")
    assert f"{ZWNJ} " not in out
    assert f" {ZWNJ}" not in out
    assert ZWNJ * 2 not in out


def test_to_ascii_digits() -> None:
    assert to_ascii_digits("۱۳۹۶٫۵ و ٣") == "1396.5 و 3"


def test_localize_digits_writes_the_target_languages_digits() -> None:
    assert localize_digits("سال 2017", "fa") == "سال ۲۰۱۷"
    assert localize_digits("year ۱۳۹۶", "en") == "year 1396"
    assert localize_digits("سال 2017", "fa", "ascii") == "سال 2017"
    assert localize_digits("سال 2017 ۵", "fa", "keep") == "سال 2017 ۵"


@given(TEXTS, st.sampled_from(["fa", "en"]))
@settings(max_examples=200, deadline=None)
def test_localize_digits_changes_only_digits_and_their_marks(text: str, language: str) -> None:
    out = localize_digits(text, language)
    assert len(out) == len(text)
    assert to_ascii_digits(out) == to_ascii_digits(text)
    if not any(char.isdigit() for char in text):
        assert out == text


def test_localize_digits_leaves_urls_emails_and_latin_words() -> None:
    text = "جنگنده F-35 و https://x.com/2017 و a1@b2.com و 12"
    assert localize_digits(text, "fa") == "جنگنده F-35 و https://x.com/2017 و a1@b2.com و ۱۲"
