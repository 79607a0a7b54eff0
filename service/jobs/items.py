"""One chunk of a job's items through the translate or summarize pipeline, one outcome each."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.engine import Engine
from service.errors import ClientError
from service.jobs.documents import Unit
from service.jobs.model import JobSpec
from service.pipelines.summarize import Request, summarize
from service.pipelines.translate import translate

# A chunk's segments may wait behind live requests for long: jobs are not in a hurry.
CHUNK_DEADLINE_S = 3600.0
OUTPUT_KEY = {"translate": "text", "summarize": "summary"}


@dataclass(frozen=True)
class Item:
    """The outcome of one unit: its output (the source itself when it failed), error, metadata."""

    text: str
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _translate(engine: Engine, spec: JobSpec, texts: list[str], html: bool) -> list[Item]:
    options = spec.options
    results = translate(
        engine,
        texts,
        options.get("source", "auto"),
        options.get("target"),
        html=html,
        terms_glossary=options.get("glossary"),
        keep=options.get("keep"),
        deadline=time.monotonic() + CHUNK_DEADLINE_S,
    )
    items = []
    for result in results:
        meta: dict[str, Any] = {
            "source": result.source,
            "target": result.target,
            "model": result.model,
        }
        if result.terms_lost:
            meta["terms_lost"] = list(result.terms_lost)
        items.append(Item(result.text, None, meta))
    return items


def _summarize(engine: Engine, spec: JobSpec, texts: list[str]) -> list[Item]:
    options = spec.options
    request = Request(
        options.get("mode", "auto"), options.get("max_sentences", 3), options.get("max_words", 60)
    )
    summaries = summarize(
        engine, texts, options.get("source", "auto"), options.get("target"), request
    )
    items = []
    for summary in summaries:
        meta = dataclasses.asdict(summary)
        text = meta.pop("summary")
        items.append(Item(text, None, meta))
    return items


def _group(engine: Engine, spec: JobSpec, units: Sequence[Unit]) -> list[Item]:
    """Units of one kind (plain or HTML); a text the pipeline refuses fails alone."""
    texts = [unit.text for unit in units]
    try:
        if spec.task == "summarize":
            return _summarize(engine, spec, texts)
        return _translate(engine, spec, texts, units[0].html)
    except ClientError as exc:
        if len(units) == 1:
            return [Item(units[0].text, exc.message)]
    # One bad item must not fail its neighbours: each alone, to find it.
    return [item for unit in units for item in _group(engine, spec, [unit])]


def process(engine: Engine, spec: JobSpec, units: Sequence[Unit]) -> list[Item]:
    """One outcome per unit, in order; blank units pass through untouched.

    Overload, deadline and model errors propagate: the caller waits and retries the chunk.
    """
    outcomes: list[Item | None] = [None if unit.text.strip() else Item(unit.text) for unit in units]
    for html in (False, True):
        todo = [i for i, unit in enumerate(units) if outcomes[i] is None and unit.html == html]
        if todo:
            for index, item in zip(
                todo, _group(engine, spec, [units[i] for i in todo]), strict=True
            ):
                outcomes[index] = item
    return [item for item in outcomes if item is not None]
