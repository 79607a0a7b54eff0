"""What only real gunicorn shows: chunked bodies over the limit, and its own error pages."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from service.api.security import HEADERS
from tests.integration.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.integration

LIMIT = 4096  # TARJOMAN_MAX_BODY_BYTES here


@pytest.fixture(scope="module")
def server(test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn with a small body limit and no models preloaded."""
    log = tmp_path_factory.mktemp("gunicorn-edges") / "server.log"
    env = {"TARJOMAN_PRELOAD": "", "TARJOMAN_MAX_BODY_BYTES": str(LIMIT)}
    process, started = start_server(test_models_dir, log, env)
    yield started
    stop_server(process)


def _chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _raw(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; status, headers and body of the answer."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_a_chunked_json_body_over_the_limit_is_413(server: Server) -> None:
    body = json.dumps({"text": "rain " * LIMIT, "target": "fa"}).encode()
    response = requests.post(
        server.url + "/v1/detect",
        data=_chunks(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_chunked_form_over_the_limit_is_refused_as_too_large(server: Server) -> None:
    body = b"target=fa&q=" + b"rain+" * LIMIT
    response = requests.post(
        server.url + "/translate",
        data=_chunks(body),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert response.status_code == 400  # LibreTranslate's status for a body it will not take
    assert "TARJOMAN_MAX_BODY_BYTES" in response.json()["error"]


def test_a_chunked_body_under_the_limit_is_served(server: Server) -> None:
    body = json.dumps({"text": ["Heavy rain in the north."] * 20}).encode()
    assert len(body) < LIMIT
    response = requests.post(
        server.url + "/v1/detect",
        data=_chunks(body, 100),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (b"GET /livez HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 200 + b"\r\n", 431),
    ],
)
def test_gunicorn_s_own_errors_are_json_with_the_security_headers(
    server: Server, request_bytes: bytes, status: int
) -> None:
    answered, headers, body = _raw(server, request_bytes)
    assert answered == status
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"]
    assert error["message"]
    for name, value in HEADERS.items():
        assert headers[name] == value
    assert requests.get(server.url + "/livez", timeout=10).status_code == 200
