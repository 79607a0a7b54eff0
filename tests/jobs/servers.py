"""Real processes for job tests: gunicorn in its own process group, redis-server, workers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from service.settings import PROJECT_ROOT
from tests.integration import conftest as integration
from tests.integration.conftest import Server, free_port, wait_ready
from tests.polling import wait_for


def tiny_env(models_dir: Path, jobs_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a tiny-profile process with its jobs in `jobs_dir`."""
    settings = {
        "TARJOMAN_THREADS": "128",
        "TARJOMAN_MAX_BATCH_SIZE": "64",  # background batches of 16: the tiny models go faster
        "TARJOMAN_JOBS_DIR": str(jobs_dir),
        "TARJOMAN_JOB_LEASE_S": "2",
        "TARJOMAN_LOG_LEVEL": "WARNING",
        "TARJOMAN_PRELOAD": "tiny-marian-en-fa",  # the one model these jobs use: a faster start
    }
    return integration.tiny_env(models_dir, **(settings | extra))


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a process in its own group (so a SIGKILL reaches all of it), logging to `log`."""
    with log.open("ab") as handle:
        return subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_gunicorn(
    env: dict[str, str], log: Path, timeout: float = 120
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn on a free loopback port, ready (/readyz 200)."""
    port = free_port()
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    process = start([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], env, log)
    server = Server(f"http://127.0.0.1:{port}", log)
    wait_ready(process, server, timeout, stop=kill)
    return process, server.url


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal the process's whole group and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_job(url: str, job_id: str, until: Any, timeout: float = 120) -> dict[str, Any]:
    """Poll GET /v1/jobs/{id} until `until(body)` is true."""

    def arrived() -> dict[str, Any] | None:
        try:
            body: dict[str, Any] = requests.get(f"{url}/v1/jobs/{job_id}", timeout=10).json()
        except (requests.ConnectionError, requests.Timeout):
            body = {}
        if until(body):
            return body
        if body.get("state") == "failed":
            raise AssertionError(f"job failed: {body}")
        return None

    return wait_for(f"job {job_id} to get there", arrived, timeout, interval=0.1)
