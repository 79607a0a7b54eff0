"""/metrics in multiprocess mode over two real gunicorn workers: both workers' counts, summed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from tests.polling import wait_for
from tests.reliability.gunicorns import gunicorn
from tests.reliability.test_faults_worker import metric

pytestmark = pytest.mark.integration

ROUTE = "/v1/detect"


def own_count(folder: Path, pid: int) -> float:
    """What one worker's own counter file says it answered on ROUTE with 200."""
    mine = folder / f"counter_{pid}.db"
    if not mine.exists():
        return 0.0  # this worker has counted nothing yet
    alone = folder.parent / f"alone-{pid}"
    alone.mkdir(exist_ok=True)
    (alone / mine.name).write_bytes(mine.read_bytes())
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(alone))  # type: ignore[no-untyped-call]
    value = registry.get_sample_value("tarjoman_requests_total", {"route": ROUTE, "status": "200"})
    return value or 0.0


def test_metrics_sum_the_counts_of_both_workers(test_models_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"TARJOMAN_PRELOAD": "", "TARJOMAN_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with gunicorn(test_models_dir, tmp_path / "server.log", env) as running:
        url = running.url

        def two() -> list[int] | None:
            found = running.workers()
            return found if len(found) == 2 else None

        workers = wait_for("two workers", two)
        sent = 0

        def burst() -> bool:
            # Concurrent requests on new connections: the kernel hands them to both workers.
            nonlocal sent
            with ThreadPoolExecutor(8) as pool:
                replies = list(
                    pool.map(
                        lambda i: requests.post(
                            url + ROUTE, json={"text": f"Rain {i}."}, timeout=10
                        ),
                        range(16),
                    )
                )
            assert all(r.status_code == 200 for r in replies)
            sent += len(replies)
            return all(own_count(folder, pid) > 0 for pid in workers)

        wait_for("requests answered by both workers", burst, timeout=60)
        counts = [own_count(folder, pid) for pid in workers]
        assert sum(counts) == sent
        assert metric(url, "tarjoman_requests_total", route=ROUTE, status="200") == sent
