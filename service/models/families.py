"""Per-family quirks: language codes, source language, forced first token, limits, defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from service.models.registry import Task


@dataclass(frozen=True)
class GenerationDefaults:
    """Decoding settings from a family's model card."""

    num_beams: int = 4
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0


class Family:
    """A model family: how to tell its tokenizer and generate() which languages to use."""

    name: ClassVar[str] = ""
    language_codes: ClassVar[dict[str, str]] = {}
    source_token_limit: ClassVar[int] = 512
    target_token_limit: ClassVar[int] = 512
    defaults: ClassVar[GenerationDefaults] = GenerationDefaults()
    summary_defaults: ClassVar[GenerationDefaults] = GenerationDefaults(
        num_beams=4, no_repeat_ngram_size=3, length_penalty=2.0
    )

    def prefix(self, task: Task) -> str:
        """Text put before every input (T5-style task prefixes); none by default."""
        return ""

    def prepare_tokenizer(self, tokenizer: Any, task: Task) -> None:
        """Set the source (and target) language on the tokenizer before encoding."""

    def forced_bos_token_id(self, tokenizer: Any, task: Task) -> int | None:
        """The token generate() must put first, naming the output language; None if none."""
        return None

    def generation_defaults(self, task: Task) -> GenerationDefaults:
        """Defaults for this task."""
        return self.summary_defaults if task.kind == "summarize" else self.defaults


class Marian(Family):
    """Opus-MT style models: one model per direction, nothing to set."""

    name = "marian"


class M2M100(Family):
    """facebook/m2m100_*: `tokenizer.src_lang` and a forced `__xx__` first token."""

    name = "m2m100"
    language_codes = {"fa": "fa", "en": "en"}
    source_token_limit = 1024
    target_token_limit = 1024
    defaults = GenerationDefaults(num_beams=5)

    def prepare_tokenizer(self, tokenizer: Any, task: Task) -> None:
        """M2M100 encodes `__fa__ ... </s>` once src_lang is set."""
        tokenizer.src_lang = self.language_codes[task.source]
        tokenizer.tgt_lang = self.language_codes[task.target]

    def forced_bos_token_id(self, tokenizer: Any, task: Task) -> int | None:
        """The `__en__`/`__fa__` token."""
        return int(tokenizer.get_lang_id(self.language_codes[task.target]))


FAMILIES: dict[str, Family] = {family.name: family for family in (Marian(), M2M100())}


def family_of(name: str) -> Family:
    """The adapter for a family name from models.toml."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(FAMILIES)}") from None
