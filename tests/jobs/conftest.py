"""Fixtures for jobs: an app over the fake engine with its own jobs folder, and polling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.app import create_app
from service.engine import Engine
from service.models.registry import load_profile
from service.settings import Settings
from tests import polling
from tests.fakes import FakeBackend


@pytest.fixture
def jobs_app(
    make_settings: Callable[..., Settings], fake_backend: FakeBackend, test_models_dir: Any
) -> Callable[..., Flask]:
    """Build an app over the fake engine with settings overrides (a jobs folder per test)."""

    def build(**overrides: Any) -> Flask:
        settings = make_settings(**{"job_lease_s": 2, "log_level": "WARNING", **overrides})
        engine = Engine(settings, load_profile(settings.models_file, "tiny"), fake_backend)
        return create_app(settings, engine=engine)

    return build


def wait_for(
    client: FlaskClient,
    job_id: str,
    states: tuple[str, ...] = ("done", "failed"),
    timeout: float = 60,
    **kw: Any,
) -> dict[str, Any]:
    """Poll a job until it reaches one of `states` (with a deadline)."""

    def reached() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", **kw).get_json()
        return body if body.get("state") in states else None

    return polling.wait_for(f"job {job_id} to reach {states}", reached, timeout, interval=0.05)
