"""Segments sized to what a model can read and write; outputs checked, split and retried once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from service.engine import Engine
from service.models.backend import GenerationOptions
from service.models.families import family_of
from service.models.registry import ModelSpec, Task
from service.pipelines.cuts import Parts, remembered
from service.text.checks import suspect
from service.text.chunk import TokenCounter, split_parts

# Output tokens per source token, per direction: a segment is cut so that its translation fits
# the generation limit. Persian takes more pieces per word than English in these vocabularies.
EXPANSION = {("fa", "en"): 1.2, ("en", "fa"): 1.5}
# Content tokens a part may always have, whatever the limits: a model asked to translate three
# tokens at a time writes nonsense, and a tiny `max_new_tokens` is flagged by the checks instead.
MIN_PART = 16


@dataclass(frozen=True)
class Output:
    """A translated part, and what the checks found when even its retry failed."""

    text: str
    truncated: bool = False
    suspect: str | None = None
    alternatives: tuple[str, ...] = ()  # the n-best, best first, when asked for


@dataclass(frozen=True)
class _Generated:
    text: str
    hit_limit: bool
    alternatives: tuple[str, ...] = ()


def budget(engine: Engine, spec: ModelSpec, task: Task, count: TokenCounter) -> int:
    """Source tokens a segment may have: the model's input limit, and the output it can write."""
    family = family_of(spec.family)
    writable = min(engine.settings.max_new_tokens, family.target_token_limit)
    ratio = EXPANSION.get((task.source, task.target), 1.0)
    floor = count([""])[0] + MIN_PART
    return min(family.source_token_limit, max(floor, int(writable / ratio)))


def parts_of(sentences: Sequence[str], count: TokenCounter, limit: int) -> dict[str, Parts]:
    """Each sentence as (part, glue) pairs under `limit` tokens; `''.join` gives it back."""
    counts = dict(zip(sentences, count(sentences), strict=True)) if sentences else {}
    return {s: [(s, "")] if n <= limit else split_parts(s, count, limit) for s, n in counts.items()}


def cut(
    engine: Engine, spec: ModelSpec, task: Task, sentences: Sequence[str], count: TokenCounter
) -> dict[str, Parts]:
    """`parts_of` under the model's budget; a sentence cut before is not counted again."""
    scope = f"cut|{spec!r}|{task!r}|{engine.settings.max_new_tokens}"

    def compute(missing: list[str]) -> dict[str, Parts]:
        return parts_of(missing, count, budget(engine, spec, task, count))

    return remembered(engine.results, scope, sentences, compute)


def halves(
    engine: Engine, spec: ModelSpec, task: Task, texts: Sequence[str], count: TokenCounter
) -> dict[str, Parts]:
    """Each text cut to about half its tokens, for a retry; remembered like `cut`."""

    def compute(missing: list[str]) -> dict[str, Parts]:
        specials = count([""])[0]
        found = {}
        for text, tokens in zip(missing, count(missing), strict=True):
            found[text] = split_parts(text, count, max((tokens + specials) // 2 + 1, specials + 1))
        return found

    return remembered(engine.results, f"halves|{spec!r}|{task!r}", texts, compute)


def _generate(
    engine: Engine,
    spec: ModelSpec,
    texts: Sequence[str],
    options: GenerationOptions,
    deadline: float,
) -> list[_Generated]:
    outputs = engine.generate(spec, texts, options, deadline)
    return [_Generated(out.text, out.hit_limit, out.alternatives) for out in outputs]


def _problem(source: str, result: _Generated, task: Task) -> str | None:
    if result.hit_limit:
        return "limit"
    return suspect(source, result.text, task.source, task.target)


def translate_parts(
    engine: Engine,
    spec: ModelSpec,
    task: Task,
    inputs: Sequence[str],
    deadline: float,
    count: TokenCounter,
    alternatives: int = 0,
) -> dict[str, Output]:
    """Each input's translation; one that hit the limit or is out of proportion is cut in two
    and retranslated once, and flagged (`truncated`, `suspect`) if a piece fails again."""
    options = engine.options_for(spec, task)
    if alternatives:  # n-best of the best and `alternatives` others; batched apart by options
        options = replace(options, num_alternatives=alternatives + 1)
    results = _generate(engine, spec, inputs, options, deadline)
    if options.min_new_tokens >= options.max_new_tokens:
        # The output length is forced (TARJOMAN_MIN_NEW_TOKENS, for benchmarks): the end of
        # sentence is held back on purpose, so the limit and the proportions say nothing.
        return {
            text: Output(result.text, alternatives=result.alternatives)
            for text, result in zip(inputs, results, strict=True)
        }
    outputs: dict[str, Output] = {}
    retry: dict[str, Parts] = {}
    verdicts = [_problem(text, result, task) for text, result in zip(inputs, results, strict=True)]
    problems = [text for text, reason in zip(inputs, verdicts, strict=True) if reason is not None]
    cuts = halves(engine, spec, task, problems, count)
    for text, result, reason in zip(inputs, results, verdicts, strict=True):
        if reason is None:
            outputs[text] = Output(result.text, alternatives=result.alternatives)
            continue
        pieces = cuts[text]
        if len(pieces) < 2:
            flagged = _flagged(engine, spec, result.text, [reason])
            outputs[text] = replace(flagged, alternatives=result.alternatives)
            continue
        engine.metrics.suspect.labels(spec.name, reason, "retried").inc()
        retry[text] = pieces
    if not retry:
        return outputs
    again = sorted({piece for pieces in retry.values() for piece, _ in pieces})
    redone = dict(zip(again, _generate(engine, spec, again, options, deadline), strict=True))
    for text, pieces in retry.items():
        reasons = [_problem(piece, redone[piece], task) for piece, _ in pieces]
        joined = "".join(redone[piece].text + glue for piece, glue in pieces)
        failed = [reason for reason in reasons if reason is not None]
        done = _flagged(engine, spec, joined, failed) if failed else Output(joined)
        outputs[text] = replace(done, alternatives=_joined_alternatives(pieces, redone))
    return outputs


def _joined_alternatives(
    pieces: Sequence[tuple[str, str]], redone: dict[str, _Generated]
) -> tuple[str, ...]:
    """The n-best of a retried input: the k-th of each piece's (its best when it has fewer)."""
    n = max(len(redone[piece].alternatives) for piece, _ in pieces)
    joined = [
        "".join(
            (alts[k] if len(alts := redone[piece].alternatives) > k else redone[piece].text) + glue
            for piece, glue in pieces
        )
        for k in range(n)
    ]
    return tuple(dict.fromkeys(joined))


def _flagged(engine: Engine, spec: ModelSpec, text: str, reasons: list[str]) -> Output:
    for reason in dict.fromkeys(reasons):
        engine.metrics.suspect.labels(spec.name, reason, "flagged").inc()
    others = [reason for reason in reasons if reason != "limit"]
    return Output(text, truncated="limit" in reasons, suspect=others[0] if others else None)
