"""Metric files: blocks allocated before use, and a full disk costs metrics, never a request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# install() swaps prometheus_client's value class for the whole process: run it in a child.
SCRIPT = """
import errno, json, os
from service.metrics import Metrics

metrics = Metrics()
metrics.requests.labels("/v1/detect", "200").inc()
folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
files = sorted(f for f in os.listdir(folder))
holes = [f for f in files if os.stat(os.path.join(folder, f)).st_blocks * 512
         < os.stat(os.path.join(folder, f)).st_size]

def full(*args):
    raise OSError(errno.ENOSPC, "No space left on device")

os.posix_fallocate = full
for i in range(2000):  # far past the first file's 64 KiB: it must grow, and cannot
    metrics.requests.labels(f"/route/{i}", "200").inc()
metrics.cache_bytes.set(5)
body, _ = metrics.render()
print(json.dumps({"files": files, "holes": holes, "gauge": metrics.cache_bytes._value.get(),
                  "rendered": 'route="/v1/detect"' in body.decode()}))
"""


def test_files_are_allocated_and_a_full_disk_only_drops_metrics(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)
    assert any(name.startswith("counter_") for name in seen["files"])
    assert seen["holes"] == []  # truncate() alone would leave the whole file a hole
    assert seen["gauge"] == 5.0  # the value lives on in memory
    assert seen["rendered"]  # what was written before the disk filled is still exposed
    assert "metrics are not being recorded" in done.stderr
