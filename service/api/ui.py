"""The web page at /: a form that calls the public /v1 API from the browser."""

from __future__ import annotations

from flask import Blueprint, render_template

from service.api.state import state

blueprint = Blueprint("ui", __name__)


@blueprint.get("/")
def index() -> str:
    """The page; the demo warning is rendered up front so it shows before any request."""
    engine = state().engine
    return render_template("index.html", demo=engine.demo, profile=engine.profile.name)
