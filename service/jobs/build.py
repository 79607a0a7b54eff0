"""Build the job manager for the settings: embedded (SQLite, threads) or Redis with RQ workers."""

from __future__ import annotations

from service.engine import Engine
from service.jobs.embedded import EmbeddedQueue
from service.jobs.files import JobFiles
from service.jobs.manager import JobManager, Queue
from service.jobs.runner import Context
from service.jobs.store import SQLiteStore, Store
from service.settings import Settings

INDEX = "jobs.sqlite"


def index_exists(settings: Settings) -> bool:
    """True when this host has an embedded job index (jobs may be waiting to resume)."""
    return not settings.jobs_url and (settings.jobs_dir / INDEX).exists()


def build_manager(settings: Settings, engine: Engine) -> JobManager:
    """The manager, its store and its queue; embedded threads start here when configured."""
    files = JobFiles(settings.jobs_dir)
    store: Store
    queue: Queue
    if settings.jobs_url:
        from service.jobs.rqueue import RedisQueue, redis_store

        store = redis_store(settings)
        context = Context(engine, store, files, settings.job_lease_s)
        queue = RedisQueue(settings)
    else:
        store = SQLiteStore(settings.jobs_dir / INDEX)
        context = Context(engine, store, files, settings.job_lease_s)
        queue = EmbeddedQueue(context, settings.job_threads, settings.job_ttl)
    manager = JobManager(settings, context, queue)
    queue.start()
    return manager
