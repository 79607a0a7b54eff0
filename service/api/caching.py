"""Cache-Control on a request: `no-cache` recomputes its segments, `no-store` caches nothing."""

from __future__ import annotations

from flask import Flask, request

from service import resultcache


def _policy() -> str:
    header = request.headers.get("Cache-Control", "") + "," + request.headers.get("Pragma", "")
    directives = {part.split("=", 1)[0].strip().lower() for part in header.split(",")}
    if "no-store" in directives:
        return "no-store"
    return "no-cache" if "no-cache" in directives else "use"


def _before() -> None:
    resultcache.policy.set(_policy())


def _teardown(error: BaseException | None) -> None:
    resultcache.policy.set("use")  # gthread reuses threads for other requests


def install(app: Flask) -> None:
    """Read each request's Cache-Control into the result cache's per-request policy."""
    app.before_request(_before)
    app.teardown_request(_teardown)
