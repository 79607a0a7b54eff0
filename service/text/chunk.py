"""Pack sentences into chunks that fit a model's source token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

TokenCounter = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class Chunk:
    """Consecutive sentences sent to the model as one input, and their token count."""

    sentences: tuple[str, ...]
    tokens: int

    @property
    def text(self) -> str:
        """The chunk as one input text."""
        return " ".join(self.sentences)


def chunk(sentences: Sequence[str], count_tokens: TokenCounter, budget: int) -> list[Chunk]:
    """Greedily pack consecutive sentences into chunks of at most `budget` tokens."""
    counts = count_tokens(sentences)
    chunks: list[Chunk] = []
    current: list[str] = []
    used = 0
    for sentence, tokens in zip(sentences, counts, strict=True):
        if current and used + tokens > budget:
            chunks.append(Chunk(tuple(current), used))
            current, used = [], 0
        current.append(sentence)
        used += tokens
    if current:
        chunks.append(Chunk(tuple(current), used))
    return chunks
