"""Translate texts: normalize, protect, segment to the budget, generate, check, reassemble."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from service.engine import Engine
from service.errors import AmbiguousLanguage, InvalidRequest
from service.models.registry import Task
from service.pipelines import fit
from service.text import dates, glossary, markup, placeholders
from service.text.chunk import TokenCounter
from service.text.dates import DateMode
from service.text.detect import Detection, detect, has_letters
from service.text.normalize import localize_digits, normalize
from service.text.polish import polish as polish_persian
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
    truncated: bool = False
    suspect: str | None = None
    dates: tuple[DateConversion, ...] = ()


@dataclass(frozen=True)
class DateConversion:
    """A date found in the source and what the output shows for it."""

    source: str
    text: str
    jalali: str  # ISO-style, 1396-02-06
    gregorian: str  # ISO, 2017-04-26
    lost: bool = False  # the model dropped its placeholder: the date is missing from the output


def default_dates(source: str, target: str) -> DateMode:
    """`annotate` for Persian sources (Solar Hijri dates explained), `keep` for English ones."""
    return "annotate" if (source, target) == ("fa", "en") else "keep"


@dataclass(frozen=True)
class _Markers:
    tags: str
    terms: str
    dates: str

    def strip(self) -> re.Pattern[str]:
        """Every placeholder of the request: not letters of the text when detecting it."""
        names = "|".join(re.escape(m) for m in (self.tags, self.terms, self.dates))
        return re.compile(f"(?:{names})" + r"\d+Q")


@dataclass
class _Unit:
    """A text to translate as plain text: a whole input, or one HTML block."""

    pieces: list[tuple[str, str]]  # (sentence, separator after it)
    protected: glossary.Protected
    date_slots: list[dates.DateSlot] = field(default_factory=list)
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
    polish: bool = True,
    date_mode: DateMode | None = None,
) -> list[Translation]:
    """Translate every text; each distinct sentence part goes to its model exactly once.

    `polish` restores Persian half-spaces and letters in Persian output; `date_mode` says how
    dates are written (None: `default_dates` for the direction).
    """
    deadline = engine.deadline() if deadline is None else deadline
    everything = "\n".join(texts)
    terms = glossary.Terms.build(
        {normalize(k): v for k, v in (terms_glossary or {}).items()},
        [normalize(term) for term in keep or ()],
        everything,
    )
    tag_marker = markup.marker_for(everything + terms.marker)
    markers = _Markers(
        tag_marker,
        terms.marker,
        placeholders.marker_for(everything + terms.marker + tag_marker, "QXD"),
    )
    strip = markers.strip()
    digits = engine.settings.output_digits
    jobs = [
        _prepare(index, text, source, target, html, terms, markers, (date_mode, digits))
        for index, text in enumerate(texts)
    ]

    outputs: dict[tuple[str, str], dict[str, fit.Output]] = {}
    models: dict[tuple[str, str], str] = {}
    for src, tgt in sorted({(j.source, j.target) for j in jobs if not j.untranslated}):
        task = Task("translate", src, tgt)
        spec = engine.profile.require(task)
        mine = [j for j in jobs if (j.source, j.target) == (src, tgt) and not j.untranslated]
        count = partial(engine.count_tokens, spec, task=task)
        inputs = _fit_parts(mine, count, fit.budget(engine, spec, task, count), strip)
        outputs[(src, tgt)] = fit.translate_parts(engine, spec, task, inputs, deadline, count)
        models[(src, tgt)] = spec.name

    return [
        _render(job, outputs, models, markers, polish, digits)
        if not job.untranslated
        else Translation(job.original, job.source, job.target, None, job.detected, True)
        for job in jobs
    ]


def _render(
    job: _Job,
    outputs: dict[tuple[str, str], dict[str, fit.Output]],
    models: dict[tuple[str, str], str],
    markers: _Markers,
    polish: bool,
    digits: str,
) -> Translation:
    """One job's translation: sentences reassembled, dates and terms put back, tags restored."""
    table = outputs[(job.source, job.target)]
    applied: list[str] = []
    lost: list[str] = []
    conversions: list[DateConversion] = []
    rendered = []
    flags: list[fit.Output] = []
    for unit in job.units:
        text = _reassemble(unit, table, job.target, digits, polish and job.target == "fa")
        flags += [table[part] for parts in unit.parts for part, _ in parts]
        text, came_back = dates.restore(text, unit.date_slots, markers.dates)
        conversions += [
            _conversion(slot, i not in came_back) for i, slot in enumerate(unit.date_slots)
        ]
        text, ok, missed = glossary.restore(text, unit.protected, markers.terms)
        applied += ok
        lost += missed
        if job.document is not None:
            text = unit.lead + markup.restore(text, unit.tags, markers.tags) + unit.trail
        rendered.append(text)
    out = markup.render(job.document, rendered) if job.document else rendered[0]
    suspects = [flag.suspect for flag in flags if flag.suspect]
    return Translation(
        out,
        job.source,
        job.target,
        models[(job.source, job.target)],
        job.detected,
        terms_applied=tuple(dict.fromkeys(applied)),
        terms_lost=tuple(dict.fromkeys(lost)),
        truncated=any(flag.truncated for flag in flags),
        suspect=suspects[0] if suspects else None,
        dates=tuple(conversions),
    )


