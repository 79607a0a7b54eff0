"""Waiting in tests: poll a condition until it holds, and fail (never hang) past a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

DEFAULT_TIMEOUT_S = 30.0
T = TypeVar("T")


def wait_until(
    condition: Callable[[], object],
    what: str = "",
    timeout: float = DEFAULT_TIMEOUT_S,
    interval: float = 0.01,
) -> None:
    """Return once condition() is true; AssertionError when timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what or 'a condition'}")
        time.sleep(interval)


def wait_for(
    what: str, probe: Callable[[], T | None], timeout: float = 60, interval: float = 0.01
) -> T:
    """Poll `probe` until it returns something true, and return that."""
    seen: list[T | None] = [None]

    def holds() -> bool:
        seen[0] = probe()
        return bool(seen[0])

    wait_until(holds, what, timeout, interval)
    assert seen[0] is not None
    return seen[0]
