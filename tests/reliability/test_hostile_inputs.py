"""Hostile inputs to every POST route of real gunicorn: a 4xx JSON or a correct 200, never 5xx.

Set TARJOMAN_TEST_HOSTILE_TABLE=FILE to write the outcomes as the table in docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from service.settings import PROJECT_ROOT
from tests.integration.conftest import Server, start_server, stop_server
from tests.reliability.hostile import CASES, FORM, JSON, Case, Route

pytestmark = pytest.mark.integration

SILENCE_S = 1.0
OUTCOMES: dict[str, dict[str, set[int]]] = {}


@pytest.fixture(scope="module")
def server(test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn over the tiny profile, every model preloaded, bodies silent 1 s get 408."""
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    # Four new tokens a segment: the long cases translate hundreds of segments per route.
    env = {"TARJOMAN_READ_TIMEOUT_S": str(SILENCE_S), "TARJOMAN_MAX_NEW_TOKENS": "4"}
    env["TARJOMAN_MAX_UPLOAD_BYTES"] = "2000000"  # /v1/jobs: the same limit as other bodies
    process, started = start_server(test_models_dir, log, env)
    yield started
    stop_server(process)
    assert "Traceback" not in started.log_text()
    target = os.environ.get("TARJOMAN_TEST_HOSTILE_TABLE")
    if target:
        Path(target).write_text(_table(), encoding="utf-8")


@pytest.fixture(scope="module")
def routes(server: Server) -> list[Route]:
    """Every POST operation the server documents, with the field its text goes in."""
    document = requests.get(server.url + "/openapi.json", timeout=10).json()
    schemas = document["components"]["schemas"]
    found = []
    for path, item in document["paths"].items():
        content = item.get("post", {}).get("requestBody", {}).get("content", {})
        if not content:
            continue
        ref = next(iter(content.values()))["schema"].get("$ref", "")
        fields = frozenset(schemas.get(ref.rpartition("/")[2], {}).get("properties", {}))
        text_field = "q" if "q" in fields else "text"
        found.append(Route(path, text_field, fields, FORM in content))
    assert {"/v1/translate", "/v1/summarize", "/v1/detect", "/translate", "/detect"} <= {
        r.path for r in found
    }
    return found


