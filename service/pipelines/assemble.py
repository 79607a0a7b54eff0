"""What a translation is made of: units, jobs, the result, and putting the result together."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.pipelines import fit
from service.text import datewrite, glossary, markup
from service.text.dates import DateMode
from service.text.detect import Detection
from service.text.normalize import localize_digits
from service.text.polish import polish as polish_persian


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
    alternatives: tuple[str, ...] = ()  # distinct other translations, when asked for


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
class Markers:
    tags: str
    terms: str
    dates: str

    def strip(self) -> re.Pattern[str]:
        """Every placeholder of the request: not letters of the text when detecting it."""
        names = "|".join(re.escape(m) for m in (self.tags, self.terms, self.dates))
        return re.compile(f"(?:{names})" + r"\d+Q")


@dataclass
class Unit:
    """A text to translate as plain text: a whole input, or one HTML block."""

    pieces: list[tuple[str, str]]  # (sentence, separator after it)
    protected: glossary.Protected
    date_slots: list[datewrite.DateSlot] = field(default_factory=list)
    lead: str = ""
    trail: str = ""
    tags: list[str] = field(default_factory=list)
    parts: list[list[tuple[str, str]]] = field(default_factory=list)  # per sentence


@dataclass
class Job:
    source: str
    target: str
    detected: Detection | None
    units: list[Unit]
    document: markup.Document | None
    original: str
    untranslated: bool = False


def render_job(
    job: Job,
    outputs: dict[tuple[str, str], dict[str, fit.Output]],
    models: dict[tuple[str, str], str],
    markers: Markers,
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
        text = reassemble(unit, table, job.target, digits, polish and job.target == "fa")
        flags += [table[part] for parts in unit.parts for part, _ in parts]
        text, came_back = datewrite.restore(text, unit.date_slots, markers.dates)
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


def _conversion(slot: datewrite.DateSlot, lost: bool) -> DateConversion:
    found = slot.found
    jalali = f"{found.jalali.year:04d}-{found.jalali.month:02d}-{found.jalali.day:02d}"
    return DateConversion(found.source, slot.text, jalali, found.gregorian.isoformat(), lost)


def reassemble(
    unit: Unit, table: dict[str, fit.Output], target: str, digits: str, polish: bool
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
