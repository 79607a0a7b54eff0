"""Redis mode: jobs queued with RQ, run by `tarjoman worker` processes that keep models loaded.

A worker refreshes its job's entry in RQ's started registry every third of TARJOMAN_JOB_LEASE_S.
A worker killed mid-job stops refreshing it; once the entry has expired, the next maintenance
pass of any worker (every lease) finds the job abandoned and RQ retries it (`Retry`), and the
new run resumes from the job's checkpoint in the shared folder. Only when every retry was used
does the job fail, with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry, SimpleWorker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.worker import WorkerStatus

from service.jobs.embedded import sweep, wait_until_ready
from service.jobs.model import JobRecord
from service.jobs.redisstore import RedisStore
from service.jobs.runner import Context, run
from service.settings import Settings

log = logging.getLogger(__name__)

QUEUE = "tarjoman-jobs"
RETRIES = 5  # runs a job may lose to dead workers before it fails
KEEP_S = 3600  # how long RQ keeps its own record of a finished job (ours follows TARJOMAN_JOB_TTL)


def connect(settings: Settings) -> Redis:
    """A client of TARJOMAN_JOBS_URL."""
    return Redis.from_url(settings.jobs_url, socket_timeout=30, health_check_interval=30)


def redis_store(settings: Settings) -> RedisStore:
    """The index in TARJOMAN_JOBS_URL."""
    return RedisStore(connect(settings))


class RedisQueue:
    """Hands jobs to RQ; this process runs none itself."""

    def __init__(self, settings: Settings) -> None:
        self.queue = Queue(QUEUE, connection=connect(settings))

    def start(self) -> None:
        """Nothing runs here: `tarjoman worker` processes do."""

    def enqueue(self, record: JobRecord) -> None:
        """Queue the job for a worker, to be retried if the worker running it dies."""
        self.queue.enqueue(
            "service.jobs.rqueue.perform",
            record.id,
            job_id=record.id,
            retry=Retry(max=RETRIES),
            job_timeout=-1,  # documents take as long as they take; the lease catches dead workers
            result_ttl=KEEP_S,
            failure_ttl=KEEP_S,
            on_failure=Callback(on_failure),
        )

    def cancel(self, job_id: str) -> None:
        """Take a queued job off the queue (a running one stops at its next heartbeat)."""
        with contextlib.suppress(NoSuchJobError, InvalidJobOperation):
            Job.fetch(job_id, connection=self.queue.connection).cancel()


def on_failure(job: Job, connection: Redis, *exc_info: Any) -> None:
    """RQ gave up on a run (its worker died): fail our record when no retry is left."""
    if job.retries_left:
        return  # RQ queues it again; the next run resumes from the checkpoint
    RedisStore(connection).finish(
        str(job.args[0]),
        "failed",
        time.time(),
        f"the workers running this job stopped {RETRIES + 1} times; giving up",
        0,
    )


class _Holder:
    """The worker process's context: RQ calls `perform` by name, with no way to pass it."""

    context: Context | None = None


def perform(job_id: str) -> str:
    """Run (or resume) one job in this worker; what RQ calls."""
    context = _Holder.context
    if context is None:
        raise RuntimeError("perform runs inside `tarjoman worker` only")
    wait_until_ready(context)
    record = context.store.claim(job_id, time.time(), context.lease_s)
    if record is None:
        return "gone"  # cancelled, deleted, or finished by an earlier run
    state = run(context, record)
    return state or "stopped"


class JobWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own process (models stay loaded between jobs) and
    keeps each job's started-registry entry alive for one lease at a time."""

    def __init__(self, *args: Any, context: Context, ttl: float, **kwargs: Any) -> None:
        self.context = context
        self.ttl = ttl
        self.lease_s = int(max(1, context.lease_s))
        kwargs.setdefault("maintenance_interval", self.lease_s)
        super().__init__(*args, **kwargs)
        _Holder.context = context

    @property
    def dequeue_timeout(self) -> int:
        """Wake at least once a lease while idle, to run maintenance (abandoned jobs)."""
        return self.lease_s

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """A dead worker's job is abandoned after one lease, not after RQ's default 7 minutes."""
        return self.lease_s

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job here, refreshing its registry entry from a second thread."""
        execution = self.prepare_execution(job)
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.lease_s / 3):
                with self.connection.pipeline() as pipe:
                    execution.heartbeat(job.started_job_registry, self.lease_s, pipe)
                    pipe.execute()

        keeper = threading.Thread(target=beat, name="rq-heartbeat", daemon=True)
        keeper.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            stop.set()
            keeper.join()
        self.set_state(WorkerStatus.IDLE)

    def run_maintenance_tasks(self) -> None:
        """RQ's (abandoned jobs are retried here), then delete expired jobs."""
        super().run_maintenance_tasks()  # type: ignore[no-untyped-call]
        try:
            sweep(self.context, self.ttl)
        except Exception:  # a failed sweep is retried at the next maintenance
            log.exception("deleting expired jobs failed")


def work(settings: Settings, context: Context, burst: bool = False) -> bool:
    """Run a worker on the jobs queue until stopped."""
    redis = connect(settings)
    worker = JobWorker(
        [Queue(QUEUE, connection=redis)], connection=redis, context=context, ttl=settings.job_ttl
    )
    return bool(worker.work(burst=burst, logging_level=settings.log_level))
