"""Translate texts: normalize, protect, segment to the budget, generate, check, reassemble."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from functools import partial

from service.engine import Engine
from service.errors import AmbiguousLanguage, InvalidRequest
from service.models.registry import Task
from service.pipelines import fit
from service.pipelines.alternatives import attach
from service.pipelines.assemble import Job, Markers, Translation, Unit, default_dates, render_job
from service.pipelines.cuts import Cutter
from service.text import datewrite, glossary, markup, placeholders
from service.text.dates import DateMode
from service.text.detect import detect, has_letters
from service.text.normalize import normalize
from service.text.segment import segment

__all__ = ["Translation", "resolve_languages", "translate"]

OTHER = {"fa": "en", "en": "fa"}
_SPACE_RUN = re.compile(r"\s+")  # one class, one quantifier: linear


def resolve_languages(
    text: str, source: str, target: str | None, index: int = 0
) -> tuple[str, str]:
    """The (source, target) for one text (number `index` of the request); `auto` per text."""
    if source == "auto":
        detection = detect(text)
        if detection.language is None:
            source = OTHER[target] if target else "fa"
        elif not detection.reliable:
            raise AmbiguousLanguage(
                f"the language of text[{index}] is too mixed to tell; set `source` to fa or en",
                details={"index": index, "confidence": round(detection.confidence, 3)},
            )
        else:
            source = detection.language
    target = target or OTHER[source]
    if source == target:
        raise InvalidRequest(f"source and target are both {source!r}")
    return source, target


def translate(
    engine: Engine,
    texts: Sequence[str],
    source: str = "auto",
    target: str | None = None,
    *,
    html: bool = False,
    terms_glossary: Mapping[str, str] | None = None,
    keep: Sequence[str] | None = None,
    deadline: float | None = None,
    polish: bool = True,
    date_mode: DateMode | None = None,
    ignore_tags: Collection[str] = (),
    alternatives: int = 0,
) -> list[Translation]:
    """Translate every text; each distinct sentence part goes to its model exactly once.

    `polish` restores Persian half-spaces and letters in Persian output; `date_mode` says how
    dates are written (None: `default_dates` for the direction); `alternatives` asks for up to
    that many distinct other translations of each plain text (n-best of beam search).
    """
    deadline = engine.deadline() if deadline is None else deadline
    everything = "\n".join(texts)
    terms = glossary.Terms.build(
        {normalize(k): v for k, v in (terms_glossary or {}).items()},
        [normalize(term) for term in keep or ()],
        everything,
    )
    tag_marker = markup.marker_for(everything + terms.marker)
    markers = Markers(
        tag_marker,
        terms.marker,
        placeholders.marker_for(everything + terms.marker + tag_marker, "QXD"),
    )
    strip = markers.strip()
    digits = engine.settings.output_digits
    jobs = [
        _prepare(
            index, text, source, target, html, terms, markers, (date_mode, digits), ignore_tags
        )
        for index, text in enumerate(texts)
    ]

    outputs: dict[tuple[str, str], dict[str, fit.Output]] = {}
    models: dict[tuple[str, str], str] = {}
    for src, tgt in sorted({(j.source, j.target) for j in jobs if not j.untranslated}):
        task = Task("translate", src, tgt)
        spec = engine.profile.require(task)
        mine = [j for j in jobs if (j.source, j.target) == (src, tgt) and not j.untranslated]
        count = partial(engine.count_tokens, spec, task=task, deadline=deadline)
        inputs = _fit_parts(mine, partial(fit.cut, engine, spec, task, count=count), strip)
        outputs[(src, tgt)] = fit.translate_parts(
            engine, spec, task, inputs, deadline, count, alternatives
        )
        models[(src, tgt)] = spec.name

    translations = [
        render_job(job, outputs, models, markers, polish, digits)
        if not job.untranslated
        else Translation(job.original, job.source, job.target, None, job.detected, True)
        for job in jobs
    ]
    return attach(jobs, translations, outputs, (models, markers, polish, digits), alternatives)


def _prepare(
    index: int,
    text: str,
    source: str,
    target: str | None,
    html: bool,
    terms: glossary.Terms,
    markers: Markers,
    date_options: tuple[DateMode | None, str],
    ignore_tags: Collection[str] = (),
) -> Job:
    """Normalize, detect, protect and segment one input (each block of it, for HTML)."""
    document = markup.parse(text, markers.tags, ignore_tags) if html else None
    if document is not None:
        raw_blocks = [block.text for block in document.blocks]
        tags = [block.tags for block in document.blocks]
    else:
        raw_blocks, tags = [text], [[]]
    units = []
    tags_pattern = markup.placeholder_pattern(markers.tags)
    strip = markers.strip()
    for raw, block_tags in zip(raw_blocks, tags, strict=True):
        lead = raw[: len(raw) - len(raw.lstrip())] if html else ""
        trail = raw[len(raw.rstrip()) :] if html else ""
        # In HTML a line break is just a space; in plain text it ends a sentence.
        body = _SPACE_RUN.sub(" ", raw.strip()) if html else raw
        protected = glossary.protect(normalize(body), terms, tags_pattern)
        units.append(Unit([], protected, [], lead, trail, block_tags))
    plain = " ".join(strip.sub(" ", unit.protected.text) for unit in units)
    detected = detect(plain) if source == "auto" else None
    if not has_letters(plain) and not any(u.protected.slots for u in units):
        src = source if source != "auto" else (OTHER[target] if target else "fa")
        return Job(src, target or OTHER[src], detected, units, document, text, True)
    src, tgt = resolve_languages(plain, source, target, index)
    mode, digits = date_options
    for unit in units:
        unit.protected.text, unit.date_slots = datewrite.protect(
            unit.protected.text,
            src,
            tgt,
            mode or default_dates(src, tgt),
            markers.dates,
            digits,
            tags_pattern,
        )
        unit.pieces = [(p.text, p.separator) for p in segment(unit.protected.text)]
    return Job(src, tgt, detected, units, document, text)


def _fit_parts(jobs: list[Job], cut: Cutter, strip: re.Pattern[str]) -> list[str]:
    """Cut each sentence into parts under the model's limit; the distinct parts, sorted."""
    sentences = sorted(
        {
            text
            for job in jobs
            for unit in job.units
            for text, _ in unit.pieces
            if has_letters(strip.sub(" ", text))
        }
    )
    split = cut(sentences)
    for job in jobs:
        for unit in job.units:
            unit.parts = [split.get(text, []) for text, _ in unit.pieces]
    return sorted({part for parts in split.values() for part, _ in parts})
