"""The jobs the API sees: submit with limits, read, list, results, delete; one owner each."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Protocol

from service.errors import ClientError, InvalidRequest, NotFound, PayloadTooLarge, RateLimited
from service.jobs import documents
from service.jobs.files import JobFiles
from service.jobs.model import JobRecord, JobSpec
from service.jobs.runner import Context
from service.settings import Settings

ERRORS_SHOWN = 100


class Queue(Protocol):
    """Where a stored job goes to be run."""

    def start(self) -> None:
        """Begin running jobs here, if this process runs any."""
        ...

    def enqueue(self, record: JobRecord) -> None:
        """Hand a queued job to a runner."""
        ...

    def cancel(self, job_id: str) -> None:
        """Drop a queued job from the queue, if the queue holds it apart from the index."""
        ...


class NotReady(ClientError):
    """The job has no result yet (or failed); 409 with its state."""

    status = 409
    code = "not_ready"


class JobManager:
    """Jobs of every owner, each visible only to its owner."""

    def __init__(self, settings: Settings, context: Context, queue: Queue) -> None:
        self.settings = settings
        self.context = context
        self.queue = queue

    @property
    def files(self) -> JobFiles:
        """The jobs' folders."""
        return self.context.files

    def submit(self, owner: str, spec: JobSpec, data: bytes) -> JobRecord:
        """Check the limits and the document, store it, and queue it."""
        active, stored = self.context.store.usage(owner)
        if active >= self.settings.max_jobs_per_key:
            raise RateLimited(
                f"{active} jobs are queued or running for this key; the limit is "
                f"{self.settings.max_jobs_per_key} (TARJOMAN_MAX_JOBS_PER_KEY): wait for one",
                retry_after=10,
            )
        if stored + len(data) > self.settings.max_job_bytes_per_key:
            raise PayloadTooLarge(
                f"this key stores {stored} bytes of jobs; {len(data)} more is over the limit of "
                f"{self.settings.max_job_bytes_per_key} (TARJOMAN_MAX_JOB_BYTES_PER_KEY): "
                "delete finished jobs first",
            )
        try:
            document = documents.load(data, spec)
        except documents.DocumentError as exc:
            raise InvalidRequest(f"the {spec.format} file cannot be used: {exc}") from None
        units = len(document.units)
        if spec.task == "summarize" and spec.format not in ("jsonl", "texts"):
            units = 1
        job_id = secrets.token_hex(12)
        record = JobRecord(job_id, owner, spec, "queued", time.time(), total=units, bytes=len(data))
        self.files.save_input(job_id, data)
        self.context.store.create(record)
        self.queue.enqueue(record)
        return record

    def get(self, owner: str, job_id: str) -> JobRecord:
        """The owner's job; 404 for another owner's, an expired or an unknown one."""
        record = self.context.store.get(job_id) if job_id.isalnum() else None
        finished = record.finished if record is not None else None
        if finished is not None and finished + self.settings.job_ttl < time.time():
            self._remove(job_id)
            record = None
        if record is None or record.owner != owner:
            raise NotFound(f"no job {job_id!r} (it may have expired or been deleted)")
        return record

    def by_owner(self, owner: str) -> list[JobRecord]:
        """The owner's jobs, newest first (expired ones left out)."""
        now = time.time()
        return [
            r
            for r in self.context.store.by_owner(owner)
            if r.finished is None or r.finished + self.settings.job_ttl >= now
        ]

    def result(self, owner: str, job_id: str) -> tuple[JobRecord, Path]:
        """The finished result's file; 409 while it runs or when it failed."""
        record = self.get(owner, job_id)
        path = self.files.result(job_id)
        if record.state != "done" or path is None:
            reason = f": {record.error}" if record.error else ""
            raise NotReady(
                f"job {job_id} is {record.state}{reason}; a result exists once it is done",
                details={"state": record.state},
            )
        return record, path

    def delete(self, owner: str, job_id: str) -> JobRecord:
        """Cancel the job if it runs, and delete it and its files."""
        record = self.get(owner, job_id)
        self.queue.cancel(job_id)
        self._remove(job_id)
        return record

    def _remove(self, job_id: str) -> None:
        self.context.store.delete(job_id)
        self.files.remove(job_id)

    def item_errors(self, job_id: str) -> list[dict[str, object]]:
        """The first items that failed: their index and why."""
        path = self.files.progress(job_id)
        if not path.exists():
            return []
        found: list[dict[str, object]] = []
        with path.open(encoding="utf-8") as lines:
            for index, line in enumerate(lines):
                try:
                    error = json.loads(line).get("error")
                except ValueError:
                    break  # a line cut short by a kill; the runner redoes it
                if error:
                    found.append({"item": index, "error": error})
                    if len(found) >= ERRORS_SHOWN:
                        break
        return found
