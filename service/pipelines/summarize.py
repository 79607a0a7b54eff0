"""Summarize texts: pick a strategy the profile can serve, summarize, translate when asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from service.engine import Engine
from service.errors import AmbiguousLanguage, InvalidRequest, ModelNotReady
from service.models.cache import RETRY_LOADING_S
from service.models.registry import Profile, Task
from service.pipelines.extractive import Chosen, extract, sentences_of
from service.pipelines.mapreduce import MapReduce
from service.pipelines.translate import OTHER, translate
from service.readiness import TaskState
from service.text.detect import detect, has_letters
from service.text.normalize import normalize

ABSTRACTIVE = "abstractive"
ABSTRACTIVE_THEN_TRANSLATE = "abstractive-then-translate"
TRANSLATE_THEN_ABSTRACTIVE = "translate-then-abstractive"
EXTRACTIVE = "extractive"
EXTRACTIVE_THEN_TRANSLATE = "extractive-then-translate"


@dataclass(frozen=True)
class Plan:
    """A strategy and the model tasks it runs, in order (none for a same-language extract)."""

    strategy: str
    tasks: tuple[Task, ...]

    @property
    def abstractive(self) -> bool:
        """True when a summarizer model writes the summary."""
        return any(task.kind == "summarize" for task in self.tasks)


@dataclass(frozen=True)
class Summary:
    """One summary and how it was made."""

    summary: str
    source: str
    target: str
    strategy: str
    models: tuple[str, ...]
    sentences: tuple[Chosen, ...] | None
    model_calls: int
    passes: int
    fallback: str | None


def _translation(source: str, target: str) -> tuple[Task, ...]:
    return () if source == target else (Task("translate", source, target),)


def plans(profile: Profile, source: str, target: str, mode: str) -> list[Plan]:
    """The strategies `profile` can serve for `mode`, best first; 503 when there is none."""
    has = set(profile.by_task)
    other = OTHER[source]
    found = []
    if mode != "extractive":
        summarize, then = Task("summarize", source, source), _translation(source, target)
        if summarize in has and set(then) <= has:
            strategy = ABSTRACTIVE if not then else ABSTRACTIVE_THEN_TRANSLATE
            found.append(Plan(strategy, (summarize, *then)))
        first = Task("translate", source, other)
        summarize, then = Task("summarize", other, other), _translation(other, target)
        if {first, summarize, *then} <= has:
            found.append(Plan(TRANSLATE_THEN_ABSTRACTIVE, (first, summarize, *then)))
    if mode != "abstractive":
        then = _translation(source, target)
        if set(then) <= has:
            found.append(Plan(EXTRACTIVE if not then else EXTRACTIVE_THEN_TRANSLATE, then))
    if not found:
        raise ModelNotReady(
            f"profile {profile.name!r} has no models to summarize {source} text into {target} "
            f"in mode {mode!r}"
            + ("; mode `extractive` needs no summarizer" if mode == "abstractive" else "")
        )
    return found


def resolve_source(text: str, source: str) -> str:
    """The language of one text: as given, or detected when `auto`; 422 when it has no words."""
    if not has_letters(text):
        raise InvalidRequest("the text has no words to summarize")
    if source != "auto":
        return source
    detection = detect(text)
    if detection.language is None or not detection.reliable:
        raise AmbiguousLanguage(
            "the language of this text is too mixed to tell; set `source` to fa or en",
            details={"confidence": round(detection.confidence, 3)},
        )
    return detection.language


def trim(text: str, max_words: int) -> str:
    """At most `max_words` words: whole sentences when the first one fits, else a cut with …."""
    words = text.split()
    if len(words) <= max_words:
        return text
    kept: list[str] = []
    for sentence in sentences_of(text):
        if len(kept) + len(sentence.split()) > max_words:
            break
        kept += sentence.split()
    return " ".join(kept) if kept else " ".join(words[:max_words]) + " …"


@dataclass(frozen=True)
class Request:
    """What to summarize and how; the same for every text of one API request."""

    mode: str = "auto"
    max_sentences: int = 3
    max_words: int = 60


def summarize(
    engine: Engine,
    texts: Sequence[str],
    source: str = "auto",
    target: str | None = None,
    request: Request | None = None,
) -> list[Summary]:
    """One summary per text; texts in the same languages go through the models together."""
    request = request or Request()
    normalized = [normalize(text) for text in texts]
    languages = []
    for index, text in enumerate(normalized):
        try:
            src = resolve_source(text, source)
        except InvalidRequest as exc:
            raise type(exc)(f"text[{index}]: {exc.message}", details=exc.details) from None
        languages.append((src, target or src))
    results: dict[int, Summary] = {}
    for src, tgt in sorted(set(languages)):
        indexes = [i for i, pair in enumerate(languages) if pair == (src, tgt)]
        group = [normalized[i] for i in indexes]
        done = _summarize_group(engine, group, src, tgt, request)
        results.update(zip(indexes, done, strict=True))
    return [results[i] for i in range(len(texts))]


def _summarize_group(
    engine: Engine, texts: list[str], source: str, target: str, request: Request
) -> list[Summary]:
    """Try each plan in turn; a model that is not ready moves `auto` on to the next one."""
    candidates = plans(engine.profile, source, target, request.mode)
    readiness = engine.readiness()
    failures: list[tuple[Plan, ModelNotReady]] = []
    for plan in candidates:
        deadline = engine.deadline()  # the plan's loads and its work
        try:
            for task in plan.tasks:  # fail before any work, not halfway through
                _ready(engine, task, readiness.task(task), deadline)
            summaries = _run(engine, plan, texts, (source, target), request, deadline)
        except ModelNotReady as exc:
            failures.append((plan, exc))
            continue
        fallback = "; ".join(f"{p.strategy}: {e.message}" for p, e in failures) or None
        return [replace(s, fallback=fallback) for s in summaries]
    raise _none_ready(failures)


def _none_ready(failures: list[tuple[Plan, ModelNotReady]]) -> ModelNotReady:
    """Every plan failed: name the preferred plan's model first, then the fallbacks'."""
    (_, first), *others = failures
    if not others:
        return first
    tried = "; ".join(f"{plan.strategy}: {exc.message}" for plan, exc in others)
    return ModelNotReady(
        f"{first.message} (fallbacks not ready either: {tried})",
        retry_after=min(exc.retry_after or 60 for _, exc in failures),
    )


def _ready(engine: Engine, task: Task, state: TaskState, deadline: float) -> None:
    """Load the model of `task` by `deadline`; 503 while it is still (pre)loading or its
    weights are missing."""
    if not state.ready:
        raise ModelNotReady(
            f"{state.model} is not ready: {state.reason}",
            retry_after=RETRY_LOADING_S if state.loading else 60,
        )
    engine.cache.get(engine.profile.require(task), deadline)


def _run(
    engine: Engine,
    plan: Plan,
    texts: list[str],
    languages: tuple[str, str],
    request: Request,
    deadline: float,
) -> list[Summary]:
    """Carry out one plan for texts in one language pair (source, target) by `deadline`."""
    source, target = languages
    current = list(texts)
    sentences: list[tuple[Chosen, ...] | None] = [None] * len(texts)
    if not plan.abstractive:
        extracts = [extract(text, source, request.max_sentences) for text in texts]
        sentences = [e.sentences for e in extracts]
        current = [e.text for e in extracts]
    models: list[str] = []
    calls = passes = [0] * len(texts)
    for task in plan.tasks:
        spec = engine.profile.require(task)
        models.append(spec.name)
        if task.kind == "translate":
            current = [
                t.text
                for t in translate(engine, current, task.source, task.target, deadline=deadline)
            ]
        else:
            done = MapReduce(engine, spec, task, request.max_words).run(current, deadline)
            current = [s.text for s in done]
            calls, passes = [s.calls for s in done], [s.passes for s in done]
    return [
        Summary(
            summary=trim(text, request.max_words) if plan.abstractive else text,
            source=source,
            target=target,
            strategy=plan.strategy,
            models=tuple(models),
            sentences=chosen,
            model_calls=calls[i],
            passes=passes[i],
            fallback=None,
        )
        for i, (text, chosen) in enumerate(zip(current, sentences, strict=True))
    ]
