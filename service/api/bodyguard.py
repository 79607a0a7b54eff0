"""Request bodies under gunicorn: read timeouts (408), and chunked bodies held to the limit."""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from werkzeug.exceptions import RequestTimeout

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class TimedBody:
    """wsgi.input whose reads fail with 408 once the socket has been silent for too long."""

    def __init__(self, stream: IO[bytes], sock: socket.socket | None, seconds: float) -> None:
        self._stream = stream
        self._sock = sock
        self._seconds = seconds
        self.timed_out = False

    def _fail(self) -> RequestTimeout:
        if not self.timed_out:
            self.timed_out = True
            if self._sock is not None:
                # Nothing more is read from this client: gunicorn's drain of the unread body
                # ends at once, and the connection is closed after the answer.
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RD)
        return RequestTimeout(
            f"the request body stalled: nothing arrived for {self._seconds:g} s "
            "(TARJOMAN_READ_TIMEOUT_S); send the whole body as announced"
        )

    def _call(self, method: str, *args: Any) -> Any:
        if self.timed_out:
            raise self._fail()
        try:
            return getattr(self._stream, method)(*args)
        except TimeoutError:
            raise self._fail() from None

    def read(self, size: int | None = -1) -> bytes:
        """Read like the stream it wraps."""
        data: bytes = self._call("read", size)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        """Read a line like the stream it wraps."""
        data: bytes = self._call("readline", size)
        return data

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        """Read lines like the stream it wraps."""
        lines: list[bytes] = self._call("readlines", hint)
        return lines

    def __iter__(self) -> TimedBody:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def _buffer_streamed(environ: WSGIEnvironment, limit: int) -> bool:
    """Read a chunked body (up to one byte past the limit) and announce its length; True when
    it was over the limit, its rest left unread.

    Werkzeug reads a streamed body only up to the limit and silently drops the rest, so a
    body over it would look truncated (malformed JSON, a cut form); with its length known,
    Werkzeug answers 413 as for any body over the limit.
    """
    stream = environ["wsgi.input"]
    data = bytearray()
    try:
        while len(data) <= limit:
            chunk = stream.read(min(65536, limit + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    except RequestTimeout:
        return False  # the stream stays failed: the app's first read answers 408
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return len(data) > limit


def _close_after_answer(start_response: StartResponse) -> None:
    """Have gunicorn answer `Connection: close` and close: it resets a connection whose unread
    body is over 64 KiB, after saying keep-alive, so a pooled client would lose its next
    request (gunicorn.conf.py's pre_request does the same for a Content-Length over the limit).
    """
    response = getattr(start_response, "__self__", None)  # gunicorn's Response
    force_close = getattr(response, "force_close", None)
    if callable(force_close):
        force_close()


class BodyGuard:
    """WSGI middleware: bound each read of the body by a socket timeout under gunicorn, and
    hold chunked bodies to the size limit."""

    def __init__(self, app: WSGIApplication, seconds: float, limit: int) -> None:
        self.app = app
        self.seconds = seconds
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request with the timeout set while its body may be read."""
        sock = environ.get("gunicorn.socket")
        if not isinstance(sock, socket.socket):
            return self.app(environ, start_response)
        sock.settimeout(self.seconds)
        environ["wsgi.input"] = TimedBody(environ["wsgi.input"], sock, self.seconds)
        streamed = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        terminated = environ.get("wsgi.input_terminated")
        if streamed and terminated and _buffer_streamed(environ, self.limit):
            _close_after_answer(start_response)

        def started(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            # The answer is ready: gunicorn writes it as before, with no timeout of ours.
            sock.settimeout(None)
            return start_response(status, headers, *exc)

        return self.app(environ, started)
