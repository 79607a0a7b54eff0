"""BodyGuard holds a chunked body to its route's limit: uploads to /v1/jobs, others far less.

In-process: the guard's reads are counted on a stream of our own (a real gunicorn is in
tests/reliability/test_keepalive.py, which cannot count how much of a body was read).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from service.api.bodyguard import BodyGuard, body_limit

BODY, UPLOAD = 100, 1000


class Stream:
    """A chunked body of `size` bytes that counts what was read of it."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes of the body."""
        take = self.left if size is None or size < 0 else min(size, self.left)
        self.left -= take
        self.read_bytes += take
        return b"x" * take


class GunicornResponse:
    """Stands for gunicorn's Response: start_response is its bound method."""

    def __init__(self) -> None:
        self.closed = False

    def force_close(self) -> None:
        """Close after the answer."""
        self.closed = True

    def start_response(self, status: str, headers: list[tuple[str, str]], *exc: Any) -> None:
        """Nothing to write here."""


@pytest.fixture
def sock() -> Iterator[socket.socket]:
    first, second = socket.socketpair()
    yield first
    first.close()
    second.close()


def serve(sock: socket.socket, method: str, path: str, size: int) -> tuple[Stream, str, bool]:
    """Send a chunked body through the guard: what was read, the length the app saw, closed."""
    stream = Stream(size)
    seen: dict[str, str] = {}

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen["length"] = environ["CONTENT_LENGTH"]
        start_response("200 OK", [])
        return [b""]

    environ = {
        "gunicorn.socket": sock,
        "wsgi.input": stream,
        "wsgi.input_terminated": True,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
    }
    response = GunicornResponse()
    BodyGuard(app, 5, BODY, UPLOAD)(environ, response.start_response)  # type: ignore[arg-type]
    return stream, seen["length"], response.closed


def test_only_job_uploads_take_the_upload_limit() -> None:
    assert body_limit("POST", "/v1/jobs", BODY, UPLOAD) == UPLOAD
    assert body_limit("POST", "/v1/translate", BODY, UPLOAD) == BODY
    assert body_limit("GET", "/v1/jobs", BODY, UPLOAD) == BODY
    assert body_limit("POST", "/translate_file", BODY, UPLOAD) == BODY
    assert body_limit("POST", "/v1/jobs", BODY, 10) == BODY  # never below the body limit


def test_a_chunked_body_over_its_routes_limit_is_read_one_byte_past_it_then_closed(
    sock: socket.socket,
) -> None:
    stream, length, closed = serve(sock, "POST", "/v1/translate", 500)
    assert stream.read_bytes == BODY + 1  # not up to the upload limit
    assert length == str(BODY + 1)  # Werkzeug answers 413 for it
    assert closed


def test_a_job_upload_is_read_whole_up_to_the_upload_limit(sock: socket.socket) -> None:
    stream, length, closed = serve(sock, "POST", "/v1/jobs", 500)
    assert (stream.read_bytes, length, closed) == (500, "500", False)
    stream, length, closed = serve(sock, "POST", "/v1/jobs", 5000)
    assert (stream.read_bytes, length, closed) == (UPLOAD + 1, str(UPLOAD + 1), True)


def test_a_body_within_the_limit_keeps_the_connection(sock: socket.socket) -> None:
    stream, length, closed = serve(sock, "POST", "/v1/translate", BODY)
    assert (stream.read_bytes, length, closed) == (BODY, str(BODY), False)
