"""gunicorn's gthread worker with read timeouts: a client silent mid-request frees its thread."""

from __future__ import annotations

import contextlib
import errno
import socket
from typing import Any

from service.drain import DrainingThreadWorker


class TimedSocket(socket.socket):
    """A client socket whose blocking reads give up after `read_timeout` seconds of silence.

    gunicorn reads request lines and headers from a blocking socket with no timeout, so a client
    that stops halfway holds a thread for good. Here "blocking" means "with a timeout", and the
    timeout surfaces as a connection reset, which gunicorn closes quietly.
    """

    read_timeout: float = 5.0

    @classmethod
    def adopt(cls, sock: socket.socket, read_timeout: float) -> TimedSocket:
        """The same connection as a TimedSocket (the old object is detached)."""
        timed = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        timed.read_timeout = read_timeout
        return timed

    def setblocking(self, flag: bool) -> None:
        """Blocking means a timeout of read_timeout; non-blocking as usual."""
        if flag:
            self.settimeout(self.read_timeout)
        else:
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """recv, with a timeout reported as a reset (errno ECONNRESET) that is a TimeoutError."""
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            # Nothing more is read from this client; gunicorn's graceful close, which lingers
            # up to 2 s reading on its main thread, then sees end of file at once.
            with contextlib.suppress(OSError):
                self.shutdown(socket.SHUT_RD)
            raise TimeoutError(errno.ECONNRESET, "the client sent nothing in time") from None


class TimedThreadWorker(DrainingThreadWorker):
    """The draining gthread worker with TimedSocket connections; gunicorn.conf.py sets
    read_timeout."""

    read_timeout: float = 5.0

    def handle(self, conn: Any) -> Any:
        """Serve one request on a connection, its socket timed from the first one on."""
        if not isinstance(conn.sock, TimedSocket) and not conn.initialized:
            conn.sock = TimedSocket.adopt(conn.sock, self.read_timeout)
        return super().handle(conn)
