"""Sentence segmentation for fa and en that keeps every character, in linear time.

One left-to-right scan, no regular expression (nothing can backtrack). A sentence ends at a run
of `. ! ? ؟ ؛ …` (with the closing quotes after it) followed by whitespace, or at a line break.
Not an end: a decimal point (no space follows), an abbreviation or initial, a list number at
the start of a line, a dot inside a URL or e-mail address, a terminator followed by a
lower-case Latin word. Closing quotes and brackets after a terminator stay with its sentence
(`«…است.»`); sentences inside quotes are split like any other, as news references do.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.text.spans import protected_spans

TERMINATORS = frozenset(".!?؟؛…")
CLOSERS = frozenset("\"'»”’)]")

# Never end a sentence: titles and Latin abbreviations that a name or number follows.
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "gov",
        "sen",
        "sens",
        "rep",
        "reps",
        "rev",
        "hon",
        "capt",
        "col",
        "lt",
        "sgt",
        "maj",
        "mt",
        "ft",
        "no",
        "nos",
        "det",
        "vs",
        "v",
        "e.g",
        "i.e",
        "cf",
        "approx",
        "fig",
        "vol",
        "pp",
        "p",
        "ch",
        "sec",
        "art",
        "dept",
        "est",
        "ca",
        "al",
    ]
)
# Month abbreviations do not end a sentence when a day follows: "Dec. 26".
MONTHS = frozenset(
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
# Persian abbreviations written with dots: ق.م (BC), ه.ش / ه.ق (solar / lunar hijri), ص (page).
PERSIAN_ABBREVIATIONS = frozenset(["ق.م", "ه.ش", "ه.ق", "م", "ص", "ج", "ر.ک"])


@dataclass(frozen=True)
class Piece:
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
    start = 0
    i = 0
    line_start = 0
    while i < n:
        char = text[i]
        while span_index < len(protected) and protected[span_index][1] <= i:
            span_index += 1
        if span_index < len(protected) and protected[span_index][0] <= i:
            i = protected[span_index][1]
            continue
        if char == "\n":
            end = i
            while i < n and text[i] in " \n":
                i += 1
            pieces.append(Piece(text[start:end], text[end:i]))
            start = line_start = i
            continue
        if char not in TERMINATORS:
            i += 1
            continue
        run_start = i
        while i < n and (text[i] in TERMINATORS or text[i] in CLOSERS):
            i += 1
        if i >= n or text[i] != " ":
            continue  # a decimal point, a dot in a word, or the end of the text
        if not _ends_sentence(text, run_start, i, line_start):
            continue
        end = i
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == "\n":
            continue  # the line break ends this sentence and takes the spaces with it
        pieces.append(Piece(text[start:end], text[end:i]))
        start = i
    if start < n or not pieces:
        pieces.append(Piece(text[start:], ""))
    return pieces


def _ends_sentence(text: str, run_start: int, after: int, line_start: int) -> bool:
    """Whether the terminators at text[run_start:after] (then a space) end a sentence."""
    following = after
    while following < len(text) and text[following] == " ":
        following += 1
    next_char = text[following] if following < len(text) else ""
    if "a" <= next_char <= "z":
        return False  # an English sentence does not start in lower case
    if text[run_start:after] != "." and text[run_start] != ".":
        return True  # ! ? ؟ ؛ … end a sentence whatever word precedes them
    word_start = run_start
    while word_start > line_start and text[word_start - 1] not in " \n":
        word_start -= 1
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
    if _is_dotted_acronym(word):
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
