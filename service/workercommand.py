"""The `tarjoman worker` command: run jobs outside the HTTP service (RQ, or the local index)."""

from __future__ import annotations

import argparse
import logging
import sys
import threading

from service.settings import Settings


def add_worker_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `worker` to the tarjoman parser's subcommands."""
    parser = commands.add_parser(
        "worker",
        help="run jobs: from Redis with TARJOMAN_JOBS_URL, else from the local TARJOMAN_JOBS_DIR",
    )
    parser.add_argument("--burst", action="store_true", help="Redis: quit when the queue is empty")
    parser.set_defaults(run=cmd_worker)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Load the profile's engine and run jobs until stopped."""
    from service.api.logs import configure_logging
    from service.engine import Engine
    from service.jobs.files import JobFiles
    from service.jobs.runner import Context
    from service.models.registry import load_profile
    from service.models.torchless import keep_torch_out

    configure_logging(settings)
    profile = load_profile(settings.models_file, settings.profile)
    keep_torch_out(profile, settings.runtime)
    engine = Engine(settings, profile)
    engine.start_preload()
    files = JobFiles(settings.jobs_dir)
    if settings.jobs_url:
        from service.jobs.rqueue import redis_store, work

        context = Context(engine, redis_store(settings), files, settings.job_lease_s)
        logging.getLogger(__name__).info("worker: jobs from %s", settings.jobs_url.split("@")[-1])
        work(settings, context, burst=args.burst)
        return 0
    from service.jobs.build import INDEX
    from service.jobs.embedded import EmbeddedQueue
    from service.jobs.store import SQLiteStore

    if args.burst:
        print("tarjoman: --burst needs TARJOMAN_JOBS_URL (a Redis queue)", file=sys.stderr)
        return 2
    context = Context(engine, SQLiteStore(settings.jobs_dir / INDEX), files, settings.job_lease_s)
    EmbeddedQueue(context, max(1, settings.job_threads), settings.job_ttl).start()
    threading.Event().wait()  # the job threads run until the process is stopped
    return 0
