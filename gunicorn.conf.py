"""gunicorn settings: gthread, no preload (torch and fork do not mix), values from Settings."""

import os
import shutil
import sys
import tempfile

from gunicorn import util

from service.api.gworker import TimedThreadWorker
from service.api.rawerrors import error_page
from service.models.torchless import keep_torch_out
from service.settings import SettingsError, load_settings
from service.startup import checked_profile

try:  # a bad TARJOMAN_* value stops start-up here with one line naming it, not a traceback
    _settings = load_settings()
    _profile = checked_profile(_settings)
except SettingsError as _exc:
    print(f"tarjoman: {_exc}", file=sys.stderr)
    sys.exit(2)

# Workers whose models all run on CTranslate2 never load torch (service/models/torchless.py);
# set here, before the fork, so every worker inherits it.
keep_torch_out(_profile, _settings.runtime)


def _json_error(sock: object, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own 400/414/431 answers in JSON, not its HTML page (set before the fork)."""
    util.write_nonblock(sock, error_page(status_int, reason, mesg))


util.write_error = _json_error

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# gthread that closes its listener when it stops (service/drain.py), so a proxy retries new
# connections elsewhere, and whose connections time out after TARJOMAN_READ_TIMEOUT_S of
# silence mid-request (service/api/gworker.py).
TimedThreadWorker.read_timeout = _settings.read_timeout_s
worker_class = "service.api.gworker.TimedThreadWorker"
workers = _settings.workers
threads = _settings.threads
preload_app = False  # models load in each worker after fork
timeout = int(_settings.request_timeout_s) + 30
graceful_timeout = 30
keepalive = 5
accesslog = None
wsgi_app = "service:create_app()"

# Prometheus multiprocess mode: every worker writes its metrics under this folder and /metrics
# sums them. Set here, before the workers fork and import prometheus_client, so they inherit it;
# without an operator's folder, a private one per server, so two servers never mix.
_metrics_dir_owned = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _metrics_dir_owned:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tarjoman-metrics-")


def on_starting(server: object) -> None:
    """Wipe the metrics of an earlier run before the first worker starts."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    """Drop the live gauges of a worker that died or was recycled."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    """Remove the metrics folder this config created."""
    if _metrics_dir_owned:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def worker_exit(server: object, worker: object) -> None:
    """Stop the engine's batchers first: a thread still inside torch at exit aborts the process."""
    app = getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get("tarjoman")
    if state is not None:
        state.engine.close()


def pre_request(worker: object, req: object) -> None:
    """Close after a body announced over the limit: it is refused unread, and gunicorn resets a
    connection whose unread body is over 64 KiB, so a kept-alive client would lose its next
    request."""
    headers = getattr(req, "headers", [])
    length = next((value for name, value in headers if name == "CONTENT-LENGTH"), "")
    if length.isdigit() and int(length) > _settings.max_body_bytes:
        req.must_close = True  # type: ignore[attr-defined]
