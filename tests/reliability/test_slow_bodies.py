"""Stalled requests on real gunicorn: 408 or a close after the read timeout; threads freed."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.integration

THREADS = 16
SILENCE_S = 1.0
CLIENTS = 64  # four times the threads: before the timeouts these took every thread for good


@pytest.fixture(scope="module")
def server(test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn, one worker of 16 threads, bodies that go silent for 1 s get 408."""
    log = tmp_path_factory.mktemp("slow-bodies") / "server.log"
    env = {
        "TARJOMAN_PRELOAD": "",
        "TARJOMAN_THREADS": str(THREADS),
        "TARJOMAN_MAX_BATCH_SIZE": "8",
        "TARJOMAN_READ_TIMEOUT_S": str(SILENCE_S),
    }
    process, started = start_server(test_models_dir, log, env)
    yield started
    stop_server(process)


def _short_body(server: Server, path: str = "/v1/detect") -> socket.socket:
    """A client that announces 1,000 bytes, sends 12, and then sends nothing."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"text": "ab')
    return sock


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    """Status and body of the one response on a connection the server closes after it."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_body_shorter_than_announced_gets_408_in_json(server: Server) -> None:
    sock = _short_body(server)
    try:
        status, body = _answer(sock)
    finally:
        sock.close()
    assert status == 408
    error = json.loads(body)["error"]
    assert error["code"] == "request_timeout"
    assert "TARJOMAN_READ_TIMEOUT_S" in error["message"]


def test_a_stalled_body_on_the_compatible_surface_gets_its_shape(server: Server) -> None:
    sock = _short_body(server, "/translate")
    try:
        status, body = _answer(sock)
    finally:
        sock.close()
    assert status == 408
    assert isinstance(json.loads(body)["error"], str)


def test_many_stalled_clients_do_not_stop_livez(server: Server) -> None:
    stalled = [_short_body(server) for _ in range(CLIENTS)]
    try:
        # Every thread may be busy with a stalled body, but each is freed after 1 s of
        # silence; before the timeouts this waited forever (bounded here by the timeout).
        live = requests.get(server.url + "/livez", timeout=60)
        assert live.status_code == 200
        statuses = [_answer(sock)[0] for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    assert statuses == [408] * CLIENTS
    served = requests.post(server.url + "/v1/detect", json={"text": "Rain."}, timeout=30)
    assert served.status_code == 200
    assert "Traceback" not in server.log_text()


def _half_headers(server: Server) -> socket.socket:
    """A client that sends half a request line and headers, then nothing."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(f"POST /v1/detect HTTP/1.1\r\nHost: {host}\r\nContent-Ty".encode())
    return sock


def test_many_clients_stalled_in_their_headers_do_not_stop_livez(server: Server) -> None:
    stalled = [_half_headers(server) for _ in range(CLIENTS)]
    try:
        live = requests.get(server.url + "/livez", timeout=60)
        assert live.status_code == 200
        # Each is closed by the server (no answer: there is no request to answer yet).
        assert all(sock.recv(65536) == b"" for sock in stalled)
    finally:
        for sock in stalled:
            sock.close()
    assert "Traceback" not in server.log_text()


def test_a_body_dribbled_faster_than_the_timeout_is_served(server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps({"text": "Heavy rain in the north."}).encode()
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        head = (
            f"POST /v1/detect HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        for start in range(0, len(body), 8):
            sock.sendall(body[start : start + 8])
            time.sleep(SILENCE_S / 5)  # silences well under the timeout
        status, answer = _answer(sock)
    assert status == 200
    assert json.loads(answer)["results"][0]["language"] == "en"
