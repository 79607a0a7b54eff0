"""GET /metrics, and the hooks that count every request and watch for clients that hang up."""

from __future__ import annotations

import select
import socket
import time

from flask import Blueprint, Flask, Response, g, request

from service.api.openapi import documented
from service.api.state import state
from service.batcher import client_gone

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
@documented(errors=(401, 403, 404), tags=("metrics",))
def metrics_view() -> Response:
    """Prometheus exposition of every worker's metrics."""
    body, content_type = state().engine.metrics.render()
    return Response(body, content_type=content_type)


def _peer_closed(sock: socket.socket) -> bool:
    """True when the client has closed its end (a read would return end of file)."""
    try:
        # The socket may carry a timeout (the body read timeout), and Python waits that long
        # for data before any recv, MSG_DONTWAIT or not: ask select first, without waiting.
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError, ValueError):  # ValueError: a TLS socket
        return False
    except OSError:
        return True


def _before() -> None:
    g.tarjoman_started = time.perf_counter()
    sock = request.environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        client_gone.set(lambda: _peer_closed(sock))


def _after(response: Response) -> Response:
    # The route pattern, never the path: labels must stay bounded.
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics = state().engine.metrics
    metrics.requests.labels(route, str(response.status_code)).inc()
    started = g.get("tarjoman_started")
    if started is not None:
        metrics.latency.labels(route).observe(time.perf_counter() - started)
    return response


def _teardown(error: BaseException | None) -> None:
    client_gone.set(None)  # gthread reuses threads for other requests


def install_hooks(app: Flask) -> None:
    """Count requests by route and status; let waiting requests notice a gone client."""
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)
