"""Run one claimed job to its end, resuming from its checkpoint; a job never stays stuck."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from service.batcher import BACKGROUND, priority
from service.engine import Engine
from service.errors import DeadlineExceeded, ModelNotReady, TarjomanError, Unavailable
from service.jobfiles import completed_lines
from service.jobs import documents
from service.jobs.files import JobFiles
from service.jobs.items import OUTPUT_KEY, Item, process
from service.jobs.model import JobRecord, JobSpec, JobState
from service.jobs.store import Store

log = logging.getLogger(__name__)

CHUNK_UNITS = 8  # items per pipeline call: progress and checkpoints move this often
RETRY_WINDOW_S = 600.0  # how long a job waits out an overloaded service before failing
MODEL_WINDOW_S = 120.0  # a model still loading is ready within this; missing weights never are


class JobFailed(Exception):
    """The job cannot finish; the message says why, for the client."""


class Stopped(Exception):
    """The job was cancelled or deleted, or its lease was lost, while running."""


@dataclass(frozen=True)
class Context:
    """What running a job needs."""

    engine: Engine
    store: Store
    files: JobFiles
    lease_s: float


class Lease(threading.Thread):
    """Keeps a running job's lease fresh and its progress visible; notices a cancellation."""

    def __init__(self, context: Context, record: JobRecord, done: int) -> None:
        super().__init__(name=f"job-lease-{record.id}", daemon=True)
        self.context, self.job_id, self.attempt = context, record.id, record.attempts
        self.done, self.failed = done, 0
        self.lost = threading.Event()
        self._stop_event = threading.Event()

    def beat(self) -> None:
        """Record the lease and progress now."""
        until = time.time() + self.context.lease_s
        store = self.context.store
        if not store.heartbeat(self.job_id, self.attempt, until, self.done, self.failed):
            self.lost.set()

    def run(self) -> None:
        while not self._stop_event.wait(self.context.lease_s / 3):
            self.beat()

    def stop(self) -> None:
        """End the heartbeats."""
        self._stop_event.set()


def _units(spec: JobSpec, document: documents.Document) -> list[documents.Unit]:
    if spec.task == "summarize" and spec.format not in ("jsonl", "texts"):
        return [documents.Unit(document.plain_text())]  # one summary of the whole document
    return list(document.units)


def _read_items(context: Context, job_id: str) -> list[Item]:
    path = context.files.progress(job_id)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [Item(**json.loads(line)) for line in lines]


def _chunk(
    context: Context, spec: JobSpec, units: list[documents.Unit], lease: Lease
) -> list[Item]:
    """One chunk's outcomes, waiting out overload and unready models for a while."""
    first_failure: float | None = None
    while True:
        if lease.lost.is_set():
            raise Stopped
        try:
            return process(context.engine, spec, units)
        except (Unavailable, DeadlineExceeded) as exc:
            now = time.monotonic()
            first_failure = first_failure or now
            window = MODEL_WINDOW_S if isinstance(exc, ModelNotReady) else RETRY_WINDOW_S
            if now - first_failure > window:
                raise JobFailed(f"gave up after {window:.0f} s: {exc.message}") from None
            time.sleep(min(30.0, max(1.0, exc.retry_after or 2.0)))
        except TarjomanError as exc:
            raise JobFailed(exc.message) from None


def _work(context: Context, record: JobRecord, lease: Lease) -> tuple[JobState, str | None]:
    spec, job_id = record.spec, record.id
    try:
        document = documents.load(context.files.read_input(job_id), spec)
    except documents.DocumentError as exc:
        raise JobFailed(str(exc)) from None
    units = _units(spec, document)
    context.store.set_total(job_id, len(units))
    checkpoint = context.files.progress(job_id)
    done = completed_lines(checkpoint)  # a line cut short by a kill is dropped, then redone
    if done > len(units):
        raise JobFailed("the checkpoint does not match the document; submit it again")
    lease.done = done
    with checkpoint.open("a", encoding="utf-8") as out:
        for start in range(done, len(units), CHUNK_UNITS):
            items = _chunk(context, spec, units[start : start + CHUNK_UNITS], lease)
            lease.beat()  # a runner that lost its lease must not write: another one took over
            if lease.lost.is_set():
                raise Stopped
            for item in items:
                out.write(json.dumps(item.__dict__, ensure_ascii=False) + "\n")
            out.flush()
            lease.done += len(items)
            lease.failed += sum(item.error is not None for item in items)
            lease.beat()
    items = _read_items(context, job_id)
    lease.failed = sum(item.error is not None for item in items)
    _write_result(context, record, document, items)
    failed = [item.error for item in items if item.error]
    if failed and len(failed) == len(items):
        return "failed", f"every item failed; the first: {failed[0]}"
    return "done", None


def _write_result(
    context: Context, record: JobRecord, document: documents.Document, items: list[Item]
) -> None:
    spec = record.spec
    json_result = spec.format == "texts" or (spec.task == "summarize" and spec.format != "jsonl")
    if json_result:
        key = OUTPUT_KEY[spec.task]
        results: list[dict[str, Any]] = [
            {key: item.text, **item.meta, "error": item.error} for item in items
        ]
        demo = context.engine.demo and any(
            item.meta.get("model") or item.meta.get("models") for item in items
        )
        body = {"task": spec.task, "results": results, "demo": demo}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        context.files.save_result(record.id, documents.Rendered(data, "application/json", ".json"))
        return
    targets = [item.meta.get("target") for item in items if item.meta.get("target")]
    target = spec.options.get("target") or (targets[0] if targets else "en")
    try:
        rendered = document.render([item.text for item in items], str(target))
    except (ValueError, KeyError) as exc:
        raise JobFailed(f"could not write the {spec.format} result: {exc}") from None
    context.files.save_result(record.id, rendered)


def run(context: Context, record: JobRecord) -> JobState | None:
    """Run a claimed job to done or failed; None when it was cancelled or deleted meanwhile."""
    lease = Lease(context, record, 0)
    lease.start()
    token = priority.set(BACKGROUND)  # live requests go first
    state: JobState | None
    error: str | None = None
    try:
        state, error = _work(context, record, lease)
    except JobFailed as exc:
        state, error = "failed", str(exc)
    except Stopped:
        state = None
    except Exception:  # a job must end, never hang as `running`: fail it and keep the trace
        log.exception("job %s failed", record.id)
        state, error = "failed", "an internal error stopped the job; it has been logged"
    finally:
        priority.reset(token)
        lease.stop()
    if state is None or lease.lost.is_set():
        return None
    context.store.finish(record.id, state, time.time(), error, context.files.size(record.id))
    if context.store.get(record.id) is None:
        context.files.remove(record.id)  # deleted while finishing
    return state
