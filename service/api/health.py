"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, ConfigDict

from service.api.openapi import documented
from service.api.state import state

blueprint = Blueprint("health", __name__)


class Liveness(BaseModel):
    """The process answers."""

    status: str


class Readiness(BaseModel):
    """Whether the preloaded models are warmed, with reasons per model and task."""

    model_config = ConfigDict(extra="allow")

    ready: bool


@blueprint.get("/livez")
@documented(ok=Liveness, errors=(), tags=("health",))
def livez() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@blueprint.get("/readyz")
@documented(ok=Readiness, errors=(503,), error_model=Readiness, tags=("health",))
def readyz() -> tuple[dict[str, object], int]:
    """200 when every preloaded model is loaded and warmed, else 503 with the reasons."""
    engine = state().engine
    readiness = engine.readiness()
    engine.metrics.ready.set(1 if readiness.ready else 0)  # probes call this every few s
    return readiness.to_json(), 200 if readiness.ready else 503
