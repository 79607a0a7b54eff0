"""How sentences are cut to a token limit, remembered in the result cache: hits tokenize nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from service.resultcache import ResultCache

Parts = list[tuple[str, str]]  # (part, glue): ''.join(part + glue) gives the text back
Cutter = Callable[[list[str]], dict[str, Parts]]


def remembered(
    cache: ResultCache[Any], scope: str, texts: Sequence[str], cut: Cutter
) -> dict[str, Parts]:
    """Each text's parts: the kept ones from the cache's memory, the others from `cut` (kept)."""
    parts: dict[str, Parts] = {}
    missing: list[str] = []
    for text, data in zip(texts, cache.recall(scope, texts), strict=True):
        found = None if data is None else decode(text, data)
        if found is None:
            missing.append(text)
        else:
            parts[text] = found
    if missing:
        fresh = cut(missing)
        cache.keep(scope, [(text, encode(fresh[text])) for text in missing])
        parts.update(fresh)
    return parts


def encode(parts: Parts) -> bytes:
    """The length of each part and of its glue (the text is the key's, not kept twice)."""
    return ",".join(f"{len(part)}:{len(glue)}" for part, glue in parts).encode()


def decode(text: str, data: bytes) -> Parts | None:
    """The parts of `text` that `encode` wrote; None when the lengths do not cover it."""
    parts: Parts = []
    start = 0
    try:
        for item in data.decode().split(","):
            part, glue = (int(size) for size in item.split(":"))
            middle, end = start + part, start + part + glue
            parts.append((text[start:middle], text[middle:end]))
            start = end
    except ValueError:
        return None
    return parts if parts and start == len(text) else None
