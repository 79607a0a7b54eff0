"""Calling the /v1 API from the CLI: in this process through the WSGI app, or a server by URL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from time import sleep
from typing import TYPE_CHECKING, Any, Protocol

from service.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine

Reply = tuple[int, dict[str, str], Any]
RETRIES = 5


class ApiError(Exception):
    """The service refused a request, or could not be reached (status 0)."""

    def __init__(self, status: int, message: str, error: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.error = error or {}  # the /v1 error object: code, message, details

    def fields(self) -> set[str]:
        """The request fields a 422's details blame ("text", "max_words", "" for the whole body)."""
        details = self.error.get("details")
        if not isinstance(details, list):
            return set()
        found = {str(d.get("field", "")) for d in details if isinstance(d, dict)}
        return {field.split(".")[0] for field in found}


class Transport(Protocol):
    """Posts a JSON body to a path of the API; returns status, headers and the parsed body."""

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply: ...


class InProcessTransport:
    """The service's own app in this process: the same validation, limits and errors as a server."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        from service.app import create_app

        # Load models on first use only: a file of English texts needs no fa→en model.
        # Keys and rate limits guard a server's socket; this process already has the models.
        local: dict[str, Any] = {"preload": [], "api_keys": [], "api_keys_file": None}
        local["job_threads"] = 0  # a server's jobs are not this command's to run
        local |= {"rate_limit": "", "rate_limit_chars": ""}
        if settings.log_level == "INFO":
            local["log_level"] = "WARNING"  # a request log line per batch would bury the bar
        app = create_app(settings.model_copy(update=local), engine=engine)
        self._client = app.test_client()

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        """One request to the app, without a socket."""
        response = self._client.post(path, json=body, headers=headers)
        return response.status_code, dict(response.headers), response.get_json(silent=True)


class HttpTransport:
    """A Tarjoman server reached over HTTP(S)."""

    def __init__(self, url: str, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        """One request to the server; 4xx and 5xx come back as replies, not exceptions."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), _parse(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), _parse(error.read())
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(0, f"cannot reach {self.url}: {reason}") from None


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def error_message(data: Any) -> str:
    """The message of a /v1 error body, or a plain description of an unexpected one."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return "the service's answer is not a Tarjoman JSON body"


class ApiClient:
    """Posts /v1 requests and waits out 429 and 503 as long as the server's Retry-After says."""

    def __init__(self, transport: Transport, api_key: str | None = None) -> None:
        self.transport = transport
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def call(self, task: str, body: dict[str, Any]) -> dict[str, Any]:
        """The JSON body of a successful POST /v1/<task>; ApiError otherwise."""
        for attempt in range(RETRIES + 1):
            status, headers, data = self.transport.post(f"/v1/{task}", body, self.headers)
            if status == 200 and isinstance(data, dict):
                return data
            if status in (429, 503) and attempt < RETRIES:
                sleep(_retry_after(headers, attempt))
                continue
            error = data.get("error") if isinstance(data, dict) else None
            raise ApiError(status, error_message(data), error if isinstance(error, dict) else None)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _retry_after(headers: dict[str, str], attempt: int) -> float:
    value = {k.lower(): v for k, v in headers.items()}.get("retry-after", "")
    try:
        return min(60.0, max(0.5, float(value)))
    except ValueError:
        return float(min(60, 2**attempt))
