"""Reading deploy/: Kubernetes documents, kustomizations with their patches, the compose files,
nginx's blocks and metric names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from service.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "compose"
METRIC = re.compile(r"\btarjoman_[a-z0-9_]+\b")
# Files under deploy/ that name metrics: dashboards, alerts, autoscalers, adapter rules.
METRIC_FILES = ("grafana/*.json", "prometheus/*.yaml", "k8s/**/*.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of a file (empty ones dropped)."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def is_resource(doc: dict[str, Any]) -> bool:
    """A Kubernetes object, not a kustomization or a Helm values file."""
    return "apiVersion" in doc and "kind" in doc and doc["kind"] != "Kustomization"


def merge(base: Any, patch: Any) -> Any:
    """A strategic merge patch as kustomize applies these: maps merge, lists of named items
    merge by name, anything else is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    named = isinstance(base, list) and isinstance(patch, list)
    if named and all(isinstance(i, dict) and "name" in i for i in [*base, *patch]):
        merged_list = list(base)
        for item in patch:
            index = next((i for i, old in enumerate(base) if old["name"] == item["name"]), None)
            if index is None:
                merged_list.append(item)
            else:
                merged_list[index] = merge(base[index], item)
        return merged_list
    return patch


def build(folder: Path) -> list[dict[str, Any]]:
    """A kustomization's objects: its resources (recursively) with its patches applied (the
    subset of kustomize these files use; `kubectl kustomize` is compared where installed)."""
    kustomization = documents(folder / "kustomization.yaml")[0]
    objects: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        objects += build(path) if path.is_dir() else documents(path)
    for patch_entry in kustomization.get("patches", []):
        for patch in documents(folder / patch_entry["path"]):
            target = (patch["kind"], patch["metadata"]["name"])
            matches = [
                i for i, o in enumerate(objects) if (o["kind"], o["metadata"]["name"]) == target
            ]
            assert len(matches) == 1, f"{patch_entry['path']} patches no single {target}"
            objects[matches[0]] = merge(objects[matches[0]], patch)
    return objects


def referenced_metrics() -> dict[str, set[str]]:
    """Each tarjoman_* name a deploy file mentions, with the files that mention it."""
    found: dict[str, set[str]] = {}
    for pattern in METRIC_FILES:
        for path in DEPLOY.glob(pattern):
            for name in METRIC.findall(path.read_text()):
                found.setdefault(name, set()).add(str(path.relative_to(DEPLOY)))
    return found


def exposed_samples(text: str) -> set[str]:
    """The sample names of a Prometheus exposition."""
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1].isalpha()}


def compose_file() -> dict[str, Any]:
    """deploy/compose/compose.yaml, anchors and merge keys resolved."""
    loaded: dict[str, Any] = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    return loaded


def env_file(name: str) -> dict[str, str]:
    """The variables of an env file of deploy/compose."""
    lines = (COMPOSE / name).read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return dict(pairs)


def nginx_blocks() -> dict[str, str]:
    """nginx.conf's server-level text (key "server", before the first location) and each
    location's body by its path."""
    text = (COMPOSE / "nginx.conf").read_text()
    server = text[text.index("server {") :]
    blocks = {"server": re.split(r"(?m)^\s*location\s", server, maxsplit=1)[0]}
    for path, body in re.findall(r"(?m)^\s*location\s+(\S+)\s*\{([^}]*)\}", server):
        blocks[path] = body
    return blocks


def nginx_directive(name: str, block: str = "server") -> list[str]:
    """The values of a directive in one block of nginx.conf (see nginx_blocks)."""
    return re.findall(rf"(?m)^\s*{name}\s+([^;]+);", nginx_blocks()[block])


def pod_container(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The first container of a workload, after checking it runs locked down."""
    found = next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)
    spec = found["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    first: dict[str, Any] = spec["containers"][0]
    assert first["securityContext"]["readOnlyRootFilesystem"] is True
    assert first["securityContext"]["allowPrivilegeEscalation"] is False
    return first