def _check(response: requests.Response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    assert "Traceback" not in response.text, where
    assert 'File "' not in response.text, where
    assert response.headers["Content-Type"].startswith("application/json"), where
    body = response.json()
    if response.status_code >= 400:
        # /v1: {"error": {"message"}}; LibreTranslate: {"error": "..."}; DeepL: {"message"}.
        error = body.get("error", body)
        message = error if isinstance(error, str) else error["message"]
        assert message.strip(), where


def _record(case: str, route: str, status: int) -> None:
    OUTCOMES.setdefault(case, {}).setdefault(route, set()).add(status)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(server: Server, routes: list[Route], case: Case) -> None:
    sent_any = False
    for route in routes:
        for sent in case.build(route):
            headers = dict(sent.headers)
            if sent.content_type is not None:
                headers["Content-Type"] = sent.content_type
            where = f"{case.name} → {route.path} ({sent.content_type})"
            response = requests.post(
                server.url + route.path, data=sent.body, headers=headers, timeout=120
            )
            _check(response, where)
            _record(case.name, route.path, response.status_code)
            sent_any = True
    assert sent_any
    assert requests.get(server.url + "/livez", timeout=10).status_code == 200


def _raw(server: Server, data: bytes, pause: float = 0.0, pieces: int = 1) -> list[int]:
    """Send bytes (in pieces, pausing between them); the statuses of every answer."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        size = max(1, len(data) // pieces)
        for start in range(0, len(data), size):
            sock.sendall(data[start : start + size])
            time.sleep(pause)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert b"Traceback" not in received
    return [int(s) for s in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


def _head(route: Route, length: int, extra: str = "") -> bytes:
    return (
        f"POST {route.path} HTTP/1.1\r\nHost: x\r\nContent-Type: {JSON}\r\n"
        f"Content-Length: {length}\r\n{extra}\r\n"
    ).encode()


def test_a_body_larger_than_announced(server: Server, routes: list[Route]) -> None:
    for route in routes:
        body = json.dumps(route.body("Rain. " * 30)).encode()
        # The first 20 bytes are the body; the rest reads as a next request, which is garbage.
        statuses = _raw(server, _head(route, 20) + body)
        assert statuses, route.path
        assert all(400 <= s < 500 for s in statuses), (route.path, statuses)
        _record("larger-than-announced", route.path, statuses[0])


def test_a_body_shorter_than_announced(server: Server, routes: list[Route]) -> None:
    for route in routes:
        statuses = _raw(server, _head(route, 500, "Connection: close\r\n") + b'{"text": "Ra')
        assert statuses == [408], route.path
        _record("shorter-than-announced", route.path, 408)


def test_a_slowly_dribbled_body(server: Server, routes: list[Route]) -> None:
    for route in routes:
        body = json.dumps(route.body("Heavy rain in the north.")).encode()
        data = _head(route, len(body), "Connection: close\r\n") + body
        statuses = _raw(server, data, pause=SILENCE_S / 4, pieces=6)
        assert len(statuses) == 1, route.path
        assert statuses[0] < 500, (route.path, statuses)
        _record("dribbled", route.path, statuses[0])


def test_a_chunked_body_over_the_limit(server: Server, routes: list[Route]) -> None:
    limit = 2_000_000  # the default TARJOMAN_MAX_BODY_BYTES
    for route in routes:
        body = b'{"' + route.text_field.encode() + b'": "' + b"a" * (limit + 10) + b'"}'
        response = requests.post(
            server.url + route.path,
            data=(body[i : i + 65536] for i in range(0, len(body), 65536)),
            headers={"Content-Type": JSON},
            timeout=60,
        )
        _check(response, route.path)
        assert response.status_code in (400, 413), route.path  # 400: LibreTranslate's status
        # /v1/jobs takes bodies up to its own limit, TARJOMAN_MAX_UPLOAD_BYTES.
        setting = "UPLOAD" if route.path == "/v1/jobs" else "BODY"
        assert f"TARJOMAN_MAX_{setting}_BYTES" in response.text
        _record("chunked-over-limit", route.path, response.status_code)


@pytest.mark.parametrize(
    "request_id",
    ["abc\r\nX-Evil: 1", "a" * 10_000, "<script>alert(1)</script>", "شناسه", "../../etc/passwd"],
)
def test_header_injection_in_the_request_id(
    server: Server, routes: list[Route], request_id: str
) -> None:
    route = routes[0]
    body = json.dumps(route.body("Rain.")).encode()
    extra = f"X-Request-ID: {request_id}\r\nConnection: close\r\n"
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(
            _head(route, len(body), extra).replace(b"\r\n\r\n", b"\r\n", 1) + b"\r\n" + body
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head = received.partition(b"\r\n\r\n")[0].decode("latin-1")
    assert int(head.split()[1]) < 500
    assert "X-Evil" not in head
    echoed = re.search(r"X-Request-ID: (.*)", head)
    if echoed:
        assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", echoed.group(1).strip())
    _record("request-id-injection", route.path, int(head.split()[1]))


@pytest.mark.parametrize("name", ["../../service/settings.py", "..%2f..%2fREADME.md", "%00"])
def test_path_traversal_in_path_names(server: Server, name: str) -> None:
    document = requests.get(server.url + "/openapi.json", timeout=10).json()
    templated = [p for p in document["paths"] if "{" in p] + ["/docs/assets/{name}"]
    for path in templated:
        url = server.url + re.sub(r"\{[^}]+\}", name, path)
        response = requests.get(url, timeout=10)
        assert response.status_code < 500, url
        assert "PROJECT_ROOT" not in response.text
        assert "Tarjoman" not in response.text or response.status_code >= 400
        _record("path-traversal-url", path, response.status_code)


def test_the_table_in_the_docs_lists_every_case() -> None:
    docs = (PROJECT_ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    for case in CASES:
        assert f"`{case.name}`" in docs, case.name
    assert len(CASES) >= 40


def _table() -> str:
    """docs/reliability.md's two tables: the hostile inputs, then the raw-socket and URL cases."""
    by_name = {case.name: case for case in CASES}
    table = ["| case | input | expected | observed (status by route) |", "| --- " * 4 + "|"]
    others = ["| case | outcomes by route |", "| --- | --- |"]
    for name, by_route in OUTCOMES.items():
        cells = ", ".join(
            f"{route} {'/'.join(map(str, sorted(statuses)))}"
            for route, statuses in sorted(by_route.items())
        )
        case = by_name.get(name)
        if case is None:
            others.append(f"| `{name}` | {cells} |")
        else:
            table.append(f"| `{name}` | {case.what} | {case.outcome} | {cells} |")
    return "\n".join(table) + "\n\n" + "\n".join(others) + "\n"
