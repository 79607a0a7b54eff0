"""Sentence result cache: a bytes-bounded LRU per process, shared through Redis when configured."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from service.cachestores import MemoryStore, RedisStore
from service.models.backend import Generation

V = TypeVar("V")
# Bumped when what a cached value means changes (decoding, post-processing): old entries miss.
FORMAT = "1"
# Set per request by the API from Cache-Control: `no-cache` recomputes (and refreshes the
# entry), `no-store` neither reads nor writes. Jobs and the CLI keep the default: use the cache.
policy: ContextVar[str] = ContextVar("tarjoman_cache_policy", default="use")


class CacheObserver(Protocol):
    """Where the cache reports what it does (the service's Prometheus metrics)."""

    def hits(self, tier: str, count: int) -> None:
        """Entries found, in `memory` or `redis`."""

    def misses(self, count: int) -> None:
        """Entries looked up and not found."""

    def memory_bytes(self, delta: int) -> None:
        """The in-process store grew (or shrank) by `delta` bytes."""

    def evictions(self, count: int) -> None:
        """Entries dropped from the in-process store to stay under its budget."""

    def backend(self, up: bool, operation: str | None = None) -> None:
        """Redis answered (`up`), or an `operation` failed."""


class Codec(Protocol[V]):
    """How one value becomes bytes and back."""

    def encode(self, value: V) -> bytes:
        """The bytes of `value`."""
        ...

    def decode(self, data: bytes) -> V:
        """The value `encode` made these bytes from."""
        ...


@dataclass(frozen=True)
class Lookup(Generic[V]):
    """One request's view of the cache: what was found, and the texts left to compute."""

    keys: list[bytes]
    found: list[V | None]
    missing: list[str]

    def merge(self, computed: Sequence[V]) -> list[V]:
        """Every output in input order: found ones, then the computed ones where missing."""
        fresh = iter(computed)
        return [value if value is not None else next(fresh) for value in self.found]


class ResultCache(Generic[V]):
    """Outputs of a model by (scope, text): memory first, then Redis, else compute."""

    def __init__(
        self,
        codec: Codec[V],
        observer: CacheObserver,
        *,
        enabled: bool = True,
        memory_bytes: int = 256 * 1024**2,
        url: str = "",
        ttl_s: int = 7 * 24 * 3600,
        timeout_s: float = 0.5,
    ) -> None:
        self.enabled = enabled
        self._codec = codec
        self._observer = observer
        self.memory = MemoryStore(memory_bytes, observer)
        self.redis = RedisStore(url, ttl_s, observer, timeout_s) if enabled and url else None

    def lookup(self, scope: str, texts: Sequence[str]) -> Lookup[V]:
        """Find `texts` under `scope` (model identity and options); a miss for every text when
        the cache is off or the request said `no-cache`."""
        keys = [entry_key(scope, text) for text in texts]
        if not self.enabled or policy.get() != "use":
            return Lookup(keys, [None] * len(texts), list(texts))
        raw = self.memory.get_many(keys)
        in_memory = len(keys) - raw.count(None)
        if in_memory:
            self._observer.hits("memory", in_memory)
        if self.redis is not None and in_memory < len(keys):
            absent = [i for i, item in enumerate(raw) if item is None]
            remote = self.redis.get_many([keys[i] for i in absent])
            promoted = [
                (keys[i], item) for i, item in zip(absent, remote, strict=True) if item is not None
            ]
            for i, item in zip(absent, remote, strict=True):
                raw[i] = item
            if promoted:
                self.memory.put_many(promoted)  # the next lookup here skips the round trip
                self._observer.hits("redis", len(promoted))
        found = [None if item is None else self._decode(item) for item in raw]
        missing = [text for text, value in zip(texts, found, strict=True) if value is None]
        if missing:
            self._observer.misses(len(missing))
        return Lookup(keys, found, missing)

    def store(self, lookup: Lookup[V], computed: Sequence[V]) -> None:
        """Keep the computed outputs of a lookup's missing texts (unless `no-store`)."""
        if not self.enabled or policy.get() == "no-store" or not computed:
            return
        missing_keys = [k for k, v in zip(lookup.keys, lookup.found, strict=True) if v is None]
        items = [(k, self._codec.encode(v)) for k, v in zip(missing_keys, computed, strict=True)]
        self.memory.put_many(items)
        if self.redis is not None:
            self.redis.put_many(items)

    def recall(self, scope: str, texts: Sequence[str]) -> list[bytes | None]:
        """What this process keeps for `texts` under `scope` beside the outputs (how a sentence
        is cut): memory only, no hit or miss counted; all None when off or not `use`."""
        if not self.enabled or policy.get() != "use":
            return [None] * len(texts)
        return self.memory.get_many([entry_key(scope, text) for text in texts])

    def keep(self, scope: str, items: Sequence[tuple[str, bytes]]) -> None:
        """Keep (text, bytes) pairs in this process's memory for `recall` (unless `no-store`)."""
        if not self.enabled or policy.get() == "no-store" or not items:
            return
        self.memory.put_many([(entry_key(scope, text), data) for text, data in items])

    def _decode(self, data: bytes) -> V | None:
        try:
            return self._codec.decode(data)
        except (ValueError, KeyError, TypeError):
            return None  # an entry written by another format: recompute it

    def close(self) -> None:
        """Release the Redis connections."""
        if self.redis is not None:
            self.redis.close()


def entry_key(scope: str, text: str) -> bytes:
    """The entry key of `text` under `scope`: a digest, so keys are small and carry no text."""
    digest = _scope_digest(scope).copy()
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()


@functools.lru_cache(maxsize=256)
def _scope_digest(scope: str) -> hashlib._Hash:
    """The digest of a scope (hundreds of characters) so far: hashed once, not once a text."""
    return hashlib.sha256(f"{FORMAT}\x00{scope}\x00".encode())


class TextCodec:
    """Strings as UTF-8."""

    def encode(self, value: str) -> bytes:
        """UTF-8 bytes."""
        return value.encode("utf-8", "surrogatepass")

    def decode(self, data: bytes) -> str:
        """The string."""
        return data.decode("utf-8", "surrogatepass")


class GenerationCodec:
    """A model's output (text, tokens, hit-limit flag, alternatives) as compact JSON."""

    def encode(self, value: Generation) -> bytes:
        """JSON bytes."""
        fields = [value.text, value.tokens, value.hit_limit, list(value.alternatives)]
        # surrogatepass: a lone surrogate in a text (valid JSON) must not fail the cache.
        encoded = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return encoded.encode("utf-8", "surrogatepass")

    def decode(self, data: bytes) -> Generation:
        """The Generation; ValueError when the bytes are not one."""
        text, tokens, hit_limit, alternatives = json.loads(data.decode("utf-8", "surrogatepass"))
        return Generation(str(text), int(tokens), bool(hit_limit), tuple(map(str, alternatives)))


def scope(spec: object, folder: Path | None, device: str, options: object) -> str:
    """What besides the text decides an output: the model's entry (name, revision, runtime,
    quantization), its files, where it runs and every generation option (reprs name each field)."""
    return f"{spec!r}|{fingerprint(folder)}|{device}|{options!r}"


def fingerprint(folder: Path | None) -> str:
    """What identifies a model's files: each file's name, size and modification time (a hub
    snapshot's folder is also named by its commit), so rebuilt weights never hit old entries."""
    if folder is None:
        return "absent"
    parts = [folder.name]
    for path in sorted(folder.iterdir()):
        if path.is_file():
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
