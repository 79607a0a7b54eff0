"""The deployed topology on loopback: redis-server, gunicorn replicas, job workers and nginx."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "compose" / "nginx.conf"
NGINX = os.environ.get("TARJOMAN_TEST_NGINX", "/usr/sbin/nginx")
_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: object, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Poll `check()` until it is true; fail when `process` exits or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not up within {timeout:.0f}s")


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    """Status and body of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


class Process:
    """A child process with its log file; stopped with SIGTERM, then for good."""

    process: subprocess.Popen[bytes]
    log: Path

    def _spawn(self, args: Sequence[str], env: Mapping[str, str] | None, log: Path) -> None:
        self.log = log
        with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                list(args), cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
            )

    def log_text(self) -> str:
        """What it has written so far."""
        return self.log.read_text(errors="replace")

    def terminate(self) -> None:
        """SIGTERM: a graceful stop (in-flight requests complete)."""
        self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully, then kill after `timeout` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Redis(Process):
    """redis-server without persistence."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"

    def start(self) -> Redis:
        """Start it and wait until it accepts connections."""
        binary = shutil.which("redis-server") or "redis-server"
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self._spawn([*args, "--appendonly", "no"], None, self.workdir / "redis.log")
        wait_for("redis-server", self._pong, 20, self.process)
        return self

    def _pong(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def kill(self) -> None:
        """An outage: gone at once."""
        self.process.kill()
        self.process.wait()


def service_env(env: Mapping[str, str]) -> dict[str, str]:
    """This environment with its TARJOMAN_* settings replaced by `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TARJOMAN_")}
    return {**base, **env}


class Worker(Process):
    """One `tarjoman worker` (RQ), like the compose `worker` service; it serves no HTTP."""

    def __init__(self, name: str, workdir: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.workdir = workdir
        self.env = service_env(env)

    def start(self) -> Worker:
        """Start it; it takes jobs once its models are loaded."""
        args = [sys.executable, "-m", "service", "worker"]
        self._spawn(args, self.env, self.workdir / f"{self.name}.log")
        return self


class Replica(Process):
    """One gunicorn server of the service (gunicorn.conf.py), like one container."""

    def __init__(self, name: str, workdir: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = service_env({"HOST": "127.0.0.1", "PORT": str(self.port), **env})

    def start(self) -> Replica:
        """Start gunicorn; `wait_ready` waits for /readyz."""
        args = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        self._spawn(args, self.env, self.workdir / f"{self.name}.log")
        return self

    def wait_ready(self, timeout: float = 120) -> Replica:
        """Wait until /readyz answers 200."""
        wait_for(self.name, lambda: get(self.url + "/readyz", 2)[0] == 200, timeout, self.process)
        return self

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's samples whose labels include `labels`, scraped from /metrics."""
        status, text = get(self.url + "/metrics")
        if status != 200:
            raise RuntimeError(f"{self.name} /metrics answered {status}")
        return metric_sum(text, name, labels)


def metric_sum(text: str, name: str, labels: Mapping[str, str]) -> float:
    """Sum the samples named `name` in exposition `text` that carry every label of `labels`."""
    total = 0.0
    for line in text.splitlines():
        found = _SAMPLE.match(line)
        if not found or found["name"] != name:
            continue
        pairs = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', found["labels"] or ""))
        if all(pairs.get(k) == v for k, v in labels.items()):
            total += float(found["value"])
    return total


def render_nginx(upstreams: Sequence[str], port: int, workdir: Path) -> Path:
    """deploy/compose/nginx.conf with loopback upstreams and port, inside a main config that
    keeps every path under `workdir` (runs unprivileged, in the foreground)."""
    body = NGINX_CONF.read_text()
    servers = "".join(
        f"    server {address} max_fails=1 fail_timeout=5s;\n" for address in upstreams
    )
    body, count = re.subn(r"(?m)^\s*server tarjoman-\d+:8000[^\n]*\n", "", body)
    if count == 0 or "upstream tarjoman {\n" not in body:
        raise RuntimeError(f"{NGINX_CONF} no longer has the upstream lines this renders")
    body = body.replace("upstream tarjoman {\n", "upstream tarjoman {\n" + servers, 1)
    body = body.replace("listen 8080;", f"listen 127.0.0.1:{port};", 1)
    (workdir / "tarjoman.conf").write_text(body)
    temp = {k: workdir / k for k in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(exist_ok=True)
    # As root, nginx's workers would run as `nobody`, who cannot write the temporary folders
    # (large request bodies) under `workdir`: keep them the user who runs this.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = f"""daemon off;
{user}worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {workdir}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {workdir}/tarjoman.conf;
}}
"""
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


class Nginx(Process):
    """Debian's nginx in the foreground with the rendered config."""

    def __init__(self, upstreams: Sequence[str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = render_nginx(upstreams, self.port, workdir)

    def start(self) -> Nginx:
        """Start it and wait until it accepts connections."""
        args = [NGINX, "-p", str(self.workdir), "-c", str(self.config), "-e", "stderr"]
        self._spawn(args, None, self.workdir / "nginx.out")
        wait_for("nginx", self._listening, 20, self.process)
        return self

    def _listening(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True
