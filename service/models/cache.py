"""ModelCache: load each model once, keep the recently used ones within a byte budget."""

from __future__ import annotations

import contextvars
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from service.errors import ModelNotReady, TarjomanError
from service.metrics import Metrics
from service.models.backend import Backend, LoadedModel
from service.models.registry import ModelSpec

log = logging.getLogger(__name__)

# A model still loading is usually ready within this many seconds (Retry-After of a request
# whose deadline passed while it waited for the load).
RETRY_LOADING_S = 10
# A model whose files are there but fail to load (damaged, half-copied) is not read again for
# this many seconds: a flood of requests for it does not re-read its files each time, and a
# repaired folder is picked up soon after.
FAILED_LOAD_MEMORY_S = 5.0


@dataclass(frozen=True)
class FailedLoad:
    """The 503 a model's files gave, and until when (cache clock) it stands without a reload."""

    error: ModelNotReady
    until: float


@dataclass
class CacheEntry:
    """A loaded model, when it was last used and how many callers hold it now."""

    model: LoadedModel
    load_seconds: float
    last_used: float
    users: int = 0
    touched: int = 0  # a counter, not a clock: two uses never tie


class ModelCache:
    """Loaded models by name; concurrent first requests share one load; LRU eviction by bytes.

    A load runs in a thread of its own: callers wait for it until their deadline (a load that
    hangs, on a stuck network filesystem say, holds no request past it) and it goes on after
    they give up, for later requests. A model whose files fail to load is not read again for
    FAILED_LOAD_MEMORY_S: its callers get the same 503 meanwhile.

    A model held by a caller (see `use`) is never evicted: a request holds its model from
    before its segments are queued until their futures resolve, so queued and in-flight work
    always has its model. When everything else is busy the cache goes over its budget for a
    while and shrinks back as callers let go.
    """

    def __init__(
        self,
        backend: Backend,
        models_dir: Path,
        cache_bytes: int = 8 * 1024**3,
        *,
        metrics: Metrics | None = None,
        busy: Callable[[str], bool] | None = None,
        on_evict: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._models_dir = models_dir
        self._budget = cache_bytes
        self._metrics = metrics or Metrics()
        self._busy = busy or (lambda name: False)
        self._on_evict = on_evict
        self._entries: dict[str, CacheEntry] = {}
        self._loading: dict[str, Future[CacheEntry]] = {}
        self._failed: dict[str, FailedLoad] = {}
        self._clock = clock
        self._lock = threading.Lock()
        self._uses = itertools.count(1)

    @property
    def backend(self) -> Backend:
        """The backend models are loaded with (it also says where their files are)."""
        return self._backend

    @property
    def total_bytes(self) -> int:
        """Bytes of every loaded model."""
        with self._lock:
            return sum(entry.model.nbytes for entry in self._entries.values())

    def get(self, spec: ModelSpec, deadline: float | None = None) -> LoadedModel:
        """The loaded model for `spec`, loading it on first use (not held)."""
        with self.use(spec, deadline) as model:
            return model

    @contextmanager
    def use(self, spec: ModelSpec, deadline: float | None = None) -> Iterator[LoadedModel]:
        """Hold the model of `spec` (loading it if needed) so it is not evicted meanwhile.

        A load is waited for until the monotonic `deadline` (None: for as long as it takes),
        then 503 `model_not_ready`; the load goes on.
        """
        entry = self._acquire(spec, deadline)
        try:
            yield entry.model
        finally:
            with self._lock:
                entry.users -= 1
                entry.last_used = time.time()
                entry.touched = next(self._uses)
                # The model just used stays, or a model alone over budget would reload each time.
                self._shrink(keep=spec.name)

    def _acquire(self, spec: ModelSpec, deadline: float | None) -> CacheEntry:
        while True:
            with self._lock:
                entry = self._entries.get(spec.name)
                if entry is not None:
                    entry.users += 1
                    entry.last_used = time.time()
                    entry.touched = next(self._uses)
                    return entry
                self._raise_if_failed_lately(spec.name)
                pending = self._loading.get(spec.name)
                owner = pending is None
                if pending is None:
                    pending = self._loading[spec.name] = Future()
            if owner:
                self._start_load(spec, pending)
            self._wait(spec, pending, deadline)
            pending.result()  # a failed load fails every caller that waited for it
            # Loop: take the entry under the lock (it may already be gone again, rarely).

    def _raise_if_failed_lately(self, name: str) -> None:
        """The 503 of a load of `name` whose files failed within FAILED_LOAD_MEMORY_S (locked)."""
        failed = self._failed.get(name)
        if failed is None:
            return
        if self._clock() >= failed.until:
            del self._failed[name]  # try the files again
            return
        raise ModelNotReady(failed.error.message, retry_after=failed.error.retry_after)

    def _start_load(self, spec: ModelSpec, pending: Future[CacheEntry]) -> None:
        """Load `spec` in a thread of its own, in the caller's context (its logging ids)."""
        context = contextvars.copy_context()
        threading.Thread(
            target=context.run,
            args=(self._load, spec, pending),
            name=f"tarjoman-load-{spec.name}",
            daemon=True,
        ).start()

    @staticmethod
    def _wait(spec: ModelSpec, pending: Future[CacheEntry], deadline: float | None) -> None:
        """Wait for a load until `deadline`; 503 naming the model when it is still loading."""
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        wait([pending], timeout)
        if not pending.done():
            raise ModelNotReady(
                f"{spec.name} is not ready: loading (the request's deadline passed while it "
                "waited for the load, which goes on)",
                retry_after=RETRY_LOADING_S,
            )

    def _load(self, spec: ModelSpec, pending: Future[CacheEntry]) -> None:
        try:
            folder = self._backend.locate(spec, self._models_dir)
            if folder is None:
                raise ModelNotReady(spec.missing_reason(self._models_dir), retry_after=60)
            with self._lock:
                # Make room before loading, by the backend's estimate, to bound peak memory.
                self._shrink(extra=self._backend.estimate_bytes(spec, folder))
            started = time.perf_counter()
            model = self._load_files(spec, folder)
            entry = CacheEntry(model, time.perf_counter() - started, time.time())
        except BaseException as exc:
            with self._lock:
                del self._loading[spec.name]
            pending.set_exception(exc)
            return
        self._metrics.load_seconds.labels(spec.name).observe(entry.load_seconds)
        with self._lock:
            self._entries[spec.name] = entry
            del self._loading[spec.name]
            self._shrink(keep=spec.name)
            self._metrics.cache_bytes.set(self._bytes())
        pending.set_result(entry)

    def _load_files(self, spec: ModelSpec, folder: Path) -> LoadedModel:
        """The backend's load; files that are there but do not load are 503 naming the model."""
        try:
            return self._backend.load(spec, folder)
        except TarjomanError:
            raise
        except Exception as exc:  # damaged or half-copied files: the library's error is logged
            log.exception("loading %s from %s failed", spec.name, folder)
            error = ModelNotReady(
                f"{spec.name} failed to load from {folder}; its files may be damaged "
                "(the server log has the error)",
                retry_after=60,
            )
            with self._lock:
                self._failed[spec.name] = FailedLoad(error, self._clock() + FAILED_LOAD_MEMORY_S)
            raise error from exc

    def _bytes(self) -> int:
        return sum(entry.model.nbytes for entry in self._entries.values())

    def _shrink(self, extra: int = 0, keep: str | None = None) -> None:
        """Evict idle models, least recently used first, until `extra` more bytes fit."""
        while self._bytes() + extra > self._budget:
            idle = [
                (entry.touched, name)
                for name, entry in self._entries.items()
                if entry.users == 0 and name != keep and not self._busy(name)
            ]
            if not idle:
                return
            _, name = min(idle)
            entry = self._entries.pop(name)
            log.info("evicted %s (%d bytes) to stay within the cache budget", name, entry.model.nbytes)
            self._metrics.evictions.labels(name).inc()
            self._metrics.cache_bytes.set(self._bytes())
            if self._on_evict is not None:
                self._on_evict(name)

    def peek(self, name: str) -> CacheEntry | None:
        """The entry of a loaded model, without loading or touching it."""
        return self._entries.get(name)

    def loaded(self) -> list[str]:
        """Names of the loaded models."""
        with self._lock:
            return list(self._entries)
