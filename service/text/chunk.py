"""Pack sentences into chunks that fit a model's source token budget; split what does not fit.

Tokens are counted by the caller's `count_tokens` (the model's own tokenizer, special tokens
included). Nothing is ever truncated: a sentence over the budget is split at clause marks
(`، ؛ , ;`), then between words, then — for a single word longer than the budget — between
characters, and every piece is counted again before it is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

TokenCounter = Callable[[Sequence[str]], list[int]]

CLAUSE_MARKS = frozenset("،؛,;")


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

    The glue is the space the text was cut at, or '' inside a word too long for the budget.
    """
    if budget < 1:
        raise ValueError(f"token budget must be positive, not {budget}")
    if count_tokens([text])[0] <= budget:
        return [(text, "")]
    pieces: list[str] = []
    glues: list[str] = []
    for clauses in _pack(_clauses(text), count_tokens, budget):
        clause = " ".join(clauses)
        if len(clauses) > 1 or count_tokens([clause])[0] <= budget:
            pieces.append(clause)
            glues.append(" ")
            continue
        for words in _pack(clause.split(" "), count_tokens, budget):
            word = " ".join(words)
            if len(words) > 1 or count_tokens([word])[0] <= budget:
                pieces.append(word)
                glues.append(" ")
            else:
                cut = _split_word(word, count_tokens, budget)
                pieces.extend(cut)
                glues.extend([""] * (len(cut) - 1) + [" "])
    glues[-1] = ""
    return list(zip(pieces, glues, strict=True))


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
