"""Language detection for fa and en by the share of Arabic-script and Latin letters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Detection:
    """The language of a text (None when it has no letters) and how sure we are (0..1)."""

    language: str | None
    confidence: float


def _is_arabic_script(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" or "\ufb50" <= char <= "\ufeff"


def detect(text: str) -> Detection:
    """Persian when most letters are Arabic-script, English when most are Latin."""
    persian = latin = 0
    for char in text:
        if not char.isalpha():
            continue
        if _is_arabic_script(char):
            persian += 1
        elif char.isascii():
            latin += 1
    letters = persian + latin
    if letters == 0:
        return Detection(None, 0.0)
    if persian >= latin:
        return Detection("fa", persian / letters)
    return Detection("en", latin / letters)
