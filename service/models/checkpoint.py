"""Hugging Face checkpoint folders: which files make one, their size, which to download."""

# The torch runtime loads these folders; CTranslate2 converts from them. Both decide through
# their backend whether a folder is usable, with these helpers for the Hugging Face side.

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path

# Top-level files a transformers seq2seq model and its tokenizer may read.
SUPPORT_PATTERNS = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "*.model",
    "*.spm",
)
SAFETENSORS = ("model.safetensors", "model-*-of-*.safetensors", "model.safetensors.index.json")
PYTORCH = ("pytorch_model.bin", "pytorch_model-*-of-*.bin", "pytorch_model.bin.index.json")
WEIGHTS = ("*.safetensors", "pytorch_model*.bin")


class NoWeights(ValueError):
    """A repository listing has no weight format we can load."""


def is_complete(folder: Path) -> bool:
    """A config and weights are there (a download cut short has the one without the other)."""
    return (folder / "config.json").is_file() and any(
        True for pattern in WEIGHTS for _ in folder.glob(pattern)
    )


def weight_bytes(folder: Path) -> int:
    """The size of the weight files: what the parameters take in the dtype they were saved."""
    return sum(path.stat().st_size for pattern in WEIGHTS for path in folder.glob(pattern))


def _matching(files: Iterable[str], patterns: Iterable[str]) -> list[str]:
    patterns = tuple(patterns)
    return [f for f in files if "/" not in f and any(fnmatch.fnmatch(f, p) for p in patterns)]


def pick_files(files: Iterable[str]) -> list[str]:
    """The files to fetch from a repository listing: support files plus one weight format.

    Safetensors when the repository has it, else PyTorch `.bin`; never the TensorFlow, Flax,
    Rust or ONNX duplicates many repositories also carry.
    """
    files = sorted(set(files))
    weights = _matching(files, SAFETENSORS) or _matching(files, PYTORCH)
    if not any(w.endswith((".safetensors", ".bin")) for w in weights):
        raise NoWeights("the repository has no safetensors or PyTorch weights")
    return sorted(set(_matching(files, SUPPORT_PATTERNS)) | set(weights))
