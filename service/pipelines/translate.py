"""Translate texts: normalize, detect, segment, generate in one engine call, reassemble."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.engine import Engine
from service.errors import AmbiguousLanguage, InvalidRequest
from service.models.registry import Task
from service.text.detect import detect
from service.text.normalize import normalize
from service.text.segment import Piece, segment

OTHER = {"fa": "en", "en": "fa"}


@dataclass(frozen=True)
class Translation:
    """One translated text: the output, the languages used and the model."""

    text: str
    source: str
    target: str
    model: str | None


@dataclass(frozen=True)
class _Job:
    pieces: list[Piece]
    source: str
    target: str


def resolve_languages(text: str, source: str, target: str | None) -> tuple[str, str]:
    """The (source, target) for one text; `auto` is detected per text."""
    if source == "auto":
        detection = detect(text)
        if detection.language is None:
            source = OTHER[target] if target else "fa"
        elif detection.confidence < 0.6:
            raise AmbiguousLanguage(
                "the language of this text is too mixed to tell; set `source` to fa or en",
                details={"confidence": round(detection.confidence, 3)},
            )
        else:
            source = detection.language
    target = target or OTHER[source]
    if source == target:
        raise InvalidRequest(f"source and target are both {source!r}")
    return source, target


def translate(
    engine: Engine, texts: Sequence[str], source: str = "auto", target: str | None = None
) -> list[Translation]:
    """Translate every text; sentences of all texts in one direction go to the model together."""
    deadline = engine.deadline()
    jobs = []
    for text in texts:
        normalized = normalize(text)
        src, tgt = resolve_languages(normalized, source, target)
        jobs.append(_Job(segment(normalized), src, tgt))

    outputs: dict[tuple[str, str], dict[str, str]] = {}
    models: dict[tuple[str, str], str] = {}
    for src, tgt in {(job.source, job.target) for job in jobs}:
        task = Task("translate", src, tgt)
        spec = engine.profile.require(task)
        sentences = sorted(
            {p.text for job in jobs if (job.source, job.target) == (src, tgt) for p in job.pieces}
            - {""}
        )
        results = engine.generate(spec, sentences, engine.options_for(spec, task), deadline)
        outputs[(src, tgt)] = dict(zip(sentences, results, strict=True))
        models[(src, tgt)] = spec.name

    translations = []
    for job in jobs:
        table = outputs[(job.source, job.target)]
        text = "".join(
            (table[p.text] if p.text else "") + _separator(p.separator) for p in job.pieces
        )
        translations.append(
            Translation(text.strip(), job.source, job.target, models.get((job.source, job.target)))
        )
    return translations


def _separator(separator: str) -> str:
    """Keep line and paragraph breaks; any other run of whitespace becomes one space."""
    if "\n" in separator:
        return "\n\n" if separator.count("\n") > 1 else "\n"
    return " " if separator else ""
