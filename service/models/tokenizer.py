"""Tokenization every runtime shares: family prefix, language codes, counting, decoding."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.models.families import Family
from service.models.registry import Task

# transformers imports its classes lazily and not thread-safely: two threads importing at once
# can see a half-initialised module ("cannot import name 'AutoModelForSeq2SeqLM'"). Every
# runtime takes this lock around transformers imports and model loads.
LIBRARY_LOCK = threading.RLock()


class Tokenizer:
    """A Hugging Face tokenizer and its family's quirks, safe to call from many threads."""

    def __init__(self, tokenizer: Any, family: Family) -> None:
        self.family = family
        self.hf = tokenizer
        self._drop = family.drop_ids(tokenizer)
        # Request threads count tokens while the worker encodes; some families set the
        # language on the tokenizer first, so setting and encoding must not interleave.
        self._lock = threading.Lock()

    @classmethod
    def from_folder(cls, folder: Path, family: Family) -> Tokenizer:
        """The tokenizer saved in a model folder (never from the network)."""
        with LIBRARY_LOCK:
            from transformers import AutoTokenizer

            return cls(AutoTokenizer.from_pretrained(folder, local_files_only=True), family)

    @property
    def pad_id(self) -> int:
        """The padding id."""
        return int(self.hf.pad_token_id)

    @property
    def eos_id(self) -> int:
        """The end-of-sentence id."""
        return int(self.hf.eos_token_id)

    def encode(self, texts: Sequence[str], task: Task) -> list[list[int]]:
        """Source ids of each text, with the family's prefix and language tokens."""
        with self._lock:
            self.family.prepare_tokenizer(self.hf, task)
            prefix = self.family.prefix(task)
            encoded = self.hf([prefix + t for t in texts], add_special_tokens=True)
        return [list(ids) for ids in encoded["input_ids"]]

    def count(self, texts: Sequence[str], task: Task) -> list[int]:
        """Source tokens of each text, special tokens included."""
        return [len(ids) for ids in self.encode(texts, task)]

    def target_id(self, task: Task) -> int | None:
        """The id of the family's target-language token; a token the vocabulary lacks is refused."""
        token = self.family.target_token(task)
        if token is None:
            return None
        token_id = self.hf.convert_tokens_to_ids(token)
        if token_id is None or token_id == self.hf.unk_token_id:
            # An unknown code would silently start every output with <unk>.
            raise ValueError(f"the tokenizer has no language token {token!r}")
        return int(token_id)

    def to_tokens(self, ids: Sequence[int]) -> list[str]:
        """Token strings of ids (CTranslate2 takes tokens, not ids)."""
        return list(self.hf.convert_ids_to_tokens(list(ids)))

    def to_ids(self, tokens: Sequence[str]) -> list[int]:
        """Ids of token strings."""
        return [int(i) for i in self.hf.convert_tokens_to_ids(list(tokens))]

    def decode(self, rows: Sequence[Sequence[int]]) -> list[str]:
        """Text of each row of output ids, without special or language tokens."""
        sequences = [[t for t in row if t not in self._drop] for row in rows]
        with self._lock:
            decoded: list[str] = self.hf.batch_decode(sequences, skip_special_tokens=True)
        return [text.strip() for text in decoded]
