"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint

from service.api.state import state

blueprint = Blueprint("health", __name__)


@blueprint.get("/livez")
def livez() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@blueprint.get("/readyz")
def readyz() -> tuple[dict[str, object], int]:
    """200 when every preloaded model is loaded and warmed, else 503 with the reasons."""
    readiness = state().engine.readiness()
    return readiness, 200 if readiness["ready"] else 503
