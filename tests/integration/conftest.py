"""A real gunicorn server with the tiny profile on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from service.settings import PROJECT_ROOT


@dataclass
class Server:
    """A running server: its base URL and its log file."""

    url: str
    log: Path

    def log_text(self) -> str:
        """What the server has written so far."""
        return self.log.read_text(errors="replace")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tiny_env(models_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without its TARJOMAN_ settings, then the tiny profile's and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARJOMAN_")}
    env.update(
        TARJOMAN_PROFILE="tiny",
        TARJOMAN_MODELS_DIR=str(models_dir),
        TARJOMAN_MAX_NEW_TOKENS="16",
        TARJOMAN_TORCH_THREADS="1",
    )
    env.update(extra)
    return env


def start_server(
    models_dir: Path,
    log: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 90,
    wait_for: str = "/readyz",
    app: str | None = None,
) -> tuple[subprocess.Popen[bytes], Server]:
    """Start gunicorn with gunicorn.conf.py (and `app` in place of the service's) and wait
    until `wait_for` answers 200."""
    port = free_port()
    env = tiny_env(
        models_dir,
        HOST="127.0.0.1",
        PORT=str(port),
        TARJOMAN_THREADS="16",
        TARJOMAN_MAX_BATCH_SIZE="8",  # threads must be at least twice the batch size
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # a private folder per server unless asked
    env.update(extra_env or {})
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *([app] if app else [])],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", log)
    wait_ready(process, server, timeout, wait_for)
    return process, server


def wait_ready(
    process: subprocess.Popen[bytes],
    server: Server,
    timeout: float,
    path: str = "/readyz",
    stop: Callable[[subprocess.Popen[bytes]], None] = subprocess.Popen.terminate,
) -> None:
    """Poll `path` until it answers 200; RuntimeError with the log when gunicorn exits first,
    or (after `stop`) when `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log_text()}")
        try:
            if requests.get(server.url + path, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or too busy loading models to answer within 2 s
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn was not ready in {timeout}s:\n{server.log_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully, then for good."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def tiny_server(
    test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """gunicorn serving the tiny profile, ready."""
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    process, server = start_server(test_models_dir, log)
    yield server
    stop_server(process)
