"""Spans that must pass through untouched: URLs and e-mail addresses, found in linear time."""

from __future__ import annotations

import re

# Each pattern starts with a literal, so a failed attempt costs O(1) and a match is one
# forward scan: no backtracking over long inputs.
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"«»]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'؟،؛»…"
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)++")


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint (start, end) spans of URLs and e-mail addresses in `text`."""
    spans = [_trim(text, m.start(), m.end()) for m in _URL.finditer(text)]
    spans.extend(_emails(text))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop sentence punctuation a URL is followed by; it belongs to the sentence."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


def _emails(text: str) -> list[tuple[int, int]]:
    """E-mail addresses; the look-behind makes a match start only where a local part does."""
    found = []
    for match in _EMAIL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in ".-":
            end -= 1
        found.append((start, end))
    return found


def outside(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Cut `text` into (start, end, protected) pieces covering it in order."""
    pieces: list[tuple[int, int, bool]] = []
    position = 0
    for start, end in spans:
        if start > position:
            pieces.append((position, start, False))
        pieces.append((start, end, True))
        position = end
    if position < len(text) or not pieces:
        pieces.append((position, len(text), False))
    return pieces
