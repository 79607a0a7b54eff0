"""Tarjoman: Persian↔English translation and summarization over HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]

if TYPE_CHECKING:
    from flask import Flask

    from service.engine import Engine
    from service.settings import Settings


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    """Build the app (imported lazily so `import service` does no work)."""
    from service.app import create_app as build

    return build(settings, engine=engine)
