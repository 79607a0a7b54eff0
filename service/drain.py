"""gunicorn's gthread worker, stopping so that a proxy in front loses no request."""

from __future__ import annotations

import select
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class DrainingThreadWorker(ThreadWorker):  # type: ignore[misc]
    """On SIGTERM, gthread stops polling its listener but keeps it open while in-flight requests
    finish: connections arriving meanwhile queue in the kernel and are reset at exit, after the
    proxy already sent them (a POST it may not retry: a 502). This worker accepts what is queued,
    then closes the listener, so later connections are refused and the proxy sends them to
    another replica. (A connection landing in the microseconds between the two is still lost.)
    """

    def set_accept_enabled(self, enabled: bool) -> None:
        """Stop accepting; when the worker is stopping, also stop listening."""
        super().set_accept_enabled(enabled)
        if enabled or self.alive:
            return  # only full of connections: it accepts again once some finish
        for listener in self.sockets:
            while _pending(listener):
                self.accept(listener)
            listener.close()


def _pending(listener: Any) -> bool:
    """A connection is queued on the listener (never waits)."""
    try:
        return bool(select.select([listener], [], [], 0)[0])
    except (OSError, ValueError):
        return False  # already closed
