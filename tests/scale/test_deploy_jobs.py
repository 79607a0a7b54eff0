"""deploy/ runs jobs: replicas and workers share the jobs' Redis and volume, KEDA scales workers
on RQ's own queue list, and the proxies take uploads up to TARJOMAN_MAX_UPLOAD_BYTES."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis import Redis
from rq import Queue

from service.jobs.model import JobRecord, JobSpec
from service.jobs.rqueue import QUEUE, RedisQueue
from service.settings import Settings, load_settings
from tests.redisserver import RedisServer
from tests.scale.deployfiles import K8S, build, compose_file, env_file, pod_container

OVERLAYS = sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir())
RQ_LIST = Queue.redis_queue_namespace_prefix + QUEUE  # the list RQ pushes queued jobs onto


def database(url: str) -> int:
    """The database number of a redis:// URL (0 when it names none)."""
    return int(urlsplit(url).path.strip("/") or 0)


def check_redis_urls(settings: Settings) -> None:
    """Rate limits, cache and jobs are all in Redis, each in a database of its own."""
    urls = (settings.rate_limit_storage, settings.cache_url, settings.jobs_url)
    assert all(url.startswith("redis://") for url in urls), urls
    assert len({urlsplit(url).hostname for url in urls}) == 1
    assert len({database(url) for url in urls}) == 3, urls


def test_compose_replicas_and_the_worker_share_the_jobs_queue_volume_and_settings() -> None:
    compose = compose_file()
    services = compose["services"]
    runners = {
        name: s
        for name, s in services.items()
        if s.get("image") == services["tarjoman-1"]["image"]
        and "tools" not in s.get("profiles", [])
    }
    assert set(runners) == {"tarjoman-1", "tarjoman-2", "worker"}
    worker = services["worker"]
    assert worker["command"] == ["tarjoman", "worker"]
    assert "expose" not in worker
    assert "ports" not in worker
    assert worker["healthcheck"] == {"disable": True}  # the image's /livez check cannot pass
    assert float(worker["deploy"]["resources"]["limits"]["cpus"]) >= 1
    settings = load_settings({**env_file("tarjoman.env"), **env_file("secrets.env.example")})
    check_redis_urls(settings)
    assert urlsplit(settings.jobs_url).hostname == "redis"
    for name, service in runners.items():
        assert service["env_file"] == services["tarjoman-1"]["env_file"], name
        assert f"jobs:{settings.jobs_dir}" in service["volumes"], name  # shared, writable
        assert "models:/models:ro" in service["volumes"], name
        assert f"data:{settings.data_dir}" in service["volumes"], name  # one glossary store
        assert service["read_only"] is True
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert {"models", "jobs", "data", "redis"} <= set(compose["volumes"])
    redis = services["redis"]
    assert "--appendonly yes" in redis["command"][-1]  # queued jobs survive a restart
    assert "redis:/data" in redis["volumes"]


def _envs(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container["env"]}


