"""Readiness as typed values: per preloaded model, per task, and for the whole service."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.models.registry import Profile, Task

LOADED = "loaded and warmed"
LOADING = "loading"
CONVERTING = "converting"  # CTranslate2 converts a model at preload before loading it
ON_DISK = "on disk; loads on first use"


@dataclass(frozen=True)
class ModelState:
    """One preloaded model: ready, or why not."""

    ready: bool
    reason: str
    missing: bool = False  # its files are absent for good (not being fetched)

    @property
    def loading(self) -> bool:
        """Still preloading: ready within seconds, usually."""
        return not self.ready and self.reason in (LOADING, CONVERTING)

    def to_json(self) -> dict[str, Any]:
        """As /readyz shows it."""
        body: dict[str, Any] = {"ready": self.ready, "reason": self.reason}
        if self.missing:
            body["missing"] = True
        return body


@dataclass(frozen=True)
class TaskState:
    """One task of the profile: the model serving it, whether it can serve now, and why."""

    model: str
    ready: bool
    reason: str

    @property
    def loading(self) -> bool:
        """Its model is still preloading."""
        return not self.ready and self.reason in (LOADING, CONVERTING)

    def to_json(self) -> dict[str, Any]:
        """As /readyz shows it."""
        return {"model": self.model, "ready": self.ready, "reason": self.reason}


@dataclass(frozen=True)
class Readiness:
    """The service is ready when every preloaded model is warm (or missing, with one warm)."""

    ready: bool
    models: Mapping[str, ModelState]
    tasks: Mapping[Task, TaskState]

    def task(self, task: Task) -> TaskState:
        """The state of `task` (KeyError when the profile has no model for it)."""
        return self.tasks[task]

    def to_json(self) -> dict[str, Any]:
        """The /readyz body."""
        return {
            "ready": self.ready,
            "models": {name: state.to_json() for name, state in self.models.items()},
            "tasks": {str(task): state.to_json() for task, state in self.tasks.items()},
        }


@dataclass(frozen=True)
class PreloadProgress:
    """What the preload thread has done so far."""

    names: tuple[str, ...]
    warmed: frozenset[str]
    errors: Mapping[str, str]
    done: bool
    converting: frozenset[str] = frozenset()


def assess(
    profile: Profile, progress: PreloadProgress, missing: Callable[[str], str | None]
) -> Readiness:
    """Readiness from the preload's progress; `missing(name)` says why files are absent."""
    models: dict[str, ModelState] = {}
    for name in progress.names:
        absent = missing(name)
        if name in progress.warmed:
            models[name] = ModelState(True, LOADED)
        elif absent is not None:
            models[name] = ModelState(False, absent, missing=True)
        elif name in progress.errors:
            models[name] = ModelState(False, progress.errors[name])
        else:
            models[name] = ModelState(False, CONVERTING if name in progress.converting else LOADING)
    # Missing weights leave the rest serving, but with nothing warm there is no service.
    states: Iterable[ModelState] = models.values()
    ready = (
        progress.done
        and all(m.ready or m.missing for m in states)
        and (not models or any(m.ready for m in models.values()))
    )
    tasks: dict[Task, TaskState] = {}
    for task, spec in profile.by_task.items():
        if spec.name in models:
            state = models[spec.name]
            tasks[task] = TaskState(spec.name, state.ready, state.reason)
            continue
        absent = missing(spec.name)
        if absent is not None:
            tasks[task] = TaskState(spec.name, False, absent)
        else:
            tasks[task] = TaskState(spec.name, True, ON_DISK)
    return Readiness(ready, models, tasks)
