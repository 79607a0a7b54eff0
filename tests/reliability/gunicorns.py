"""Real gunicorn servers for the fault tests: start with an app and settings, find the workers."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.integration.conftest import Server, start_server, stop_server

FAULT_APP = "tests.reliability.faultapp:create_app()"


@dataclass
class Running:
    """A started gunicorn master and its server."""

    process: subprocess.Popen[bytes]
    server: Server

    @property
    def url(self) -> str:
        """The base URL."""
        return self.server.url

    def workers(self) -> list[int]:
        """The pids of the master's live worker processes."""
        return children(self.process.pid)


def children(pid: int) -> list[int]:
    """The pids of the processes whose parent is `pid` (zombies left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may hold spaces; the fields after it are fixed.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def status_of(url: str, timeout: float = 5) -> int | None:
    """The status of GET `url`, or None when the server does not answer."""
    try:
        return requests.get(url, timeout=timeout).status_code
    except (requests.ConnectionError, requests.Timeout):
        return None


@contextmanager
def gunicorn(
    models_dir: Path,
    log: Path,
    env: dict[str, str] | None = None,
    app: str | None = None,
    timeout: float = 90,
) -> Iterator[Running]:
    """gunicorn with gunicorn.conf.py (and `app` in place of the service's), ready; then stopped."""
    process, server = start_server(models_dir, log, env, timeout, app=app)
    try:
        yield Running(process, server)
    finally:
        if process.poll() is None:
            stop_server(process)