def _conversion(slot: dates.DateSlot, lost: bool) -> DateConversion:
    found = slot.found
    jalali = f"{found.jalali.year:04d}-{found.jalali.month:02d}-{found.jalali.day:02d}"
    return DateConversion(found.source, slot.text, jalali, found.gregorian.isoformat(), lost)


def _prepare(
    index: int,
    text: str,
    source: str,
    target: str | None,
    html: bool,
    terms: glossary.Terms,
    markers: _Markers,
    date_options: tuple[DateMode | None, str],
) -> _Job:
    """Normalize, detect, protect and segment one input (each block of it, for HTML)."""
    document = markup.parse(text, markers.tags) if html else None
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
        units.append(_Unit([], protected, [], lead, trail, block_tags))
    plain = " ".join(strip.sub(" ", unit.protected.text) for unit in units)
    detected = detect(plain) if source == "auto" else None
    if not has_letters(plain) and not any(u.protected.slots for u in units):
        src = source if source != "auto" else (OTHER[target] if target else "fa")
        return _Job(src, target or OTHER[src], detected, units, document, text, True)
    src, tgt = resolve_languages(plain, source, target, index)
    mode, digits = date_options
    for unit in units:
        unit.protected.text, unit.date_slots = dates.protect(
            unit.protected.text, src, tgt, mode or default_dates(src, tgt), markers.dates, digits
        )
        unit.pieces = [(p.text, p.separator) for p in segment(unit.protected.text)]
    return _Job(src, tgt, detected, units, document, text)


def _fit_parts(
    jobs: list[_Job], count: TokenCounter, limit: int, strip: re.Pattern[str]
) -> list[str]:
    """Cut each sentence into parts under `limit` tokens; the distinct parts, sorted."""
    sentences = sorted(
        {
            text
            for job in jobs
            for unit in job.units
            for text, _ in unit.pieces
            if has_letters(strip.sub(" ", text))
        }
    )
    split = fit.parts_of(sentences, count, limit)
    for job in jobs:
        for unit in job.units:
            unit.parts = [split.get(text, []) for text, _ in unit.pieces]
    return sorted({part for parts in split.values() for part, _ in parts})


def _reassemble(
    unit: _Unit, table: dict[str, fit.Output], target: str, digits: str, polish: bool
) -> str:
    """Translated sentences with the source's separators (spaces, line and paragraph breaks)."""
    out = []
    for (sentence, separator), parts in zip(unit.pieces, unit.parts, strict=True):
        # A sentence with no letters (a number, a date, punctuation) passes through.
        text = "".join(table[part].text + glue for part, glue in parts) if parts else sentence
        if polish:
            text = polish_persian(text)
        out.append(localize_digits(text, target, digits) + separator)
    return "".join(out)
