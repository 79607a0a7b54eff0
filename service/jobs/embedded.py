"""Jobs inside the service: a few threads claim queued (or abandoned) jobs from the index."""

from __future__ import annotations

import logging
import threading
import time

from service.jobs.model import JobRecord
from service.jobs.runner import Context, run

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60.0
READY_WAIT_S = 120.0  # how long job threads wait for the preload before running anyway


def wait_until_ready(context: Context, timeout: float = READY_WAIT_S) -> None:
    """Let the preload finish before jobs (resumed at start) load models of their own."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _preloading(context):
        time.sleep(0.2)


def _preloading(context: Context) -> bool:
    """True while a preloaded model is still loading (not ready, not missing, not failed)."""
    readiness = context.engine.readiness()
    return not readiness.ready and any(model.loading for model in readiness.models.values())


def sweep(context: Context, ttl: float) -> int:
    """Delete the jobs that finished more than `ttl` seconds ago, with their files."""
    expired = context.store.expired(time.time() - ttl)
    for job_id in expired:
        context.store.delete(job_id)
        context.files.remove(job_id)
    return len(expired)


class EmbeddedQueue:
    """Threads of this process that run jobs at background priority on its engine."""

    def __init__(self, context: Context, threads: int, ttl: float) -> None:
        self.context = context
        self.threads = threads
        self.ttl = ttl
        self._wake = threading.Event()
        self._started = False
        self._lock = threading.Lock()
        # Another process's abandoned job is found when its lease runs out: poll that often.
        self._poll_s = max(0.5, min(5.0, context.lease_s / 2))

    def start(self) -> None:
        """Start the threads (once)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        for number in range(self.threads):
            threading.Thread(target=self._loop, name=f"tarjoman-job-{number}", daemon=True).start()

    def enqueue(self, record: JobRecord) -> None:
        """A job was stored as queued: wake a thread."""
        self.start()
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        """Nothing to do: the running thread sees the record gone at its next heartbeat."""

    def _loop(self) -> None:
        wait_until_ready(self.context)
        last_sweep = 0.0
        while True:
            try:
                if time.monotonic() - last_sweep > SWEEP_EVERY_S:
                    last_sweep = time.monotonic()
                    sweep(self.context, self.ttl)
                record = self.context.store.claim(None, time.time(), self.context.lease_s)
                if record is not None:
                    run(self.context, record)
                    continue
            except Exception:  # the thread must outlive a locked or full disk; retry later
                log.exception("the job thread hit an error; retrying")
            self._wake.wait(self._poll_s)
            self._wake.clear()
