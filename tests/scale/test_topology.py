"""The deployed topology on loopback: Debian's nginx, two gunicorn replicas, a `tarjoman worker`
and a real redis-server, the replicas queueing jobs in it for the worker as in deploy/compose.

The nginx config is deploy/compose/nginx.conf itself, with loopback upstreams. The replicas trust
two proxies (TARJOMAN_TRUSTED_PROXIES=2, as behind an outer load balancer), so each request of a
load can say which client it is and the load never trips the rate limit under test.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from service.settings import PROJECT_ROOT, Settings
from tests.polling import wait_until
from tests.scale.deployfiles import exposed_samples, referenced_metrics

sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
from topology import NGINX, Nginx, Redis, Replica, Worker, get

pytestmark = pytest.mark.timeout(240)
_client_numbers = itertools.count(1)


@dataclass
class Topology:
    nginx: Nginx
    replicas: list[Replica]
    redis: Redis
    worker: Worker

    def total(self, name: str, **labels: str) -> float:
        """A metric summed over the live replicas."""
        return sum(r.metric(name, **labels) for r in self.replicas if r.process.poll() is None)


@pytest.fixture(scope="module")
def topology(test_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not Path(NGINX).is_file():
        pytest.skip(f"{NGINX} is not installed (.ci/run installs Debian's nginx)")
    workdir = tmp_path_factory.mktemp("topology")
    redis = Redis(workdir).start()
    env = {
        "TARJOMAN_PROFILE": "tiny",
        "TARJOMAN_PRELOAD": "tiny-marian-fa-en",  # the one model these requests use
        "TARJOMAN_MODELS_DIR": str(test_models_dir),
        "TARJOMAN_MAX_NEW_TOKENS": "12",
        "TARJOMAN_TORCH_THREADS": "1",
        "TARJOMAN_THREADS": "8",
        "TARJOMAN_MAX_BATCH_SIZE": "4",  # threads must be at least twice the batch size
        "TARJOMAN_RATE_LIMIT": "3/hour",
        "TARJOMAN_RATE_LIMIT_STORAGE": redis.url + "/0",
        "TARJOMAN_CACHE_URL": redis.url + "/1",
        "TARJOMAN_TRUSTED_PROXIES": "2",
        "TARJOMAN_JOBS_URL": redis.url + "/2",
        "TARJOMAN_JOBS_DIR": str(workdir / "jobs"),  # the compose `jobs` volume
    }
    replicas = [Replica(f"replica-{n}", workdir, env).start() for n in (1, 2)]
    worker = Worker("worker", workdir, env).start()
    nginx = None
    try:
        for replica in replicas:
            replica.wait_ready()
        nginx = Nginx([f"127.0.0.1:{r.port}" for r in replicas], workdir).start()
        yield Topology(nginx, replicas, redis, worker)
    except BaseException:
        for process in (*replicas, worker, nginx):
            if process is not None and process.log.exists():
                print(f"--- {process.log.name}\n{process.log_text()[-3000:]}")
        raise
    finally:
        for process in (nginx, worker, *replicas, redis):
            if process is not None:
                process.stop()


def client_address() -> str:
    """A client address no other request of the test uses (its own rate-limit bucket)."""
    n = next(_client_numbers)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def as_if_through_nginx() -> dict[str, str]:
    """Headers of a request sent straight to a replica that still names its own client (the
    replicas trust two proxies: the outer one's entry, then the one nginx appends)."""
    return {"X-Forwarded-For": f"{client_address()}, 127.0.0.1"}


def translate(url: str, text: str, address: str | None = None) -> requests.Response:
    return requests.post(
        url + "/v1/translate",
        json={"text": text, "source": "fa", "target": "en"},
        headers={"X-Forwarded-For": address or client_address()},
        timeout=60,
    )


@dataclass
class Load:
    """Clients sending translations through nginx until told to stop; every answer recorded."""

    url: str
    clients: int = 3
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _run(self, client: int) -> None:
        for n in itertools.count():
            if self._stop.is_set():
                return
            # Half the sentences repeat across clients: hits and misses in one request.
            text = f"باران {n % 4} آمد. خبر {client} شماره {n} رسید."
            try:
                status = translate(self.url, text).status_code
            except requests.RequestException as exc:
                self.errors.append(repr(exc))
                continue
            self.statuses.append(status)

    def __enter__(self) -> Load:
        self._threads = [threading.Thread(target=self._run, args=(c,)) for c in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def wait_done(self, count: int, timeout: float = 60) -> None:
        """Poll until `count` requests have been answered."""
        wait_until(
            lambda: len(self.statuses) + len(self.errors) >= count,
            f"{count} answers",
            timeout,
            interval=0.05,
        )

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)


def test_requests_through_nginx_reach_both_replicas(topology: Topology) -> None:
    before = [r.metric("tarjoman_requests_total", route="/v1/detect") for r in topology.replicas]
    for _ in range(6):
        response = requests.post(
            topology.nginx.url + "/v1/detect",
            json={"text": "Rain in Tehran."},
            headers={"X-Forwarded-For": client_address()},
            timeout=10,
        )
        assert response.status_code == 200
    after = [r.metric("tarjoman_requests_total", route="/v1/detect") for r in topology.replicas]
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    assert sum(after) - sum(before) == 6


def test_a_rate_limit_is_shared_by_the_replicas(topology: Topology) -> None:
    address = "203.0.113.9"
    statuses = []
    for _ in range(8):
        response = requests.post(
            topology.nginx.url + "/v1/detect",
            json={"text": "Rain."},
            headers={"X-Forwarded-For": address},
            timeout=10,
        )
        statuses.append(response.status_code)
    # Round robin sent about half to each: with a limit per replica, up to 6 would pass.
    assert statuses == [200] * 3 + [429] * 5
    refused = [r.metric("tarjoman_requests_total", status="429") for r in topology.replicas]
    assert all(count > 0 for count in refused), refused


def test_a_sentence_translated_by_one_replica_is_a_cache_hit_on_the_other(
    topology: Topology,
) -> None:
    first, second = topology.replicas
    text = "وزیر امروز از طرح تازه‌ای برای شهر خبر داد."
    hits = second.metric("tarjoman_result_cache_hits_total", tier="redis")
    misses = second.metric("tarjoman_result_cache_misses_total")
    computed = translate(first.url, text)
    assert computed.status_code == 200
    cached = translate(second.url, text)
    assert cached.status_code == 200
    assert cached.json()["results"] == computed.json()["results"]
    # Every segment the second replica needed (the sentence, and the parts of any split retry)
    # came from Redis: it computed nothing.
    assert second.metric("tarjoman_result_cache_hits_total", tier="redis") > hits
    assert second.metric("tarjoman_result_cache_misses_total") == misses


def test_a_document_job_through_nginx_is_run_by_the_worker_and_served_by_either_replica(
    topology: Topology,
) -> None:
    """An upload over TARJOMAN_MAX_BODY_BYTES (nginx's /v1/jobs location takes it) is queued in
    Redis by one replica, run by the `tarjoman worker`, and seen and fetched from both replicas:
    the index is in Redis, the files in the shared jobs folder."""
    pad = "x" * 700_000  # carried through untouched: a large file of three short texts
    rows = [{"text": f"خبر شماره {n} امروز رسید.", "pad": pad} for n in range(3)]
    document = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    assert Settings().max_body_bytes < len(document) < Settings().max_upload_bytes
    submitted = requests.post(
        topology.nginx.url + "/v1/jobs",
        files={"file": ("news.jsonl", document)},
        data={"source": "fa", "target": "en"},
        headers={"X-Forwarded-For": client_address()},
        timeout=60,
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()

    def state(url: str, headers: dict[str, str]) -> str:
        reply = requests.get(url + job["url"], headers=headers, timeout=10)
        assert reply.status_code == 200, reply.text
        assert reply.json()["state"] in ("queued", "running", "done"), reply.json()
        return str(reply.json()["state"])

    def via_nginx() -> str:
        return state(topology.nginx.url, {"X-Forwarded-For": client_address()})

    wait_until(lambda: via_nginx() == "done", "the job to finish", timeout=120)
    for replica in topology.replicas:
        assert state(replica.url, as_if_through_nginx()) == "done"
        result = requests.get(
            replica.url + job["result_url"], headers=as_if_through_nginx(), timeout=10
        )
        assert result.status_code == 200, result.text
        records = [json.loads(line) for line in result.text.splitlines()]
        assert [r["pad"] for r in records] == [pad] * 3
        assert all(isinstance(r["translation"], str) and r["translation"] for r in records)
    assert job["id"] in topology.worker.log_text()  # RQ logs each job it takes


def test_every_metric_deploy_files_name_is_in_a_replicas_metrics(topology: Topology) -> None:
    status, text = get(topology.replicas[1].url + "/metrics")
    assert status == 200
    exposed = exposed_samples(text)
    referenced = referenced_metrics()
    assert len(referenced) >= 15  # the dashboard, alerts and autoscalers name this many
    missing = {name: files for name, files in referenced.items() if name not in exposed}
    assert missing == {}


def test_killing_redis_under_load_costs_no_request(topology: Topology) -> None:
    with Load(topology.nginx.url) as load:
        load.wait_done(10)
        topology.redis.kill()
        answered = len(load.statuses)
        load.wait_done(answered + 15)
    assert load.errors == []
    assert set(load.statuses) == {200}
    errors = "tarjoman_result_cache_backend_errors_total"
    wait_until(lambda: topology.total(errors) > 0, errors, interval=0.1)


def test_a_replica_stopped_with_sigterm_under_load_loses_no_request(topology: Topology) -> None:
    stopping = topology.replicas[0]
    with Load(topology.nginx.url) as load:
        load.wait_done(10)
        stopping.terminate()
        stopping.process.wait(timeout=60)
        answered = len(load.statuses)
        load.wait_done(answered + 15)  # now all served by the other replica
    assert load.errors == []
    assert set(load.statuses) == {200}, stopping.log_text()[-2000:]
    assert stopping.process.returncode == 0
