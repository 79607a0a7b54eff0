"""A registered runtime whose library is not installed (for tests of the runtime registry)."""

from __future__ import annotations

QUANTIZATIONS = ("none", "int8")


def make_backend(device: str, dtype: str, threads: int) -> object:
    """What a runtime module does when its library is absent: the import fails."""
    raise ImportError("No module named 'ctranslate2'")