def _claims(objects: list[dict[str, Any]], name: str) -> dict[str, tuple[str, bool]]:
    """A Deployment's mounts: path -> (claim name, mounted read-only)."""
    found = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name)
    pod = found["spec"]["template"]["spec"]
    volumes = {
        v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod["volumes"]
    }
    return {
        m["mountPath"]: (volumes[m["name"]], m.get("readOnly", False))
        for m in pod["containers"][0]["volumeMounts"]
    }


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_k8s_workers_run_jobs_with_the_replicas_settings_and_volume(overlay: Path) -> None:
    objects = build(overlay)
    api = pod_container(objects, "Deployment", "tarjoman")
    worker = pod_container(objects, "Deployment", "tarjoman-worker")
    assert worker["command"] == ["tarjoman", "worker"]
    assert "ports" not in worker
    assert worker["env"] == api["env"]
    assert worker["envFrom"] == api["envFrom"]
    config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]
    env = {k: v.replace("$(REDIS_PASSWORD)", "pw") for k, v in _envs(api).items()}
    settings = load_settings({**config, **env})
    check_redis_urls(settings)
    assert urlsplit(settings.jobs_url).hostname == "tarjoman-redis"
    for name in ("tarjoman", "tarjoman-worker"):
        mounts = _claims(objects, name)
        assert mounts[str(settings.jobs_dir)] == ("tarjoman-jobs", False), name
        assert mounts["/models"] == ("tarjoman-models", True), name
    # The replicas' small state (DeepL glossaries, usage): writable under a read-only root, and
    # one store for every replica.
    assert _claims(objects, "tarjoman")[str(settings.data_dir)] == ("tarjoman-data", False)
    claims = {o["metadata"]["name"]: o for o in objects if o["kind"] == "PersistentVolumeClaim"}
    assert claims["tarjoman-jobs"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claims["tarjoman-data"]["spec"]["accessModes"] == ["ReadWriteMany"]
    limits = worker["resources"]["limits"]
    assert (
        limits["cpu"] == worker["resources"]["requests"]["cpu"] == config["TARJOMAN_TORCH_THREADS"]
    )
    if config.get("TARJOMAN_DEVICE") == "cuda":
        assert limits["nvidia.com/gpu"] == api["resources"]["limits"]["nvidia.com/gpu"] == "1"
    redis = pod_container(objects, "Deployment", "tarjoman-redis")
    assert redis["args"][redis["args"].index("--appendonly") + 1] == "yes"
    assert _claims(objects, "tarjoman-redis")["/data"] == ("tarjoman-redis", False)


def _worker_scaler(overlay: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ScaledObject of the workers, and the worker container it scales."""
    objects = build(overlay)
    scaled = {
        o["spec"]["scaleTargetRef"]["name"]: o for o in objects if o["kind"] == "ScaledObject"
    }
    assert set(scaled) == {"tarjoman", "tarjoman-worker"}
    return scaled["tarjoman-worker"], pod_container(objects, "Deployment", "tarjoman-worker")


@pytest.mark.parametrize("overlay", ["keda", "gpu"])
def test_keda_scales_the_workers_on_the_jobs_queue_list_in_the_jobs_database(overlay: str) -> None:
    scaler, worker = _worker_scaler(K8S / "overlays" / overlay)
    assert scaler["spec"]["minReplicaCount"] >= 1  # a running job is not in the list
    (trigger,) = scaler["spec"]["triggers"]
    meta = trigger["metadata"]
    assert trigger["type"] == "redis"
    assert meta["listName"] == RQ_LIST
    jobs_url = urlsplit(_envs(worker)["TARJOMAN_JOBS_URL"])
    assert meta["address"] == f"{jobs_url.hostname}:{jobs_url.port}"
    assert int(meta["databaseIndex"]) == database(jobs_url.geturl())
    password = next(e for e in worker["env"] if e["name"] == meta["passwordFromEnv"])
    assert password["valueFrom"]["secretKeyRef"]["key"] == "REDIS_PASSWORD"
    assert f"$({meta['passwordFromEnv']})" in jobs_url.netloc


def test_a_queued_job_is_in_the_list_keda_watches_until_a_worker_takes_it(tmp_path: Path) -> None:
    """A real redis-server and the service's own RedisQueue: the list name is RQ's, not a guess."""
    server = RedisServer(tmp_path).start()
    try:
        settings = Settings(jobs_url=server.url.rsplit("/", 1)[0] + "/2")  # type: ignore[call-arg]
        scaler, _ = _worker_scaler(K8S / "overlays" / "keda")
        watched = scaler["spec"]["triggers"][0]["metadata"]["listName"]
        spec = JobSpec("translate", "texts", "texts.json", {"target": "en"})
        RedisQueue(settings).enqueue(JobRecord("abc123", "anonymous", spec, "queued", time.time()))
        client = Redis.from_url(settings.jobs_url)
        assert client.type(watched) == b"list"
        assert client.llen(watched) == 1
        client.close()
    finally:
        server.stop()


def test_the_ingress_takes_job_uploads_and_waits_past_the_services_deadline() -> None:
    objects = build(K8S / "base")
    config = load_settings(next(o for o in objects if o["kind"] == "ConfigMap")["data"])
    ingresses = [o for o in objects if o["kind"] == "Ingress"]
    limits: dict[str, str] = {}
    for ingress in ingresses:
        notes = ingress["metadata"]["annotations"]
        assert (
            float(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"])
            > config.request_timeout_s
        )
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"] == {"name": "tarjoman", "port": {"name": "http"}}
                limits[path["path"]] = notes["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert limits == {"/": str(config.max_body_bytes), "/v1/jobs": str(config.max_upload_bytes)}
    assert config.max_upload_bytes == Settings().max_upload_bytes
