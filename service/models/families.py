"""Per-family quirks: language codes, source language, forced first token, limits, defaults."""

# Getting a family wrong does not fail loudly: the model answers fluently in the wrong language
# (an NLLB model asked with a code it does not know starts from `<unk>`), so every family is
# exercised by a test with a tiny model of the same architecture and tokenizer class. Adding a
# family is one class here and one entry in FAMILIES.

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
    early_stopping: bool = True


class Family:
    """A model family: how to tell its tokenizer and a runtime which languages to use."""

    name: ClassVar[str] = ""
    # Our language ("fa", "en") → the family's code for it; empty when the family has none.
    language_codes: ClassVar[dict[str, str]] = {}
    # Which task kinds the family can do at all (a profile may still pick one direction).
    task_kinds: ClassVar[tuple[str, ...]] = ("translate",)
    summary_languages: ClassVar[tuple[str, ...]] = ()
    source_token_limit: ClassVar[int] = 512
    target_token_limit: ClassVar[int] = 512
    defaults: ClassVar[GenerationDefaults] = GenerationDefaults()
    summary_defaults: ClassVar[GenerationDefaults] = GenerationDefaults(
        num_beams=4, no_repeat_ngram_size=3, length_penalty=2.0
    )

    def supports(self, task: Task) -> bool:
        """Whether a model of this family can do `task`."""
        if task.kind not in self.task_kinds:
            return False
        if task.kind == "summarize":
            return task.source == task.target and task.source in self.summary_languages
        return not self.language_codes or {task.source, task.target} <= set(self.language_codes)

    def prefix(self, task: Task) -> str:
        """Text put before every input (T5-style task prefixes); none by default."""
        return ""

    def prepare_tokenizer(self, tokenizer: Any, task: Task) -> None:
        """Set the source (and target) language on the tokenizer before encoding."""

    def target_token(self, task: Task) -> str | None:
        """The token output must start with, naming the output language; None if none.

        A token string, not an id: each runtime turns it into its own argument (torch's
        `forced_bos_token_id`, CTranslate2's `target_prefix`).
        """
        return None

    def language_tokens(self) -> tuple[str, ...]:
        """Tokens that name a language; they must never reach a client."""
        return ()

    def drop_ids(self, tokenizer: Any) -> frozenset[int]:
        """Output ids to drop before decoding that skip_special_tokens would let through."""
        return frozenset()

    def generation_defaults(self, task: Task) -> GenerationDefaults:
        """Defaults for this task."""
        return self.summary_defaults if task.kind == "summarize" else self.defaults


class Marian(Family):
    """Opus-MT style models: one model per direction, nothing to set."""

    name = "marian"
    defaults = GenerationDefaults(num_beams=4)


class Multilingual(Family):
    """Many-to-many models: the tokenizer's `src_lang`/`tgt_lang` name the languages."""

    def prepare_tokenizer(self, tokenizer: Any, task: Task) -> None:
        """Set both languages; encoding then puts the source language token first."""
        tokenizer.src_lang = self.language_codes[task.source]
        tokenizer.tgt_lang = self.language_codes[task.target]

    def language_tokens(self) -> tuple[str, ...]:
        """The language codes, which are tokens of their own."""
        return tuple(self.language_codes.values())


class M2M100(Multilingual):
    """facebook/m2m100_*: `tokenizer.src_lang` and a forced `__xx__` first token."""

    name = "m2m100"
    language_codes = {"fa": "fa", "en": "en"}
    source_token_limit = 1024
    # m2m100_418M's config: max_length 200, num_beams 5.
    target_token_limit = 200
    defaults = GenerationDefaults(num_beams=5)

    def target_token(self, task: Task) -> str | None:
        """The `__en__`/`__fa__` token."""
        return f"__{self.language_codes[task.target]}__"

    def language_tokens(self) -> tuple[str, ...]:
        """`__fa__`, `__en__`."""
        return tuple(f"__{code}__" for code in self.language_codes.values())

    def drop_ids(self, tokenizer: Any) -> frozenset[int]:
        """Every `__xx__` id."""
        # transformers 5's M2M100Tokenizer no longer registers them as special tokens, so
        # skip_special_tokens would leave `__en__` at the start of every output.
        return frozenset(int(i) for i in tokenizer.lang_token_to_id.values())


class NLLB(Multilingual):
    """facebook/nllb-200-*: FLORES-200 codes; Persian is `pes_Arab` (`fas_Arab` does not exist)."""

    name = "nllb"
    language_codes = {"fa": "pes_Arab", "en": "eng_Latn"}
    # The model card: trained on inputs of at most 512 tokens; config max_length 200.
    source_token_limit = 512
    target_token_limit = 200
    defaults = GenerationDefaults(num_beams=4)

    def target_token(self, task: Task) -> str | None:
        """The `eng_Latn`/`pes_Arab` token (the shared tokenizer refuses one it does not know)."""
        return self.language_codes[task.target]


class MT5(Family):
    """mT5 summarizers (XL-Sum, pn-summary): input as is, no prefix, output language = input's."""

    name = "mt5"
    task_kinds = ("summarize",)
    summary_languages = ("fa", "en")
    # csebuetnlp/mT5_multilingual_XLSum's card: 512 source tokens, 84 new tokens, 4 beams,
    # no_repeat_ngram_size 2.
    source_token_limit = 512
    target_token_limit = 84
    summary_defaults = GenerationDefaults(num_beams=4, no_repeat_ngram_size=2, length_penalty=1.0)


class BART(Family):
    """BART summarizers (distilbart-cnn): English only, first token forced to `<s>`."""

    name = "bart"
    task_kinds = ("summarize",)
    summary_languages = ("en",)
    # sshleifer/distilbart-cnn-12-6's config: 1024 positions, max_length 142, 4 beams,
    # length_penalty 2.0, no_repeat_ngram_size 3.
    source_token_limit = 1024
    target_token_limit = 142
    summary_defaults = GenerationDefaults(num_beams=4, no_repeat_ngram_size=3, length_penalty=2.0)

    def target_token(self, task: Task) -> str | None:
        """`<s>`, as the CNN checkpoints' config forces; said here so no checkpoint can omit it."""
        return "<s>"


FAMILIES: dict[str, Family] = {
    family.name: family for family in (Marian(), M2M100(), NLLB(), MT5(), BART())
}


def family_of(name: str) -> Family:
    """The adapter for a family name from models.toml."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(FAMILIES)}") from None
