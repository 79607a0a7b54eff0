"""Placeholders (`QXG0Q`) found again in model output even when the model mangled them."""

# Real models copy a placeholder but not always exactly: a space inside (`QXG 0 Q`), the digits
# written in Persian (`QXG۰Q`), the case changed (`Qxg0q`). Restoration accepts each of these;
# the prefix (`marker_for`) is chosen so that none of them can occur in the request's own text.

from __future__ import annotations

import re
from collections.abc import Callable

_DIGIT = "[0-9\u06f0-\u06f9\u0660-\u0669]"
_TO_ASCII = str.maketrans(
    "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
    "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
    "0123456789" * 2,
)


def marker_for(source: str, base: str) -> str:
    """A placeholder prefix that no text of the request holds, in any case."""
    marker = base
    folded = source.casefold()
    while marker.casefold() in folded:
        marker += base[-1]
    return marker


def make(index: int, marker: str) -> str:
    """The placeholder for slot `index`: Latin capitals and digits, which every vocabulary has."""
    return f"{marker}{index}Q"


def exact(marker: str) -> re.Pattern[str]:
    """The placeholders of `marker` as written into a source text; group 1 is the index."""
    return re.compile(re.escape(marker) + r"(\d+)Q")


def tolerant(marker: str) -> re.Pattern[str]:
    """The placeholders of `marker` in model output: spaces inside, any digits, any case."""
    letters = " ?".join(re.escape(char) for char in marker)
    return re.compile(f"{letters} ?({_DIGIT}(?: ?{_DIGIT})*+) ?Q", re.IGNORECASE)


def index_of(match: re.Match[str]) -> int:
    """The slot number a (possibly mangled) placeholder names."""
    return int(match.group(1).replace(" ", "").translate(_TO_ASCII))


def restore(
    text: str, marker: str, count: int, render: Callable[[int], str]
) -> tuple[str, list[int]]:
    """`text` with each placeholder of slots 0..count-1 replaced by `render(index)`; the indices
    that came back, in order of first appearance. An index out of range is left as written."""
    seen: list[int] = []

    def put_back(match: re.Match[str]) -> str:
        index = index_of(match)
        if index >= count:
            return match.group(0)
        if index not in seen:
            seen.append(index)
        return render(index)

    return tolerant(marker).sub(put_back, text), seen
