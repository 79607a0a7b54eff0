"""Waiting in tests: poll a condition until it holds, and fail (never hang) past a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_TIMEOUT_S = 30.0


def wait_until(
    condition: Callable[[], object], what: str = "", timeout: float = DEFAULT_TIMEOUT_S
) -> None:
    """Return once condition() is true; AssertionError when timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what or 'a condition'}")
        time.sleep(0.01)
