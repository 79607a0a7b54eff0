"""A kept-alive connection survives a body refused as too large (the soak found it did not)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.reliability.gunicorns import gunicorn

pytestmark = pytest.mark.integration


def test_the_next_request_on_the_connection_after_a_413_is_served(
    test_models_dir: Path, tmp_path: Path
) -> None:
    env = {"TARJOMAN_PRELOAD": "", "TARJOMAN_MAX_BODY_BYTES": "100000"}
    with (
        gunicorn(test_models_dir, tmp_path / "server.log", env) as running,
        requests.Session() as s,
    ):
        url = running.url + "/v1/detect"
        refused = s.post(url, json={"text": "x" * 200_000}, timeout=10)
        assert refused.status_code == 413
        assert refused.headers["Connection"] == "close"
        assert s.post(url, json={"text": "Rain."}, timeout=10).status_code == 200
        small = s.post(url, json={"text": "y" * 50_000}, timeout=10)  # under the limit
        assert small.status_code == 200
        assert small.headers["Connection"] == "keep-alive"
        assert s.post(url, json={"text": "Rain."}, timeout=10).status_code == 200
