"""Engine: the models of one profile behind one call; one DynamicBatcher per loaded model."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from service.batcher import BatchLimits, DynamicBatcher
from service.errors import DeadlineExceeded, PayloadTooLarge
from service.metrics import Metrics
from service.models.backend import Backend, GenerationOptions, LoadedModel, TorchBackend
from service.models.cache import ModelCache
from service.models.registry import ModelSpec, Profile, Task
from service.resultcache import Lookup, ResultCache, TextCodec, fingerprint, policy
from service.settings import Settings

log = logging.getLogger(__name__)


Batcher = DynamicBatcher[GenerationOptions, str, str]


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
        self.profile = profile
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
            backend or TorchBackend(settings.device, settings.dtype, settings.torch_threads),
            settings.models_dir,
            settings.cache_bytes,
            metrics=self.metrics,
            busy=self._busy,
            on_evict=self._drop_batcher,
        )
        self.results = ResultCache(
            TextCodec(),
            self.metrics.results,
            enabled=settings.cache,
            memory_bytes=settings.cache_memory_bytes,
            url=settings.cache_url,
            ttl_s=settings.cache_ttl_s,
        )
        self._scopes: dict[tuple[str, str, GenerationOptions], str] = {}
        self._preload_done = threading.Event()
        self._preload_errors: dict[str, str] = {}
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
            min_new_tokens=min(self.settings.min_new_tokens, self.settings.max_new_tokens),
        )

    def generate(
        self, spec: ModelSpec, texts: Sequence[str], options: GenerationOptions, deadline: float
    ) -> list[str]:
        """Run `texts` through the model of `spec`; one output per input, in order."""
        if not texts:
            return []
        if time.monotonic() >= deadline:
            raise DeadlineExceeded("the request ran past its deadline")
        # Held from before the segments are queued until they resolve: never evicted meanwhile.
        with self.cache.use(spec) as model:
            # Segments seen before skip the batcher; only the others are computed.
            found: Lookup[str] = self.results.lookup(self._scope(spec, model, options), texts)
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
        """What besides the text decides an output: the model's files, where and how it runs,
        and every generation option (their repr names each field)."""
        memo = (spec.name, model.device, options)
        scope = self._scopes.get(memo)
        if scope is None:
            files = fingerprint(spec.local_dir(self.settings.models_dir))
            scope = self._scopes[memo] = (
                f"{spec!r}|{files}|{model.device}|{self.settings.dtype}|{options!r}"
            )
        return scope

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

    def count_tokens(self, spec: ModelSpec, texts: Sequence[str], task: Task) -> list[int]:
        """Source tokens of each text as the model of `spec` counts them."""
        with self.cache.use(spec) as model:
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
                task = spec.tasks[0]
                self.generate(spec, ["warm up"], self.options_for(spec, task), self.deadline())
                self._warmed.add(name)
            except Exception as exc:  # a missing model must not stop the others
                log.warning("preloading %s failed: %s", name, exc)
                self._preload_errors[name] = str(exc)
        self._preload_done.set()

    def _fetch_if_allowed(self, spec: ModelSpec) -> None:
        """With TARJOMAN_ALLOW_DOWNLOAD, fetch a missing hub model (preload thread only)."""
        if not self.settings.allow_download or spec.hub_id is None:
            return
        if spec.local_dir(self.settings.models_dir) is None:
            from service.models.download import fetch

            log.warning("fetching %s@%s (TARJOMAN_ALLOW_DOWNLOAD)", spec.hub_id, spec.revision)
            fetch(spec, self.settings.models_dir)

    def _missing(self, spec: ModelSpec) -> str | None:
        """Why a model's weights are absent for good (not still being fetched), or None."""
        if spec.local_dir(self.settings.models_dir) is not None:
            return None
        fetching = self.settings.allow_download and spec.hub_id is not None
        if fetching and not self._preload_done.is_set():
            return None
        return spec.missing_reason(self.settings.models_dir, self.profile.name)

    def readiness(self) -> dict[str, Any]:
        """Whether the preloaded models on disk are warmed; reasons per model and per task."""
        # Missing weights make only their own tasks unready: the other tasks keep serving.
        models: dict[str, dict[str, Any]] = {}
        for name in self.preload_names():
            missing = self._missing(self.profile.spec(name))
            if name in self._warmed:
                models[name] = {"ready": True, "reason": "loaded and warmed"}
            elif missing is not None:
                models[name] = {"ready": False, "missing": True, "reason": missing}
            elif name in self._preload_errors:
                models[name] = {"ready": False, "reason": self._preload_errors[name]}
            else:
                models[name] = {"ready": False, "reason": "loading"}
        # Missing weights leave the rest serving, but with nothing warm there is no service.
        ready = (
            self._preload_done.is_set()
            and all(m["ready"] or m.get("missing") for m in models.values())
            and (not models or any(m["ready"] for m in models.values()))
        )
        return {"ready": ready, "models": models, "tasks": self.task_readiness(models)}

    def task_readiness(self, models: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Per task of the profile: the model serving it, whether it can serve now, and why."""
        tasks: dict[str, dict[str, Any]] = {}
        for task, spec in self.profile.by_task.items():
            missing = self._missing(spec)
            if spec.name in models:
                state = {"ready": models[spec.name]["ready"], "reason": models[spec.name]["reason"]}
            elif missing is not None:
                state = {"ready": False, "reason": missing}
            else:
                state = {"ready": True, "reason": "on disk; loads on first use"}
            tasks[str(task)] = {"model": spec.name, **state}
        return tasks

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
                    "bytes": entry.model.nbytes if entry else None,
                    "device": entry.model.device if entry else None,
                    "last_used": entry.last_used if entry else None,
                    "queue_depth": batcher.depth if batcher else 0,
                    "demo": self.profile.demo,
                }
            )
        return info
