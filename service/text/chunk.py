"""Pack sentences into chunks that fit a model's source token budget; split what does not fit.

Tokens are counted by the caller's `count_tokens` (the model's own tokenizer, special tokens
included). Nothing is ever truncated: a sentence over the budget is split at clause marks
(`، ؛ , ;`), then before a conjunction (`و`, `and`), then between words, then — for a single
word longer than the budget — between characters; every piece is counted again before it is
accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

TokenCounter = Callable[[Sequence[str]], list[int]]

CLAUSE_MARKS = frozenset("،؛,;")
CONJUNCTIONS = frozenset(("و", "and", "but", "while", "whereas", "اما", "ولی", "که"))


@dataclass(frozen=True)
class Chunk:
    """Consecutive sentences (or parts of one long sentence) sent to the model as one input."""

    sentences: tuple[str, ...]
    tokens: int

    @property
    def text(self) -> str:
        """The chunk as one input text."""
        return " ".join(self.sentences)


def chunk(sentences: Sequence[str], count_tokens: TokenCounter, budget: int) -> list[Chunk]:
    """Greedily pack consecutive sentences into chunks of at most `budget` tokens.

    A sentence over the budget is first split with `split_to_budget`, so no chunk exceeds it;
    each chunk's count is measured on its joined text.
    """
    if budget < 1:
        raise ValueError(f"token budget must be positive, not {budget}")
    parts: list[str] = []
    for sentence in sentences:
        parts.extend(split_to_budget(sentence, count_tokens, budget))
    groups = _pack(parts, count_tokens, budget)
    counts = count_tokens([" ".join(group) for group in groups]) if groups else []
    return [Chunk(tuple(group), tokens) for group, tokens in zip(groups, counts, strict=True)]


def split_to_budget(text: str, count_tokens: TokenCounter, budget: int) -> list[str]:
    """`text` as one piece when it fits, else pieces that each fit (see `split_parts`)."""
    return [piece for piece, _ in split_parts(text, count_tokens, budget)]


def split_parts(text: str, count_tokens: TokenCounter, budget: int) -> list[tuple[str, str]]:
    """(piece, glue) pairs that each fit; ''.join(piece + glue) gives `text` back.

    Cut at clause marks first, then before a conjunction (`و`, `and`, `but`), then between
    words; the glue is the space the text was cut at, or '' inside a word too long for the budget.
    """
    if budget < 1:
        raise ValueError(f"token budget must be positive, not {budget}")
    if count_tokens([text])[0] <= budget:
        return [(text, "")]
    pieces = _split(text, count_tokens, budget, 0)
    return [*pieces[:-1], (pieces[-1][0], "")]


def _split(text: str, count_tokens: TokenCounter, budget: int, level: int) -> list[tuple[str, str]]:
    """Cut `text` with the splitter of `level` and pack the units; deeper levels for what
    still does not fit, characters last."""
    if level == len(_LEVELS):
        cut = _split_word(text, count_tokens, budget)
        return [(piece, "") for piece in cut[:-1]] + [(cut[-1], " ")]
    out: list[tuple[str, str]] = []
    for group in _pack(_LEVELS[level](text), count_tokens, budget):
        joined = " ".join(group)
        if len(group) > 1 or count_tokens([joined])[0] <= budget:
            out.append((joined, " "))
        else:
            out.extend(_split(joined, count_tokens, budget, level + 1))
    return out


def _clauses(text: str) -> list[str]:
    """Cut after each clause mark that a space follows; the mark stays with its clause."""
    clauses: list[str] = []
    start = 0
    for index in range(len(text) - 1):
        if text[index] in CLAUSE_MARKS and text[index + 1] == " ":
            clauses.append(text[start : index + 1])
            start = index + 2
    clauses.append(text[start:])
    return clauses


def _conjunctions(text: str) -> list[str]:
    """Cut before each conjunction word; it starts the next clause."""
    words = text.split(" ")
    clauses: list[list[str]] = [[]]
    for word in words:
        if word in CONJUNCTIONS and clauses[-1]:
            clauses.append([])
        clauses[-1].append(word)
    return [" ".join(clause) for clause in clauses]


def _words(text: str) -> list[str]:
    return text.split(" ")


_LEVELS: tuple[Callable[[str], list[str]], ...] = (_clauses, _conjunctions, _words)


def _pack(units: list[str], count_tokens: TokenCounter, budget: int) -> list[list[str]]:
    """Group consecutive units so each group, joined with spaces, fits the budget.

    Linear: every unit is counted once and grouped by its estimated share (its count less
    the special tokens); each group is then counted joined, and one that came out over the
    estimate is halved until it fits. A single unit is returned as is, fitting or not.
    """
    if not units:
        return []
    specials = count_tokens([""])[0]
    groups: list[list[str]] = []
    current: list[str] = []
    used = specials
    for unit, tokens in zip(units, count_tokens(units), strict=True):
        cost = max(tokens - specials, 0)
        if current and used + cost > budget:
            groups.append(current)
            current, used = [], specials
        current.append(unit)
        used += cost
    groups.append(current)
    fitted: list[list[str]] = []
    for group in groups:
        fitted.extend(_fit(group, count_tokens, budget))
    return fitted


def _fit(group: list[str], count_tokens: TokenCounter, budget: int) -> list[list[str]]:
    """The group itself when it fits joined, else its halves, recursively."""
    if len(group) == 1 or count_tokens([" ".join(group)])[0] <= budget:
        return [group]
    middle = len(group) // 2
    return _fit(group[:middle], count_tokens, budget) + _fit(group[middle:], count_tokens, budget)


def _split_word(word: str, count_tokens: TokenCounter, budget: int) -> list[str]:
    """Cut a run with no usable space into the longest prefixes that fit (binary search)."""
    pieces: list[str] = []
    rest = word
    while rest:
        # No sentencepiece or BPE token is longer than 32 characters: searching further
        # would only tokenize text that cannot fit.
        low, high = 1, min(len(rest), 32 * budget)
        while low < high:  # the longest prefix that fits; one character always goes
            middle = (low + high + 1) // 2
            if count_tokens([rest[:middle]])[0] <= budget:
                low = middle
            else:
                high = middle - 1
        if low == 1 and count_tokens([rest[:1]])[0] > budget:
            raise ValueError(f"a token budget of {budget} cannot hold one character")
        pieces.append(rest[:low])
        rest = rest[low:]
    return pieces
