"""A full disk under PROMETHEUS_MULTIPROC_DIR (a small tmpfs): the API answers, metrics degrade.

Before service.metricfiles, the first metric written into a hole of its sparse file on a full
disk was a SIGBUS: every worker died on its first request, in a loop.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.polling import wait_for
from tests.reliability.gunicorns import gunicorn, status_of
from tests.reliability.test_faults_worker import metric, translate

pytestmark = pytest.mark.integration


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, or skip when this machine does not let us mount one."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)]
    done = subprocess.run(mount, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; return it."""
    filler = folder / "filler"
    block = b"\0" * 4096
    with filler.open("wb", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                return filler


def test_a_full_metrics_disk_never_fails_an_api_request(
    test_models_dir: Path, small_disk: Path, tmp_path: Path
) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(small_disk), "TARJOMAN_PRELOAD": "tiny-marian-en-fa"}
    with gunicorn(test_models_dir, tmp_path / "server.log", env) as running:
        url = running.url
        filler = fill(small_disk)
        # New routes and statuses add metric entries: each must find room or be dropped.
        assert translate(url, "The disk is full.").status_code == 200
        assert requests.post(url + "/v1/detect", json={"text": "Rain."}, timeout=10).ok
        assert requests.post(url + "/v1/detect", json={}, timeout=10).status_code == 422
        assert (
            requests.post(
                url + "/translate", data={"q": "Hi", "source": "en", "target": "fa"}, timeout=30
            ).status_code
            == 200
        )
        assert status_of(url + "/no-such-page") == 404

        # A new worker cannot even create its metric files; it serves all the same.
        [worker] = running.workers()
        os.kill(worker, signal.SIGKILL)
        wait_for("a new worker", lambda: [p for p in running.workers() if p != worker])
        wait_for("/readyz 200", lambda: status_of(url + "/readyz") == 200)
        assert translate(url, "Still full.").status_code == 200
        assert status_of(url + "/metrics") == 200
        log = running.server.log_text()
        assert "metrics are not being recorded" in log
        assert "SIGBUS" not in log

        # Room again: the new worker's metrics are recorded from then on.
        filler.unlink()
        before = metric(url, "tarjoman_requests_total", route="/v1/detect")
        requests.post(url + "/v1/detect", json={"text": "Room again."}, timeout=10)
        assert metric(url, "tarjoman_requests_total", route="/v1/detect") == before + 1
