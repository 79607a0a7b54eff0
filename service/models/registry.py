"""Model profiles from models.toml: which model serves which (task, source, target)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from service.errors import ModelNotReady

LANGUAGES = ("fa", "en")
DEFAULT_RUNTIME = "torch"
DEFAULT_QUANTIZATION = "none"
TASK_KINDS = ("translate", "summarize")


@dataclass(frozen=True)
class Task:
    """A unit of work a model can do: translate fa→en, summarize fa, ..."""

    kind: str
    source: str
    target: str

    @classmethod
    def parse(cls, text: str) -> Task:
        """Parse `translate fa-en` or `summarize fa` as written in models.toml."""
        kind, _, langs = text.partition(" ")
        source, _, target = langs.partition("-")
        task = cls(kind, source, target or source)
        if kind not in TASK_KINDS or {task.source, task.target} - set(LANGUAGES):
            raise ValueError(f"unknown task {text!r}")
        if kind == "translate" and task.source == task.target:
            raise ValueError(f"translation task needs two languages: {text!r}")
        return task

    def __str__(self) -> str:
        if self.kind == "summarize" and self.source == self.target:
            return f"summarize {self.source}"
        return f"{self.kind} {self.source}-{self.target}"


@dataclass(frozen=True)
class ModelSpec:
    """One model entry of a profile: where its weights are and what it does."""

    name: str
    family: str
    tasks: tuple[Task, ...]
    hub_id: str | None = None
    revision: str | None = None
    path: str | None = None
    licence: str = "unknown"
    params: str = ""
    gated: bool = False
    runtime: str = DEFAULT_RUNTIME
    quantization: str = DEFAULT_QUANTIZATION

    def folder(self, models_dir: Path) -> Path | None:
        """The folder this model's files go in, when it exists; its runtime says if they are all there."""
        if self.path is not None:
            folder = Path(self.path)
            folder = folder if folder.is_absolute() else models_dir / folder
            return folder if folder.is_dir() else None
        return hub_snapshot(models_dir, self.hub_id or self.name, self.revision)

    def fetch_hint(self, profile: str | None = None) -> str:
        """The command that puts this model's weights in place (default: TARJOMAN_PROFILE's)."""
        if self.hub_id is None:
            return "`tarjoman models build-test`" if self.path else "a local folder"
        option = f" --profile {profile}" if profile else ""
        return f"`tarjoman models download{option}`"

    def missing_reason(self, models_dir: Path, profile: str | None = None) -> str:
        """Why a model is not there, naming the command that fetches it."""
        where = self.hub_id or self.path
        return (
            f"the weights of {self.name} ({where}) are not in {models_dir}; "
            f"run {self.fetch_hint(profile)} to fetch them"
        )


@dataclass(frozen=True)
class Profile:
    """A named set of models, one per task at most."""

    name: str
    description: str
    models: tuple[ModelSpec, ...]
    demo: bool = False
    notice: str = ""
    by_task: dict[Task, ModelSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for spec in self.models:
            for task in spec.tasks:
                self.by_task.setdefault(task, spec)

    def model_for(self, task: Task) -> ModelSpec | None:
        """The model serving `task`, or None when the profile has none."""
        return self.by_task.get(task)

    def require(self, task: Task) -> ModelSpec:
        """The model serving `task`; 503 when the profile has none."""
        spec = self.model_for(task)
        if spec is None:
            raise ModelNotReady(f"profile {self.name!r} has no model for {task}")
        return spec

    def spec(self, name: str) -> ModelSpec:
        """The model called `name`."""
        for spec in self.models:
            if spec.name == name:
                return spec
        raise KeyError(name)


def hub_snapshot(models_dir: Path, repo_id: str, revision: str | None) -> Path | None:
    """The snapshot folder of `repo_id` in the Hugging Face cache layout under models_dir."""
    repo_dir = models_dir / ("models--" + repo_id.replace("/", "--"))
    if not repo_dir.is_dir():
        return None
    ref = revision or "main"
    ref_file = repo_dir / "refs" / ref
    commit = ref_file.read_text().strip() if ref_file.is_file() else ref
    folder = repo_dir / "snapshots" / commit
    return folder if folder.is_dir() else None


def _spec(entry: dict[str, Any], defaults: dict[str, Any]) -> ModelSpec:
    return ModelSpec(
        name=entry["name"],
        family=entry["family"],
        tasks=tuple(Task.parse(t) for t in entry["tasks"]),
        hub_id=entry.get("hub_id"),
        revision=entry.get("revision"),
        path=entry.get("path"),
        licence=entry.get("licence", "unknown"),
        params=entry.get("params", ""),
        gated=entry.get("gated", False),
        runtime=entry.get("runtime", defaults.get("runtime", DEFAULT_RUNTIME)),
        quantization=entry.get(
            "quantization", defaults.get("quantization", DEFAULT_QUANTIZATION)
        ),
    )


def load_profiles(path: Path) -> dict[str, Profile]:
    """Read every profile of a models.toml file."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    profiles: dict[str, Profile] = {}
    for name, body in data.get("profiles", {}).items():
        profiles[name] = Profile(
            name=name,
            description=body.get("description", ""),
            models=tuple(_spec(entry, body) for entry in body.get("models", [])),
            demo=body.get("demo", False),
            notice=body.get("notice", ""),
        )
    return profiles


def with_runtime(profile: Profile, runtime: str = "", quantization: str = "") -> Profile:
    """The profile with every model on `runtime`/`quantization` (TARJOMAN_RUNTIME and
    TARJOMAN_QUANTIZATION); empty keeps what models.toml says."""
    if not runtime and not quantization:
        return profile
    models = tuple(
        replace(
            spec,
            runtime=runtime or spec.runtime,
            quantization=quantization or spec.quantization,
        )
        for spec in profile.models
    )
    return replace(profile, models=models, by_task={})


def load_profile(path: Path, name: str) -> Profile:
    """Read one profile; a ValueError names the profiles there are when `name` is not one."""
    profiles = load_profiles(path)
    if name not in profiles:
        raise ValueError(f"no profile {name!r} in {path}; there are: {', '.join(profiles)}")
    return profiles[name]
