"""Engine: the models of one profile behind one call; one DynamicBatcher per loaded model."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from service.batcher import BatchLimits, DynamicBatcher
from service.errors import DeadlineExceeded, ModelNotReady, PayloadTooLarge
from service.metrics import Metrics
from service.models.backend import Backend, Generation, GenerationOptions, LoadedModel
from service.models.cache import ModelCache
from service.models.cpus import compute_threads
from service.models.registry import ModelSpec, Profile, Task, with_runtime
from service.models.runtimes import RuntimeConfig, Runtimes, check_profile
from service.readiness import PreloadProgress, Readiness, assess
from service.resultcache import GenerationCodec, Lookup, ResultCache, policy, scope
from service.settings import Settings

log = logging.getLogger(__name__)


Batcher = DynamicBatcher[GenerationOptions, str, Generation]


def runtimes_for(settings: Settings) -> Runtimes:
    """The runtimes of the settings; compute threads from the CPUs this worker may use."""
    threads = settings.torch_threads or compute_threads(settings.workers)
    return Runtimes(RuntimeConfig(settings.device, settings.dtype, threads))


class Engine:
    """Owns the model cache and one batcher per loaded model; runs generation for pipelines."""

    def __init__(
        self,
        settings: Settings,
        profile: Profile,
        backend: Backend | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.profile = with_runtime(profile, settings.runtime, settings.quantization)
        check_profile(self.profile)
        self.metrics = metrics or Metrics()
        self.metrics.prepare([spec.name for spec in profile.models])
        self.limits = BatchLimits(
            max_batch_size=settings.max_batch_size,
            max_batch_tokens=settings.max_batch_tokens,
            max_wait_s=settings.max_wait_ms / 1000,
            max_queue=settings.max_queue,
        )
        self._batchers: dict[str, Batcher] = {}
        self._batchers_lock = threading.Lock()
        self.cache = ModelCache(
            backend or runtimes_for(settings),
            settings.models_dir,
            settings.cache_bytes,
            metrics=self.metrics,
            busy=self._busy,
            on_evict=self._drop_batcher,
        )
        self.results = ResultCache(
            GenerationCodec(),
            self.metrics.results,
            enabled=settings.cache,
            memory_bytes=settings.cache_memory_bytes,
            url=settings.cache_url,
            ttl_s=settings.cache_ttl_s,
        )
        self._scopes: dict[tuple[str, str, GenerationOptions], str] = {}
        self._preload_done = threading.Event()
        self._preload_errors: dict[str, str] = {}
        self._converting: set[str] = set()
        self._warmed: set[str] = set()

    @property
    def demo(self) -> bool:
        """True when the profile's models are random demo models."""
        return self.profile.demo

    def options_for(self, spec: ModelSpec, task: Task) -> GenerationOptions:
        """Generation options from the family's defaults and the settings."""
        from service.models.families import family_of

        defaults = family_of(spec.family).generation_defaults(task)
        return GenerationOptions(
            task=task,
            num_beams=self.settings.num_beams or defaults.num_beams,
            max_new_tokens=self.settings.max_new_tokens,
            no_repeat_ngram_size=defaults.no_repeat_ngram_size,
            length_penalty=defaults.length_penalty,
            early_stopping=defaults.early_stopping,
            min_new_tokens=min(self.settings.min_new_tokens, self.settings.max_new_tokens),
        )

    def generate(
        self, spec: ModelSpec, texts: Sequence[str], options: GenerationOptions, deadline: float
    ) -> list[Generation]:
        """Run `texts` through the model of `spec`; one output per input, in order."""
        if not texts:
            return []
        if time.monotonic() >= deadline:
            raise DeadlineExceeded("the request ran past its deadline")
        # Held from before the segments are queued until they resolve: never evicted meanwhile.
        with self.cache.use(spec, deadline) as model:
            # Segments seen before skip the batcher; only the others are computed.
            found: Lookup[Generation] = self.results.lookup(
                self._scope(spec, model, options), texts
            )
            if not found.missing:
                return found.merge([])
            batcher = self._batcher(spec.name, model)
            tokens = model.count_tokens(found.missing, options.task)
            self._check_source_limit(spec, model, tokens)
            futures = batcher.submit(found.missing, options, tokens, deadline)
            computed = batcher.wait(futures, deadline)
            self.results.store(found, computed)
            return found.merge(computed)

    def _scope(self, spec: ModelSpec, model: LoadedModel, options: GenerationOptions) -> str:
        memo = (spec.name, model.device, options)
        found = self._scopes.get(memo)
        if found is None:
            where = f"{model.device}/{self.settings.dtype}"
            folder = spec.folder(self.settings.models_dir)
            found = self._scopes[memo] = scope(spec, folder, where, options)
        return found

    @staticmethod
    def _check_source_limit(spec: ModelSpec, model: LoadedModel, tokens: Sequence[int]) -> None:
        """Refuse a request with a segment over the model's limit before it can fail a batch."""
        limit = model.family.source_token_limit
        for index, count in enumerate(tokens):
            if count > limit:
                raise PayloadTooLarge(
                    f"segment {index} has {count} tokens, over {spec.name}'s limit of {limit}",
                    details={"limit": limit, "tokens": count},
                )

    def count_tokens(
        self, spec: ModelSpec, texts: Sequence[str], task: Task, deadline: float | None = None
    ) -> list[int]:
        """Source tokens of each text as the model of `spec` counts them; its load is waited
        for until `deadline` (None: a request's timeout from now)."""
        with self.cache.use(spec, self.deadline() if deadline is None else deadline) as model:
            return model.count_tokens(texts, task)

    def _batcher(self, name: str, model: LoadedModel) -> Batcher:
        with self._batchers_lock:
            batcher = self._batchers.get(name)
            if batcher is None:
                batcher = self._batchers[name] = DynamicBatcher(
                    name,
                    lambda options, texts: model.generate(texts, options),
                    self.limits,
                    self.metrics.observer(name),
                )
            return batcher

    def _busy(self, name: str) -> bool:
        with self._batchers_lock:
            batcher = self._batchers.get(name)
        return batcher is not None and batcher.busy

    def _drop_batcher(self, name: str) -> None:
        """The cache evicted `name`: stop its (idle) batcher, which holds the model."""
        with self._batchers_lock:
            batcher = self._batchers.pop(name, None)
        if batcher is not None:
            batcher.close()
            self.metrics.queue_depth.labels(name).set(0)

    def close(self) -> None:
        """Stop every batcher; release the result cache's connections."""
        with self._batchers_lock:
            batchers, self._batchers = list(self._batchers.values()), {}
        for batcher in batchers:
            batcher.close()
        self.results.close()

    def deadline(self) -> float:
        """The monotonic deadline of a request starting now."""
        return time.monotonic() + self.settings.request_timeout_s

    def preload_names(self) -> list[str]:
        """The models named by TARJOMAN_PRELOAD."""
        if "all" in self.settings.preload:
            return [spec.name for spec in self.profile.models]
        return list(self.settings.preload)

    def start_preload(self) -> None:
        """Load and warm the preloaded models in a background thread."""
        threading.Thread(target=self._preload, name="tarjoman-preload", daemon=True).start()

    def _preload(self) -> None:
        policy.set("no-store")  # warming must run the model, not find another replica's entry
        for name in self.preload_names():
            spec = self.profile.spec(name)
            try:
                self._fetch_if_allowed(spec)
                self._prepare(spec)
                self.cache.get(spec)  # however long the load takes: no request waits here
                task = spec.tasks[0]
                self.generate(spec, ["warm up"], self.options_for(spec, task), self.deadline())
                self._warmed.add(name)
            except Exception as exc:  # a missing model must not stop the others
                log.warning("preloading %s failed: %s", name, exc)
                self._preload_errors[name] = str(exc)
        self._preload_done.set()

    def _prepare(self, spec: ModelSpec) -> None:
        """The runtime's work before a first load (CTranslate2 converts), at preload only."""
        folder = self.cache.backend.locate(spec, self.settings.models_dir)
        if folder is None:
            return  # missing: readiness says so, with the command that fetches it
        self._converting.add(spec.name)
        try:
            self.cache.backend.prepare(spec, folder)
        finally:
            self._converting.discard(spec.name)

    def _fetch_if_allowed(self, spec: ModelSpec) -> None:
        """With TARJOMAN_ALLOW_DOWNLOAD, fetch a missing hub model (preload thread only)."""
        if not self.settings.allow_download or spec.hub_id is None:
            return
        backend = self.cache.backend
        if backend.locate(spec, self.settings.models_dir) is None:
            from service.models.download import fetch

            log.warning("fetching %s@%s (TARJOMAN_ALLOW_DOWNLOAD)", spec.hub_id, spec.revision)
            fetch(spec, self.settings.models_dir, lambda files: backend.hub_files(spec, files))

    def _missing(self, spec: ModelSpec) -> str | None:
        """Why a model's files are absent for good (not still being fetched), or None."""
        try:
            folder = self.cache.backend.locate(spec, self.settings.models_dir)
        except ModelNotReady as exc:  # its runtime is unknown or not installed
            return exc.message
        if folder is not None:
            return None
        fetching = self.settings.allow_download and spec.hub_id is not None
        if fetching and not self._preload_done.is_set():
            return None
        return spec.missing_reason(self.settings.models_dir, self.profile.name)

    def readiness(self) -> Readiness:
        """Whether the preloaded models on disk are warmed; reasons per model and per task."""
        # Read `done` first: a model warmed after it is still counted, never the reverse.
        done = self._preload_done.is_set()
        progress = PreloadProgress(
            tuple(self.preload_names()),
            frozenset(self._warmed),
            dict(self._preload_errors),
            done,
            frozenset(self._converting),
        )
        return assess(self.profile, progress, lambda name: self._missing(self.profile.spec(name)))

    def models_info(self) -> list[dict[str, Any]]:
        """What /v1/models shows for each model of the profile."""
        info = []
        for spec in self.profile.models:
            entry = self.cache.peek(spec.name)
            with self._batchers_lock:
                batcher = self._batchers.get(spec.name)
            info.append(
                {
                    "name": spec.name,
                    "family": spec.family,
                    "tasks": [str(t) for t in spec.tasks],
                    "hub_id": spec.hub_id,
                    "revision": spec.revision,
                    "licence": spec.licence,
                    "params": spec.params,
                    "loaded": entry is not None,
                    "runtime": entry.model.runtime if entry else spec.runtime,
                    "quantization": entry.model.quantization if entry else spec.quantization,
                    "bytes": entry.model.nbytes if entry else None,
                    "device": entry.model.device if entry else None,
                    "threads": entry.model.threads if entry else None,
                    "last_used": entry.last_used if entry else None,
                    "queue_depth": batcher.depth if batcher else 0,
                    "demo": self.profile.demo,
                }
            )
        return info
