"""Rate limits with Flask-Limiter: per API key or client address, in requests and characters."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from flask_limiter import ApplicationLimit, Limiter

from service.api import access
from service.api.auth import KeyRing, client_key_id
from service.api.payload import request_chars
from service.settings import Settings

REDIS_TIMEOUTS: dict[str, str | int] = {"socket_connect_timeout": 1, "socket_timeout": 1}


def _exempt() -> bool:
    """Everything but the public endpoints (service/api/access.py) and CORS preflights counts."""
    return request.method == "OPTIONS" or not access.rate_limited(request.endpoint)


def _retry_after_only_when_refused(response: Response) -> Response:
    # Flask-Limiter sends Retry-After on every response; it means "wait" only on 429 and 503.
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def _char_cost() -> int:
    # A request with no text still costs one, so a flood of empty requests is counted too.
    return max(1, request_chars())


def install(app: Flask, settings: Settings, ring: KeyRing) -> Limiter | None:
    """Limit requests and characters when either limit is set; None when neither is."""
    if not settings.rate_limit and not settings.rate_limit_chars:
        return None

    def bucket() -> str:
        # request.remote_addr is the socket's peer, or what ProxyFix took from trusted proxies:
        # a header a client forges itself never reaches it.
        return client_key_id(ring) or f"addr:{request.remote_addr or 'unknown'}"

    limits: list[str | Callable[[], str] | ApplicationLimit] = []
    if settings.rate_limit:
        limits.append(
            ApplicationLimit(
                settings.rate_limit,
                scope="requests",
                exempt_when=_exempt,
                error_message=f"too many requests: the limit is {settings.rate_limit}",
            )
        )
    if settings.rate_limit_chars:
        limits.append(
            ApplicationLimit(
                settings.rate_limit_chars,
                scope="characters",
                cost=_char_cost,
                exempt_when=_exempt,
                error_message=(
                    f"too many characters: the limit is {settings.rate_limit_chars} characters"
                ),
            )
        )
    # Registered before the limiter's own hook, so it runs after it (Flask runs them in reverse).
    app.after_request(_retry_after_only_when_refused)
    return Limiter(
        bucket,
        app=app,
        application_limits=limits,
        storage_uri=settings.rate_limit_storage,
        # Refused requests consume nothing, counters are O(1) per bucket (a cost of 50,000
        # characters is one increment), and memory:// and redis:// both implement it.
        strategy="sliding-window-counter",
        headers_enabled=True,
        key_prefix="tarjoman",
        # Fail open, to per-process limits: when the storage (redis) is unreachable, each worker
        # counts in memory and retries the storage with backoff; an outage never fails a request.
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        # An unreachable redis host must cost a request a second at most, not a TCP timeout.
        storage_options=REDIS_TIMEOUTS if settings.rate_limit_storage.startswith("redis") else {},
    )
