"""deploy/ checked offline: Kubernetes schemas, probes and limits, nginx and compose settings,
dashboard and alert files, and no secret anywhere (metric names are checked in test_topology)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from service.settings import Settings
from tests.scale.deployfiles import (
    DEPLOY,
    K8S,
    build,
    compose_file,
    documents,
    env_file,
    is_resource,
    nginx_blocks,
    nginx_directive,
    pod_container,
)

K8S_VERSION = kubernetes_validate.latest_version()
OVERLAYS = sorted(p for p in (K8S / "overlays").iterdir() if p.is_dir())
# KEDA's CRD is not among Kubernetes' schemas. This is our own schema of the ScaledObject
# fields we use, written from KEDA's CRD (keda.sh/v1alpha1): required fields, types, and no
# unknown keys in spec, so a typo fails here; it does not vouch for the whole CRD.
# The metadata each trigger type used here requires, from KEDA's scaler docs.
TRIGGER_METADATA = {
    "prometheus": {"serverAddress", "query", "threshold"},
    "redis": {"address", "listName", "listLength"},
}
SCALED_OBJECT: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {k: {"type": "string"} for k in ("name", "kind", "apiVersion")},
                },
                **{
                    k: {"type": "integer", "minimum": 0}
                    for k in ("minReplicaCount", "maxReplicaCount", "pollingInterval")
                },
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "advanced": {"type": "object"},
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "name": {"type": "string"},
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "metadata": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def validate(doc: dict[str, Any]) -> None:
    if doc["apiVersion"].startswith("keda.sh/"):
        jsonschema.validate(doc, SCALED_OBJECT)
        for trigger in doc["spec"]["triggers"]:
            assert TRIGGER_METADATA[trigger["type"]] <= set(trigger["metadata"]), trigger
        return
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_each_overlay_builds_into_objects_valid_for_kubernetes(overlay: Path) -> None:
    objects = build(overlay)
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "Service", "PodDisruptionBudget", "Job", "PersistentVolumeClaim"} <= kinds
    for doc in objects:
        validate(doc)


def test_every_resource_file_is_valid_on_its_own() -> None:
    for path in K8S.rglob("*.yaml"):
        for doc in documents(path):
            if is_resource(doc) and "gpu" not in path.parent.name:  # gpu/: partial patches
                validate(doc)


def test_a_typo_in_a_manifest_fails_validation() -> None:
    deployment = next(o for o in build(K8S / "base") if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)
    scaled = documents(K8S / "overlays" / "keda" / "scaledobject.yaml")[0]
    scaled["spec"]["minReplicas"] = 2
    with pytest.raises(jsonschema.ValidationError):
        validate(scaled)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_kubectl_kustomize_builds_the_same_objects(overlay: Path) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, check=True
    ).stdout
    built = [doc for doc in yaml.safe_load_all(out) if doc]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in built) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in build(overlay)
    )
    for doc in built:
        validate(doc)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_the_deployment_probes_limits_threads_and_volumes(overlay: Path) -> None:
    objects = build(overlay)
    main = pod_container(objects, "Deployment", "tarjoman")
    pod_container(objects, "Deployment", "tarjoman-redis")
    pod_container(objects, "Job", "tarjoman-models")
    assert main["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz"
    startup = main["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300  # real models load
    config = next(o for o in objects if o["kind"] == "ConfigMap")["data"]
    cpu = main["resources"]["limits"]["cpu"]
    assert cpu == main["resources"]["requests"]["cpu"] == config["TARJOMAN_TORCH_THREADS"]
    assert int(config["TARJOMAN_THREADS"]) >= 2 * int(config.get("TARJOMAN_MAX_BATCH_SIZE", 32))
    mounts = {m["mountPath"]: m for m in main["volumeMounts"]}
    assert mounts["/models"]["readOnly"] is True
    assert "/tmp" in mounts
    assert config["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    job = next(o for o in objects if o["kind"] == "Job")["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == ["tarjoman", "models", "download"]
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in job["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"tarjoman-models"}
    names = set(Settings.model_fields)
    for key in config:  # every TARJOMAN_* key is a real setting
        assert not key.startswith("TARJOMAN_") or key[9:].lower() in names, key


def test_the_gpu_overlay_asks_for_a_gpu_and_runs_on_cuda() -> None:
    objects = build(K8S / "overlays" / "gpu")
    main = pod_container(objects, "Deployment", "tarjoman")
    assert main["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert next(o for o in objects if o["kind"] == "ConfigMap")["data"]["TARJOMAN_DEVICE"] == "cuda"
    assert any(o["kind"] == "ScaledObject" for o in objects)


def test_nginx_matches_the_service_settings() -> None:
    defaults = Settings()
    env = env_file("tarjoman.env")
    assert nginx_directive("client_max_body_size") == [str(defaults.max_body_bytes)]
    assert env["TARJOMAN_MAX_BODY_BYTES"] == str(defaults.max_body_bytes)
    # Job uploads: their own limit, on the /v1/jobs location only.
    jobs_limit = nginx_directive("client_max_body_size", "/v1/jobs")
    assert jobs_limit == [str(defaults.max_upload_bytes)] == [env["TARJOMAN_MAX_UPLOAD_BYTES"]]
    assert nginx_directive("client_max_body_size", "/") == []
    blocks = nginx_blocks()
    assert set(blocks) == {"server", "/", "/v1/jobs"}
    for path in ("/", "/v1/jobs"):
        assert nginx_directive("proxy_pass", path) == ["http://tarjoman"]
        # One proxy_set_header in a location would drop every one the server level sets.
        assert nginx_directive("proxy_set_header", path) == [], path
        assert nginx_directive("proxy_read_timeout", path) == [], path
    read_timeout = nginx_directive("proxy_read_timeout")[0].rstrip("s")
    assert int(read_timeout) > float(env["TARJOMAN_REQUEST_TIMEOUT_S"])
    # Only connection failures go to the next replica: no timeouts, no resent POSTs.
    assert nginx_directive("proxy_next_upstream") == ["error"]
    assert nginx_directive("proxy_set_header X-Forwarded-For") == ["$proxy_add_x_forwarded_for"]
    assert env["TARJOMAN_TRUSTED_PROXIES"] == "1"


def test_compose_runs_two_replicas_nginx_and_redis_with_healthchecks() -> None:
    compose = compose_file()
    services = compose["services"]
    replicas = [name for name in services if name.startswith("tarjoman-")]
    assert len(replicas) >= 2
    upstreams = re.findall(
        r"(?m)^\s*server\s+(\S+:\d+)", (DEPLOY / "compose" / "nginx.conf").read_text()
    )
    assert sorted(upstreams) == sorted(f"{r}:8000" for r in replicas)
    for name in (*replicas, "nginx", "redis"):
        assert "healthcheck" in services[name], name
    for name in replicas:
        assert "models:/models:ro" in services[name]["volumes"]
        assert services[name]["read_only"] is True
    assert "models" in compose["volumes"]


SECRET_KEYS = re.compile(r"(PASSWORD|TOKEN|API_KEYS|SECRET)", re.IGNORECASE)


def test_no_secret_is_in_any_manifest_env_file_or_the_image() -> None:
    for path in K8S.rglob("*.yaml"):
        for doc in documents(path):
            for env in _envs(doc):
                if SECRET_KEYS.search(env["name"]):
                    assert "value" not in env, f"{path}: {env['name']} has a literal value"
            assert not (is_resource(doc) and doc["kind"] == "Secret"), path
    settings_env = env_file("tarjoman.env")
    assert not [key for key in settings_env if SECRET_KEYS.search(key)]
    example = env_file("secrets.env.example")
    assert all(not v or "replace-with" in v for v in example.values())
    assert not (DEPLOY / "compose" / "secrets.env").exists() or _ignored(
        "deploy/compose/secrets.env"
    )
    dockerfile = (DEPLOY.parent / "Dockerfile").read_text()
    assert not re.search(r"(?m)^COPY\s+(\S+\s+)*deploy", dockerfile)
    # The hub token is a build secret mount, never an ARG or ENV baked into a layer.
    assert not re.search(r"(?m)^(ENV|ARG)\b.*(TOKEN|PASSWORD|API_KEYS)", dockerfile)


def _ignored(path: str) -> bool:
    return subprocess.run(["git", "check-ignore", "-q", path], cwd=DEPLOY.parent).returncode == 0


def _envs(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [e for e in node.get("env", []) if isinstance(e, dict) and "name" in e]
        return found + [e for value in node.values() for e in _envs(value)]
    if isinstance(node, list):
        return [e for item in node for e in _envs(item)]
    return []


def test_the_dashboard_and_alerts_are_well_formed() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "tarjoman.json").read_text())
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    titles = " ".join(p["title"].lower() for p in panels)
    for topic in (
        "status",
        "latency",
        "queue depth",
        "queue wait",
        "batch size",
        "tokens",
        "hit ratio",
        "model loads",
        "memory",
    ):
        assert topic in titles, topic
    for panel in panels:
        assert panel["targets"]
        assert all(t["expr"].count("(") == t["expr"].count(")") for t in panel["targets"])
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())["groups"][0]
    alerts = {rule["alert"]: rule for rule in rules["rules"]}
    assert set(alerts) == {
        "TarjomanHighErrorRatio",
        "TarjomanSlowTranslations",
        "TarjomanQueueNearCap",
        "TarjomanNotReady",
        "TarjomanCacheBackendDown",
    }
    for rule in alerts.values():
        assert rule["expr"].count("(") == rule["expr"].count(")")
        assert rule["for"]
        assert rule["labels"]["severity"]
        assert rule["annotations"]["summary"]
    assert f"{Settings().max_queue}" in alerts["TarjomanQueueNearCap"]["expr"]
