"""Abstractive summaries of long texts: chunk to the model's limit, summarize, repeat (bounded)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from service.engine import Engine
from service.errors import PayloadTooLarge
from service.models.families import family_of
from service.models.registry import ModelSpec, Task
from service.pipelines.extractive import sentences_of
from service.text.chunk import chunk

# Subword tokens per word of a summary: Persian and English news both stay under two.
TOKENS_PER_WORD = 2
# Room left in a chunk for the tokens a model adds (language codes, end of sentence).
SPECIAL_TOKENS = 4


def new_tokens_for(engine: Engine, spec: ModelSpec, max_words: int) -> int:
    """Tokens one summary may have: enough for `max_words`, within the family's target limit,
    and at most half the input limit, so that every pass at least halves the work.
    """
    family = family_of(spec.family)
    wanted = max_words * TOKENS_PER_WORD
    half = family.source_token_limit // 2 - SPECIAL_TOKENS
    return max(1, min(engine.settings.max_new_tokens, wanted, family.target_token_limit, half))


def min_tokens_for(setting: int, new_tokens: int, max_words: int) -> int:
    """Fewest tokens a summary gets: a quarter of what `max_words` asks (at most half the cap),
    set by the request, never by a checkpoint's `min_length`; TARJOMAN_MIN_NEW_TOKENS above it."""
    wanted = min(max_words * TOKENS_PER_WORD // 4, new_tokens // 2)
    return min(max(setting, wanted), new_tokens)


def calls_needed(chunks: int, new_tokens: int, budget: int) -> int:
    """Model calls of a map-reduce that starts with `chunks` chunks, if summaries run full."""
    total = chunks
    while chunks > 1:
        chunks = math.ceil(chunks * new_tokens / budget)
        total += chunks
    return total


@dataclass(frozen=True)
class Reduced:
    """A summary, the model calls it took and the passes over the text (1: it fit at once)."""

    text: str
    calls: int
    passes: int


class MapReduce:
    """Summarizes a list of texts with one model: each pass sends every text's chunks at once."""

    def __init__(self, engine: Engine, spec: ModelSpec, task: Task, max_words: int) -> None:
        self.engine = engine
        self.spec = spec
        self.task = task
        self.budget = family_of(spec.family).source_token_limit - SPECIAL_TOKENS
        options = engine.options_for(spec, task)
        new_tokens = new_tokens_for(engine, spec, max_words)
        self.options = replace(
            options,
            max_new_tokens=new_tokens,
            min_new_tokens=min_tokens_for(options.min_new_tokens, new_tokens, max_words),
        )
        self.max_calls = engine.settings.max_summary_calls

    def count(self, texts: Sequence[str], deadline: float | None = None) -> list[int]:
        """Source tokens of each text (the model's load waited for until `deadline`)."""
        return self.engine.count_tokens(self.spec, texts, self.task, deadline)

    def run(self, texts: Sequence[str], deadline: float) -> list[Reduced]:
        """One summary per text; 413 when a text would need more model calls than allowed."""
        results = [""] * len(texts)
        calls = [0] * len(texts)
        passes = [0] * len(texts)
        pending = {i: sentences_of(text) for i, text in enumerate(texts)}
        while pending:
            jobs: list[tuple[int, str]] = []
            for i, sentences in pending.items():
                chunks = chunk(sentences, partial(self.count, deadline=deadline), self.budget)
                needed = calls[i] + calls_needed(
                    len(chunks), self.options.max_new_tokens, self.budget
                )
                if needed > self.max_calls:
                    raise PayloadTooLarge(
                        f"text[{i}] is too long to summarize: it needs about {needed} model "
                        f"calls and the limit is {self.max_calls}; send a shorter text or use "
                        "mode `extractive`",
                        details={
                            "calls": needed,
                            "limit": self.max_calls,
                            "setting": "TARJOMAN_MAX_SUMMARY_CALLS",
                        },
                    )
                calls[i] += len(chunks)
                passes[i] += 1
                jobs += [(i, c.text) for c in chunks]
            outputs = self.engine.generate(
                self.spec, [text for _, text in jobs], self.options, deadline
            )
            by_text: dict[int, list[str]] = {}
            for (i, _), output in zip(jobs, outputs, strict=True):
                by_text.setdefault(i, []).append(output.text)
            pending = {}
            for i, summaries in by_text.items():
                joined = [s for summary in summaries for s in sentences_of(summary)]
                if len(summaries) == 1 or not joined:
                    results[i] = " ".join(summaries).strip()
                else:
                    pending[i] = joined
        return [Reduced(*parts) for parts in zip(results, calls, passes, strict=True)]
