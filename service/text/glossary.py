"""Glossary and keep-terms: protect them with placeholders the model copies, restore after.

`glossary` maps a source term to the target term to write; `keep` lists terms written as they
are (names, acronyms, tickers). Each occurrence becomes `QXG<n>Q` (a prefix the text does not
already hold); after translation each placeholder is replaced by its target term. A term is
reported as applied only when its placeholder came back from the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from service.text import placeholders
from service.text.markup import marker_for, placeholder


@dataclass(frozen=True)
class Terms:
    """The terms of one request: source term → output term, longest first."""

    replacements: tuple[tuple[str, str], ...]
    marker: str = "QXG"

    @classmethod
    def build(
        cls, glossary: Mapping[str, str] | None, keep: Sequence[str] | None, source: str = ""
    ) -> Terms:
        """Terms from a request; `source` is every text, to pick a marker none of them has."""
        pairs = {term: term for term in keep or () if term}
        pairs.update({term: target for term, target in (glossary or {}).items() if term})
        ordered = sorted(pairs.items(), key=lambda pair: (-len(pair[0]), pair[0]))
        return cls(tuple(ordered), marker_for(source, "QXG"))

    def __bool__(self) -> bool:
        return bool(self.replacements)


@dataclass
class Protected:
    """A text with its terms replaced by placeholders, and what each placeholder stands for."""

    text: str
    slots: list[tuple[str, str]] = field(default_factory=list)  # (source term, output term)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def protect(text: str, terms: Terms, keep_out: re.Pattern[str] | None = None) -> Protected:
    """Replace each whole-word occurrence of a term (longest first) with a placeholder.

    Matches of `keep_out` (the HTML tag placeholders) are copied as they are and count as
    word boundaries, so `<b>Kuwait</b>` still has the whole word `Kuwait`.
    """
    if not terms:
        return Protected(text)
    by_first: dict[str, list[tuple[str, str]]] = {}
    for pair in terms.replacements:  # longest first within each list, as in `replacements`
        by_first.setdefault(pair[0][0], []).append(pair)
    slots: list[tuple[str, str]] = []
    out: list[str] = []
    position = 0
    for match in keep_out.finditer(text) if keep_out else ():
        out.append(_protect_run(text[position : match.start()], by_first, slots, terms.marker))
        out.append(match.group())
        position = match.end()
    out.append(_protect_run(text[position:], by_first, slots, terms.marker))
    return Protected("".join(out), slots)


def _protect_run(
    text: str, by_first: dict[str, list[tuple[str, str]]], slots: list[tuple[str, str]], marker: str
) -> str:
    """One scan; at each word start only the terms that begin with its character are tried."""
    out: list[str] = []
    position = 0
    while position < len(text):
        if position == 0 or not _is_word_char(text[position - 1]):
            for term, target in by_first.get(text[position], ()):
                end = position + len(term)
                if text.startswith(term, position) and (
                    end == len(text) or not _is_word_char(text[end]) or not _is_word_char(term[-1])
                ):
                    out.append(placeholder(len(slots), marker))
                    slots.append((term, target))
                    position = end
                    break
            else:
                out.append(text[position])
                position += 1
            continue
        out.append(text[position])
        position += 1
    return "".join(out)


def restore(text: str, protected: Protected, marker: str) -> tuple[str, list[str], list[str]]:
    """(text with terms put back, source terms applied, source terms whose placeholder was lost).

    Placeholders a model mangled (`QXG 0 Q`, `QXG۰Q`, `qxg0q`) are found too (placeholders.py).
    """
    if not protected.slots:
        return text, [], []
    slots = protected.slots
    restored, seen = placeholders.restore(text, marker, len(slots), lambda i: slots[i][1])
    applied = [slots[i][0] for i in sorted(seen)]
    lost = [term for i, (term, _) in enumerate(slots) if i not in seen]
    return restored, applied, lost
