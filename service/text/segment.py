"""Sentence segmentation that keeps every character: pieces and the whitespace after them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? ؟ … followed by whitespace, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?؟…])[ \t]+|\n+[ \t\n]*")


@dataclass(frozen=True)
class Piece:
    """A sentence and the separator that followed it in the source."""

    text: str
    separator: str


def segment(text: str) -> list[Piece]:
    """Split into sentences; ''.join(p.text + p.separator) gives the text back."""
    pieces: list[Piece] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        pieces.append(Piece(text[start : match.start()], match.group()))
        start = match.end()
    pieces.append(Piece(text[start:], ""))
    return [p for p in pieces if p.text or p.separator]
