"""Normalization of incoming text: Persian letter forms, spaces, invisible characters, digits.

Table-driven and idempotent (`normalize(normalize(t)) == normalize(t)`, property-tested).
URLs and e-mail addresses are copied unchanged; digits are left as written.
"""

from __future__ import annotations

import re
import unicodedata

from service.text.spans import outside, protected_spans

ZWNJ = "\u200c"

# Letters: the Arabic forms Persian keyboards and Arabic-script feeds mix in.
_LETTERS = {
    "\u064a": "\u06cc",  # ARABIC YEH → PERSIAN YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA → PERSIAN YEH
    "\u0643": "\u06a9",  # ARABIC KAF → KEHEH
}
# Invisible characters that carry nothing a model can use: tatweel, BOM, zero-width
# characters other than ZWNJ (ZWNJ is Persian orthography: the half-space), bidi controls.
_REMOVED = "\u0640\ufeff\u200b\u200d\u2060\u00ad\u200e\u200f\u061c" + "".join(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
# Every horizontal space becomes a plain space; CR is handled before the table.
_SPACES = "\u00a0\u202f\u2007\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a"
_SPACES += "\u205f\u3000\u1680\t\v\f"

_TABLE = str.maketrans({**_LETTERS, **dict.fromkeys(_REMOVED), **dict.fromkeys(_SPACES, " ")})

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS + "٫٬", "0123456789" * 2 + ".,")
_TO_PERSIAN = str.maketrans("0123456789" + ARABIC_DIGITS, PERSIAN_DIGITS * 2)


_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
# After ZWNJ runs are cut to one: a space with the ZWNJs and spaces around it becomes one
# space. Each pattern starts with a fixed short prefix: linear, nothing backtracks.
_ZWNJ_RUN = re.compile("\u200c{2,}")
_SPACE_RUN = re.compile("\u200c? [ \u200c]*+")
# Then at most one space or ZWNJ sits on either side of a line break: drop it.
_LINE_EDGE = re.compile("[ \u200c]?+\n[ \u200c]?+")
_BLANK_LINES = re.compile("\n{3,}")


def _fold_presentation_forms(text: str) -> str:
    """NFKC on Arabic presentation forms only.

    NFKC on everything would also turn `…` into `...`, `²` into `2` and `ﬁ` into `fi`:
    it would change numbers and Latin names, which must pass through unchanged.
    """
    return _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def _normalize_plain(text: str) -> str:
    text = unicodedata.normalize("NFC", _fold_presentation_forms(text))
    # NFC again: removing a tatweel can bring a letter and its mark together.
    return unicodedata.normalize("NFC", text.translate(_TABLE))


def normalize(text: str) -> str:
    """Canonical form: Persian letters, single spaces, `\\n` lines, `\\n\\n` paragraph breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\x85", "\n")
    text = "".join(
        text[start:end] if protected else _normalize_plain(text[start:end])
        for start, end, protected in outside(text, protected_spans(text))
    )
    text = _SPACE_RUN.sub(" ", _ZWNJ_RUN.sub(ZWNJ, text))
    # Blank lines (a lone no-break space included) mark a paragraph break; runs become one.
    text = _BLANK_LINES.sub("\n\n", _LINE_EDGE.sub("\n", text))
    return text.strip(" \n" + ZWNJ)


def to_ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits (and their decimal/thousands marks) to ASCII."""
    return text.translate(_TO_ASCII)


def localize_digits(text: str, language: str, mode: str = "target") -> str:
    """Write digits as `language` does (mode `target`), in ASCII (`ascii`) or as they are (`keep`).

    URLs, e-mail addresses and words with Latin letters (F-35, COVID-19) keep their digits.
    """
    if mode == "keep":
        return text
    table = _TO_PERSIAN if mode == "target" and language == "fa" else _TO_ASCII
    if text.translate(table) == text:
        return text  # no digit to rewrite anywhere: no need to look for URLs and Latin words
    pieces = []
    for start, end, protected in outside(text, protected_spans(text)):
        piece = text[start:end]
        pieces.append(piece if protected else _translate_words(piece, table))
    return "".join(pieces)


def _translate_words(text: str, table: dict[int, int]) -> str:
    """Apply `table` to each space-separated word that has no Latin letter."""
    words = text.split(" ")
    return " ".join(
        word if any("a" <= c.lower() <= "z" for c in word) else word.translate(table)
        for word in words
    )
