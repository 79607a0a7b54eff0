"""Prometheus metrics of one engine; labels are bounded: route, status, model, reason."""

from __future__ import annotations

import os
from collections.abc import Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
SIZE_BUCKETS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 128)
TOKEN_BUCKETS = (16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384)
DROP_REASONS = ("expired", "cancelled", "overloaded")


class Metrics:
    """The service's metric objects in their own registry (gunicorn: one file set per worker)."""

    def __init__(self) -> None:
        if os.environ.get(MULTIPROC_ENV):
            from service import metricfiles

            metricfiles.install()  # before the first metric: a full disk must not crash a worker
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "tarjoman_requests",
            "HTTP requests by route and status.",
            ["route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "tarjoman_request_seconds",
            "HTTP request latency by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "tarjoman_queue_depth",
            "Segments queued per model.",
            ["model"],
            multiprocess_mode="livesum",
            registry=r,
        )
        self.batch_size = Histogram(
            "tarjoman_batch_size",
            "Segments per model batch.",
            ["model"],
            buckets=SIZE_BUCKETS,
            registry=r,
        )
        self.batch_tokens = Histogram(
            "tarjoman_batch_tokens",
            "Padded source tokens per model batch.",
            ["model"],
            buckets=TOKEN_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "tarjoman_queue_wait_seconds",
            "Time a segment waited in the queue before its batch ran.",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.compute = Histogram(
            "tarjoman_batch_compute_seconds",
            "Time one batch took in the model.",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.dropped = Counter(
            "tarjoman_segments_dropped",
            "Segments never computed: expired, cancelled (client gone) or overloaded.",
            ["model", "reason"],
            registry=r,
        )
        self.load_seconds = Histogram(
            "tarjoman_model_load_seconds",
            "Time to load a model.",
            ["model"],
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=r,
        )
        self.cache_bytes = Gauge(
            "tarjoman_cache_bytes",
            "Bytes of the models loaded.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.evictions = Counter(
            "tarjoman_cache_evictions", "Models evicted from the cache.", ["model"], registry=r
        )
        self.suspect = Counter(
            "tarjoman_translation_suspect",
            "Translated segments that hit the token limit or were out of proportion to their "
            "source (reason: limit, short, repeats, long), retried split or flagged in the reply.",
            ["model", "reason", "outcome"],
            registry=r,
        )
        self.ready = Gauge(
            "tarjoman_ready",
            "1 when the last /readyz answered ready, 0 when not (the lowest of the workers).",
            multiprocess_mode="livemin",
            registry=r,
        )
        self.results = ResultCacheMetrics(r)

    def prepare(self, models: Sequence[str]) -> None:
        """Create every model's series at zero, so dashboards and rate() see them from the
        start (in multiprocess mode a series never touched is absent from /metrics)."""
        for model in models:
            self.queue_depth.labels(model).set(0)
            self.evictions.labels(model)
            for histogram in (self.batch_size, self.batch_tokens, self.queue_wait, self.compute):
                histogram.labels(model)
            for reason in DROP_REASONS:
                self.dropped.labels(model, reason)

    def observer(self, model: str) -> BatcherMetrics:
        """The batch observer of one model's batcher."""
        return BatcherMetrics(self, model)

    def render(self) -> tuple[bytes, str]:
        """The exposition text: every gunicorn worker's metrics in multiprocess mode."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class BatcherMetrics:
    """A BatchObserver that records one model's batches."""

    def __init__(self, metrics: Metrics, model: str) -> None:
        self._metrics = metrics
        self._model = model

    def batch_run(
        self, size: int, padded_tokens: int, waits: Sequence[float], compute_s: float
    ) -> None:
        """Record one batch."""
        m, model = self._metrics, self._model
        m.batch_size.labels(model).observe(size)
        m.batch_tokens.labels(model).observe(padded_tokens)
        m.compute.labels(model).observe(compute_s)
        wait = m.queue_wait.labels(model)
        for seconds in waits:
            wait.observe(seconds)

    def dropped(self, count: int, reason: str) -> None:
        """Count segments never computed."""
        self._metrics.dropped.labels(self._model, reason).inc(count)

    def queue_depth(self, depth: int) -> None:
        """Set the model's queue depth."""
        self._metrics.queue_depth.labels(self._model).set(depth)


class ResultCacheMetrics:
    """The sentence result cache's metrics; a CacheObserver."""

    def __init__(self, r: CollectorRegistry) -> None:
        self.hit = Counter(
            "tarjoman_result_cache_hits",
            "Segments answered from the result cache, by tier (memory, redis).",
            ["tier"],
            registry=r,
        )
        self.miss = Counter(
            "tarjoman_result_cache_misses", "Segments looked up and not cached.", registry=r
        )
        self.nbytes = Gauge(
            "tarjoman_result_cache_bytes",
            "Bytes of the in-process result cache.",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.evicted = Counter(
            "tarjoman_result_cache_evictions",
            "Entries evicted from the in-process result cache.",
            registry=r,
        )
        self.errors = Counter(
            "tarjoman_result_cache_backend_errors",
            "Failed Redis operations of the result cache (each served without it).",
            ["operation"],
            registry=r,
        )
        self.up = Gauge(
            "tarjoman_result_cache_backend_up",
            "1 when the result cache's Redis answered its last call, 0 when it failed; "
            "absent when no Redis is configured.",
            ["backend"],
            multiprocess_mode="livemin",
            registry=r,
        )
        for tier in ("memory", "redis"):
            self.hit.labels(tier)
        for operation in ("get", "set"):
            self.errors.labels(operation)

    def hits(self, tier: str, count: int) -> None:
        """Entries found."""
        self.hit.labels(tier).inc(count)

    def misses(self, count: int) -> None:
        """Entries not found."""
        self.miss.inc(count)

    def memory_bytes(self, delta: int) -> None:
        """The in-process store changed size."""
        self.nbytes.inc(delta)

    def evictions(self, count: int) -> None:
        """Entries evicted."""
        self.evicted.inc(count)

    def backend(self, up: bool, operation: str | None = None) -> None:
        """Redis answered, or an operation failed."""
        self.up.labels("redis").set(1 if up else 0)
        if operation is not None:
            self.errors.labels(operation).inc()
