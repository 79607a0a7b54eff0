"""Language detection for fa and en by the share of Arabic-script and Latin letters.

Two languages in two scripts need no statistical model: the script of the letters decides, and
the share of the winning script is the confidence. Digits, punctuation, URLs and e-mail
addresses are not letters of either language and are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.text.spans import outside, protected_spans

# Below this share of letters in one script a text is too mixed to call.
MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Detection:
    """The language of a text (None when it has no letters) and how sure we are (0..1)."""

    language: str | None
    confidence: float

    @property
    def reliable(self) -> bool:
        """Whether the text is clear enough to translate without an explicit source."""
        return self.language is not None and self.confidence >= MIN_CONFIDENCE


def is_arabic_script(char: str) -> bool:
    """Arabic, Arabic Supplement and the Arabic presentation forms."""
    return (
        "\u0600" <= char <= "\u06ff"
        or "\u0750" <= char <= "\u077f"
        or "\ufb50" <= char <= "\ufdff"
        or "\ufe70" <= char <= "\ufeff"
    )


def is_latin(char: str) -> bool:
    """Basic Latin, Latin-1 and Latin Extended letters (names like Müller, Sánchez)."""
    return "a" <= char.lower() <= "z" or "\u00c0" <= char <= "\u024f"


def letter_counts(text: str) -> tuple[int, int, int]:
    """(Arabic-script, Latin, other) letters outside URLs and e-mail addresses."""
    arabic = latin = other = 0
    for start, end, protected in outside(text, protected_spans(text)):
        if protected:
            continue
        for char in text[start:end]:
            if not char.isalpha():
                continue
            if is_arabic_script(char):
                arabic += 1
            elif is_latin(char):
                latin += 1
            else:
                other += 1
    return arabic, latin, other


def detect(text: str) -> Detection:
    """Persian when most letters are Arabic-script, English when most are Latin."""
    arabic, latin, other = letter_counts(text)
    letters = arabic + latin + other
    if letters == 0:
        return Detection(None, 0.0)
    if arabic >= latin:
        return Detection("fa", arabic / letters)
    return Detection("en", latin / letters)


def detect_each(texts: Sequence[str]) -> list[Detection]:
    """One detection per text: a batch is never given one language for all."""
    return [detect(text) for text in texts]


def has_letters(text: str) -> bool:
    """Whether `text` has a letter outside URLs and e-mail addresses: something to translate."""
    # The letters `letter_counts` counts, stopping at the first (usually the first character).
    return any(
        not protected and any(char.isalpha() for char in text[start:end])
        for start, end, protected in outside(text, protected_spans(text))
    )
