"""Normalization of incoming text: Persian letter forms, spaces and invisible characters."""

from __future__ import annotations

import unicodedata

_TABLE = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC YEH → PERSIAN YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA → PERSIAN YEH
        "\u0643": "\u06a9",  # ARABIC KAF → KEHEH
        "\u00a0": " ",  # NO-BREAK SPACE
        "\u202f": " ",  # NARROW NO-BREAK SPACE
        "\ufeff": None,  # BOM
        "\u0640": None,  # TATWEEL
        "\u200b": None,  # ZERO WIDTH SPACE
        "\r": None,
    }
)


def normalize(text: str) -> str:
    """Fold presentation forms (NFKC) and Arabic letter forms; keep ZWNJ, digits and layout."""
    return unicodedata.normalize("NFKC", text).translate(_TABLE)
