"""Translate texts: normalize, detect, protect terms, segment, fit the token budget, generate
once per direction, reassemble with the source's paragraphs (and, for HTML, its tags)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from service.engine import Engine
from service.errors import AmbiguousLanguage, InvalidRequest
from service.models.families import family_of
from service.models.registry import Task
from service.text import glossary, markup
from service.text.chunk import TokenCounter, split_parts
from service.text.detect import Detection, detect, has_letters
from service.text.normalize import localize_digits, normalize
from service.text.segment import segment

OTHER = {"fa": "en", "en": "fa"}
_SPACE_RUN = re.compile(r"\s+")  # one class, one quantifier: linear


@dataclass(frozen=True)
class Translation:
    """One translated text: the output, the languages, the model and what was done to it."""

    text: str
    source: str
    target: str
    model: str | None
    detected: Detection | None = None
    untranslated: bool = False
    terms_applied: tuple[str, ...] = ()
    terms_lost: tuple[str, ...] = ()


@dataclass
class _Unit:
    """A text to translate as plain text: a whole input, or one HTML block."""

    pieces: list[tuple[str, str]]  # (sentence, separator after it)
    protected: glossary.Protected
    lead: str = ""
    trail: str = ""
    tags: list[str] = field(default_factory=list)
    parts: list[list[tuple[str, str]]] = field(default_factory=list)  # per sentence


@dataclass
class _Job:
    source: str
    target: str
    detected: Detection | None
    units: list[_Unit]
    document: markup.Document | None
    original: str
    untranslated: bool = False


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
) -> list[Translation]:
    """Translate every text; each distinct sentence part goes to its model exactly once."""
    deadline = engine.deadline() if deadline is None else deadline
    everything = "\n".join(texts)
    terms = glossary.Terms.build(
        {normalize(k): v for k, v in (terms_glossary or {}).items()},
        [normalize(term) for term in keep or ()],
        everything,
    )
    marker = markup.marker_for(everything + terms.marker)
    # Every placeholder, tag or term: not letters of the text when detecting its language.
    strip = re.compile(f"(?:{re.escape(marker)}|{re.escape(terms.marker)})" + r"\d+Q")
    jobs = [
        _prepare(index, text, source, target, html, terms, marker, strip)
        for index, text in enumerate(texts)
    ]

    outputs: dict[tuple[str, str], dict[str, str]] = {}
    models: dict[tuple[str, str], str] = {}
    for src, tgt in sorted({(j.source, j.target) for j in jobs if not j.untranslated}):
        task = Task("translate", src, tgt)
        spec = engine.profile.require(task)
        mine = [j for j in jobs if (j.source, j.target) == (src, tgt) and not j.untranslated]
        inputs = _fit_parts(mine, partial(engine.count_tokens, spec, task=task), spec.family, strip)
        results = engine.generate(spec, inputs, engine.options_for(spec, task), deadline)
        outputs[(src, tgt)] = {i: r.text for i, r in zip(inputs, results, strict=True)}
        models[(src, tgt)] = spec.name

    mode = engine.settings.output_digits
    translations = []
    for job in jobs:
        if job.untranslated:
            translations.append(
                Translation(job.original, job.source, job.target, None, job.detected, True)
            )
            continue
        table = outputs[(job.source, job.target)]
        applied: list[str] = []
        lost: list[str] = []
        rendered = []
        for unit in job.units:
            text = _reassemble(unit, table, job.target, mode)
            text, ok, missed = glossary.restore(text, unit.protected, terms.marker)
            applied += ok
            lost += missed
            if job.document is not None:
                text = unit.lead + markup.restore(text, unit.tags, marker) + unit.trail
            rendered.append(text)
        out = markup.render(job.document, rendered) if job.document else rendered[0]
        translations.append(
            Translation(
                out,
                job.source,
                job.target,
                models[(job.source, job.target)],
                job.detected,
                terms_applied=tuple(dict.fromkeys(applied)),
                terms_lost=tuple(dict.fromkeys(lost)),
            )
        )
    return translations


def _prepare(
    index: int,
    text: str,
    source: str,
    target: str | None,
    html: bool,
    terms: glossary.Terms,
    marker: str,
    strip: re.Pattern[str],
) -> _Job:
    """Normalize, detect and segment one input (each block of it, for HTML)."""
    document = markup.parse(text, marker) if html else None
    if document is not None:
        raw_blocks = [block.text for block in document.blocks]
        tags = [block.tags for block in document.blocks]
    else:
        raw_blocks, tags = [text], [[]]
    units = []
    tags_pattern = markup.placeholder_pattern(marker)
    for raw, block_tags in zip(raw_blocks, tags, strict=True):
        lead = raw[: len(raw) - len(raw.lstrip())] if html else ""
        trail = raw[len(raw.rstrip()) :] if html else ""
        # In HTML a line break is just a space; in plain text it ends a sentence.
        body = _SPACE_RUN.sub(" ", raw.strip()) if html else raw
        protected = glossary.protect(normalize(body), terms, tags_pattern)
        pieces = [(p.text, p.separator) for p in segment(protected.text)]
        units.append(_Unit(pieces, protected, lead, trail, block_tags))
    plain = " ".join(strip.sub(" ", unit.protected.text) for unit in units)
    detected = detect(plain) if source == "auto" else None
    if not has_letters(plain) and not any(u.protected.slots for u in units):
        src = source if source != "auto" else (OTHER[target] if target else "fa")
        return _Job(src, target or OTHER[src], detected, units, document, text, True)
    src, tgt = resolve_languages(plain, source, target, index)
    return _Job(src, tgt, detected, units, document, text)


def _fit_parts(
    jobs: list[_Job], count: TokenCounter, family: str, strip: re.Pattern[str]
) -> list[str]:
    """Cut each sentence into parts under the model's source limit; the distinct parts, sorted."""
    budget = family_of(family).source_token_limit
    sentences = sorted(
        {
            text
            for job in jobs
            for unit in job.units
            for text, _ in unit.pieces
            if has_letters(strip.sub(" ", text))
        }
    )
    counts = dict(zip(sentences, count(sentences), strict=True)) if sentences else {}
    split: dict[str, list[tuple[str, str]]] = {
        s: [(s, "")] if n <= budget else split_parts(s, count, budget) for s, n in counts.items()
    }
    for job in jobs:
        for unit in job.units:
            unit.parts = [split.get(text, []) for text, _ in unit.pieces]
    return sorted({part for parts in split.values() for part, _ in parts})


def _reassemble(unit: _Unit, table: dict[str, str], target: str, mode: str) -> str:
    """Translated sentences with the source's separators (spaces, line and paragraph breaks)."""
    out = []
    for (sentence, separator), parts in zip(unit.pieces, unit.parts, strict=True):
        # A sentence with no letters (a number, a date, punctuation) passes through.
        text = "".join(table[part] + glue for part, glue in parts) if parts else sentence
        out.append(localize_digits(text, target, mode) + separator)
    return "".join(out)
