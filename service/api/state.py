"""The application's state in app.extensions, and the one typed accessor to it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from service.engine import Engine
from service.settings import Settings

EXTENSION = "tarjoman"


@dataclass(frozen=True)
class AppState:
    """What views need: the settings and the engine."""

    settings: Settings
    engine: Engine


def state() -> AppState:
    """The current app's state."""
    found: AppState = current_app.extensions[EXTENSION]
    return found
