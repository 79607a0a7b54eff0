"""Test profiles with summarizers, a fake summarizer and long test articles, for summary tests."""

from __future__ import annotations

import itertools
from pathlib import Path

from service.engine import Engine
from service.models.backend import Backend, GenerationOptions
from service.models.registry import load_profile
from service.settings import Settings
from tests.conftest import data_file
from tests.fakes import tag_target

# Task sets of the profiles in DESIGN.md's Models table.
TRANSLATE = ("translate fa-en", "translate en-fa")
DESIGN_PROFILES: dict[str, tuple[str, ...]] = {
    "plain": TRANSLATE,  # not in DESIGN: a profile with no summarizer at all
    "default": (*TRANSLATE, "summarize en"),
    "persian": (*TRANSLATE, "summarize en", "summarize fa"),
    "nllb": (*TRANSLATE, "summarize fa", "summarize en"),
    "tiny": (*TRANSLATE, "summarize en", "summarize fa"),
}


def write_models_toml(
    folder: Path, models_dir: Path, missing: tuple[str, ...] = (), family: str = "marian"
) -> Path:
    """A models.toml with DESIGN's profiles, one model per task; tasks in `missing` lack weights.

    Every present model points at the tiny Marian folder: FakeBackend never reads it, and the
    torch backend runs it as a stand-in summarizer (its output is noise).
    """
    lines = []
    present = models_dir / "tiny" / "marian-fa-en"
    for profile, tasks in DESIGN_PROFILES.items():
        lines += [f"[profiles.{profile}]", f'description = "test {profile}"', "demo = true", ""]
        for task in tasks:
            path = folder / "absent" if task in missing else present
            lines += [
                f"[[profiles.{profile}.models]]",
                f'name = "{profile}-{task.replace(" ", "-")}"',
                f'family = "{family}"',
                f'path = "{path}"',
                f'tasks = ["{task}"]',
                "",
            ]
    path = folder / "models.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


_open: list[Engine] = []


def engine_for(settings: Settings, backend: Backend) -> Engine:
    """An engine over `settings.profile` of `settings.models_file`; `close_engines` stops it."""
    engine = Engine(settings, load_profile(settings.models_file, settings.profile), backend)
    _open.append(engine)
    return engine


def close_engines() -> None:
    """Stop the batcher threads of every engine `engine_for` made."""
    while _open:
        _open.pop().close()


def lead_words(text: str, options: GenerationOptions) -> str:
    """Fake summarizer: the first max_new_tokens - 1 words as one sentence; translations tagged."""
    if options.task.kind != "summarize":
        return tag_target(text, options)
    words = text.split()[: max(options.max_new_tokens - 1, 1)]
    return " ".join(words).rstrip(".") + "."


def ntrex_documents(language: str) -> list[tuple[str, str]]:
    """(document id, article) for every NTREX document, its sentences one a line."""
    ids = data_file("ntrex/DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    name = "newstest2019-ref.fas.txt" if language == "fa" else "newstest2019-src.eng.txt"
    lines = data_file(f"ntrex/{name}").read_text(encoding="utf-8").splitlines()
    return [
        (doc, "\n".join(line for _, line in group))
        for doc, group in itertools.groupby(zip(ids, lines, strict=True), key=lambda x: x[0])
    ]


def long_persian_article(chars: int = 20_000) -> str:
    """Whole NTREX Persian documents, one paragraph each, until the text has `chars` characters."""
    paragraphs: list[str] = []
    for _, article in ntrex_documents("fa"):
        paragraphs.append(article.replace("\n", " "))
        if sum(len(p) + 2 for p in paragraphs) >= chars:
            break
    return "\n\n".join(paragraphs)[:chars]
