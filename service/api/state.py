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

    def translation_pairs(self) -> list[tuple[str, str]]:
        """The (source, target) pairs the profile translates between, sorted."""
        return sorted(
            {
                (task.source, task.target)
                for spec in self.engine.profile.models
                for task in spec.tasks
                if task.kind == "translate"
            }
        )


def state() -> AppState:
    """The current app's state."""
    found: AppState = current_app.extensions[EXTENSION]
    return found
