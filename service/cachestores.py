"""The result cache's stores: a bytes-bounded LRU in the process, and Redis with a TTL."""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.resultcache import CacheObserver

log = logging.getLogger(__name__)

REDIS_PREFIX = b"tarjoman:result:"
# A dict entry, its key and value objects: what an entry costs beyond its bytes.
ENTRY_OVERHEAD = 160
# After a Redis error, requests skip Redis this long instead of each waiting for its timeout.
RETRY_AFTER_S = 5.0


class MemoryStore:
    """An LRU of encoded values bounded by bytes; thread-safe."""

    def __init__(self, max_bytes: int, observer: CacheObserver) -> None:
        self.max_bytes = max_bytes
        self.nbytes = 0
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._observer = observer

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """The value of each key, or None; found entries become the most recently used."""
        found: list[bytes | None] = []
        with self._lock:
            for key in keys:
                value = self._entries.get(key)
                if value is not None:
                    self._entries.move_to_end(key)
                found.append(value)
        return found

    def put_many(self, items: Sequence[tuple[bytes, bytes]]) -> None:
        """Store entries, evicting the least recently used past the budget."""
        evicted = 0
        with self._lock:
            before = self.nbytes
            for key, value in items:
                size = _size(key, value)
                if size > self.max_bytes:
                    continue  # one value larger than the whole budget is not worth keeping
                old = self._entries.pop(key, None)
                if old is not None:
                    self.nbytes -= _size(key, old)
                self._entries[key] = value
                self.nbytes += size
                while self.nbytes > self.max_bytes:
                    dropped_key, dropped = self._entries.popitem(last=False)
                    self.nbytes -= _size(dropped_key, dropped)
                    evicted += 1
            grown = self.nbytes - before
        if grown:
            self._observer.memory_bytes(grown)
        if evicted:
            self._observer.evictions(evicted)


def _size(key: bytes, value: bytes) -> int:
    return len(key) + len(value) + ENTRY_OVERHEAD


class RedisStore:
    """Entries in Redis with a TTL, values compressed; an outage reads as misses, never raises."""

    def __init__(self, url: str, ttl_s: int, observer: CacheObserver, timeout_s: float) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries and short timeouts: a Redis that is down costs a request one quick failure.
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._ttl_s = ttl_s
        self._observer = observer
        self.retry_after_s = RETRY_AFTER_S
        self._failed_at: float | None = None
        self._lock = threading.Lock()
        try:  # say at start whether it answers: a warning and the gauge, not a request's cost
            self._client.ping()
        except self._errors as exc:
            self._failed("ping", exc)
        else:
            self._answered()

    def _usable(self) -> bool:
        failed_at = self._failed_at
        return failed_at is None or time.monotonic() >= failed_at + self.retry_after_s

    def _failed(self, operation: str, exc: BaseException) -> None:
        with self._lock:
            warn = self._failed_at is None
            self._failed_at = time.monotonic()
        if warn:  # once per outage, not once per request
            log.warning("result cache: redis %s failed, serving without it: %s", operation, exc)
        self._observer.backend(False, operation)

    def _answered(self) -> None:
        with self._lock:
            recovered = self._failed_at is not None
            self._failed_at = None
        if recovered:
            log.warning("result cache: redis answers again")
        self._observer.backend(True)

    def get_many(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """The stored values (decompressed), None where absent or when Redis is unreachable."""
        if not keys or not self._usable():
            return [None] * len(keys)
        try:
            raw: list[Any] = self._client.mget([REDIS_PREFIX + key.hex().encode() for key in keys])
        except self._errors as exc:
            self._failed("get", exc)
            return [None] * len(keys)
        self._answered()
        return [None if item is None else _unpack(bytes(item)) for item in raw]

    def put_many(self, items: Sequence[tuple[bytes, bytes]]) -> None:
        """Store entries with the TTL; an outage is only logged and counted."""
        if not items or not self._usable():
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for key, value in items:
                    pipe.set(REDIS_PREFIX + key.hex().encode(), _pack(value), ex=self._ttl_s)
                pipe.execute()
        except self._errors as exc:
            self._failed("set", exc)
            return
        self._answered()

    def close(self) -> None:
        """Release the connections."""
        self._client.close()


def _pack(value: bytes) -> bytes:
    # Short sentences often grow under zlib: keep whichever is smaller, flagged.
    packed = zlib.compress(value, 6)
    return b"z" + packed if len(packed) < len(value) else b"r" + value


def _unpack(data: bytes) -> bytes | None:
    if data[:1] == b"z":
        try:
            return zlib.decompress(data[1:])
        except zlib.error:
            return None  # a damaged entry is a miss
    return data[1:] if data[:1] == b"r" else None
