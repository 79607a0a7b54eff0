"""What a job is: its spec (task, format, options), its record (state, progress, times)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
ACTIVE: tuple[JobState, ...] = ("queued", "running")
FINISHED: tuple[JobState, ...] = ("done", "failed", "cancelled")
TaskName = Literal["translate", "summarize"]


@dataclass(frozen=True)
class JobSpec:
    """What to do: the task, the input format, and the options of /v1/translate or /v1/summarize."""

    task: TaskName
    format: str  # a documents format name, or "texts" for JSON texts
    filename: str
    options: dict[str, Any] = field(default_factory=dict)
    field: str = "text"  # JSONL: the field with the text
    output_field: str = ""  # JSONL: where the output goes ("" → translation/summary)
    output_format: str = ""  # PDF: txt or docx ("" → txt)

    def to_json(self) -> str:
        """The spec as a JSON string, for the index."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> JobSpec:
        """The spec stored by `to_json`."""
        return cls(**json.loads(raw))


@dataclass(frozen=True)
class JobRecord:
    """One job as the index holds it."""

    id: str
    owner: str
    spec: JobSpec
    state: JobState
    created: float
    total: int = 0
    done: int = 0
    failed_items: int = 0
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    attempts: int = 0
    lease_until: float = 0.0
    bytes: int = 0

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.state in ACTIVE
