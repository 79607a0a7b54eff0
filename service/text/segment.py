"""Sentence segmentation for fa and en that keeps every character, in linear time.

One scan for runs of terminators and line breaks (possessive quantifiers: nothing can
backtrack, each character is read once). A sentence ends at a run of `. ! ? ؟ ؛ …` (with the
closing quotes after it) followed by a space, or at a line break. Not an end: a decimal point
(no space follows), an abbreviation or initial, a list number at the start of a line, a dot
inside a URL or e-mail address, a terminator followed by a lower-case Latin word, an ellipsis
standing free (`و ...`). Closing quotes stay with their sentence (`«…است.»`); sentences
inside quotes are split like any other, as news references do.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from service.text.spans import protected_spans

TERMINATORS = frozenset(".!?؟؛…")
CLOSERS = frozenset("\"'»”’)]")
# A run of terminators with its closing quotes and the spaces after it, or a run of line breaks.
# The look-behind lets a match start only where a run starts, and the quantifiers are
# possessive: a failed attempt costs O(1) and each character is read a bounded number of times.
_RUN = re.compile("(?<![.!?؟؛…])[.!?؟؛…]++[\"'»”’)\\]]*+(?P<space> ++)(?!\n)|\n[ \n]*+")

# Never end a sentence: titles and Latin abbreviations that a name or number follows.
_TITLES_WORDS = (
    "mr mrs ms dr prof st gen gov sen sens rep reps rev hon capt col lt sgt maj mt ft no "
    "nos det vs v e.g i.e cf approx fig vol pp p ch sec art dept est ca al"
)
TITLES = frozenset(_TITLES_WORDS.split())
# Month abbreviations do not end a sentence when a day follows: "Dec. 26".
MONTHS = frozenset(
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
# Persian abbreviations written with dots: ق.م (BC), ه.ش / ه.ق (solar / lunar hijri), ص (page).
PERSIAN_ABBREVIATIONS = frozenset(["ق.م", "ه.ش", "ه.ق", "م", "ص", "ج", "ر.ک"])


class Piece(NamedTuple):
    """A sentence and the whitespace that followed it in the source."""

    text: str
    separator: str

    @property
    def paragraph_end(self) -> bool:
        """True when a blank line follows this sentence."""
        return self.separator.count("\n") >= 2


def segment(text: str) -> list[Piece]:
    """Split into sentences; `join_pieces(segment(t)) == t` for every text."""
    pieces: list[Piece] = []
    protected = protected_spans(text)
    span_index = 0
    n = len(text)
    start = line_start = 0
    for match in _RUN.finditer(text):
        i, end = match.span()
        if protected:
            while span_index < len(protected) and protected[span_index][1] <= i:
                span_index += 1
            if span_index < len(protected) and protected[span_index][0] <= i:
                continue  # a dot inside a URL or an e-mail address
        if text[i] == "\n":
            pieces.append(Piece(text[start:i], text[i:end]))
            start = line_start = end
            continue
        after = match.start("space")
        # Only runs followed by spaces (and no line break, which ends the sentence itself) match.
        if not _ends_sentence(text, i, after, line_start, end):
            continue
        pieces.append(Piece(text[start:after], text[after:end]))
        start = end
    if start < n or not pieces:
        pieces.append(Piece(text[start:], ""))
    return pieces


def _ends_sentence(text: str, run_start: int, after: int, line_start: int, following: int) -> bool:
    """Whether the terminators at text[run_start:after] (then spaces) end a sentence."""
    next_char = text[following] if following < len(text) else ""
    if "a" <= next_char <= "z":
        return False  # an English sentence does not start in lower case
    if run_start > line_start and text[run_start - 1] == " ":
        # A free-standing ellipsis ("و ...", "X … Y") marks an omission, not an end.
        return not (text.startswith("...", run_start) or text[run_start] == "…")
    if run_start == line_start:
        return True  # no word before the terminators: nothing to be an abbreviation
    if text[run_start:after] != "." and text[run_start] != ".":
        return True  # ! ? ؟ ؛ … end a sentence whatever word precedes them
    # The word before the run starts after the last space of this line (a search in C).
    word_start = max(text.rfind(" ", line_start, run_start), line_start - 1) + 1
    word = text[word_start:run_start].lstrip("(\"'«“[")
    lowered = word.lower()
    if lowered in ("no", "nos") and not next_char.isdigit():
        return True  # "No. 5" is a number; "no." ends a sentence
    if lowered in TITLES or word in PERSIAN_ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper() and not _after_lowercase_word(text, word_start):
        return False  # an initial (J. K. Rowling, George W. Bush), not "grade A."
    if lowered in MONTHS and next_char.isdigit():
        return False
    if "." in word and _is_dotted_acronym(word):
        return False  # U.S., D.C.: far more often mid-sentence than at its end in news
    # A numbered list item ("1. ", "۱. ") is not a sentence of its own.
    return not (word_start == line_start and word.isdigit() and len(word) <= 3)


def _is_dotted_acronym(word: str) -> bool:
    """U.S, D.C, U.S.A: capital letters separated by dots (the final dot excluded)."""
    parts = word.split(".")
    return len(parts) >= 2 and all(len(p) == 1 and "A" <= p <= "Z" for p in parts)


def _after_lowercase_word(text: str, word_start: int) -> bool:
    """Whether the word before the one starting at word_start begins in lower case."""
    end = word_start - 1
    if end <= 0 or text[end] != " ":
        return False
    start = end
    while start > 0 and text[start - 1] not in " \n":
        start -= 1
    return "a" <= text[start] <= "z"


def join_pieces(pieces: list[Piece]) -> str:
    """The text the pieces came from."""
    return "".join(p.text + p.separator for p in pieces)


def sentences(text: str) -> list[str]:
    """The sentences of `text`, without their separators; empty ones left out."""
    return [p.text for p in segment(text) if p.text]
