"""The CPUs this process may really use: affinity and the cgroup quota, not os.cpu_count()."""

# OpenMP threads beyond the CPUs really free spin and run several times slower; a container
# limited to 2 CPUs on a 64-core host still sees 64 in os.cpu_count().

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


def _affinity() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _own_paths(proc_cgroup: Path) -> dict[str, str]:
    """Controller (`""` for cgroup v2) → this process's cgroup path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    for line in (_read(proc_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(","):
            paths[controller] = parts[2]
    return paths


def _folders(base: Path, own: str) -> list[Path]:
    """The cgroup folder of this process and each above it up to `base` (quotas nest)."""
    folder = base / own.lstrip("/")
    found = [folder]
    while folder != base and base in folder.parents:
        folder = folder.parent
        found.append(folder)
    return found


def _v2_quota(root: Path, own: str) -> float | None:
    quotas = []
    for folder in _folders(root, own):
        text = _read(folder / "cpu.max")
        if text:
            quota, _, period = text.partition(" ")
            if quota != "max" and period:
                quotas.append(int(quota) / int(period))
    return min(quotas) if quotas else None


def _v1_quota(root: Path, own: str) -> float | None:
    quotas = []
    for name in ("cpu,cpuacct", "cpu"):
        for folder in _folders(root / name, own):
            quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
            if quota and period and int(quota) > 0 and int(period) > 0:
                quotas.append(int(quota) / int(period))
        if quotas:
            break
    return min(quotas) if quotas else None


def cgroup_quota(root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP) -> float | None:
    """CPUs the cgroup quota allows (e.g. 1.5), or None when there is no quota."""
    paths = _own_paths(proc_cgroup)
    if "" in paths:
        return _v2_quota(root, paths[""])
    if "cpu" in paths:
        return _v1_quota(root, paths["cpu"])
    return None


def available_cpus(
    affinity: Callable[[], int] = _affinity,
    root: Path = CGROUP_ROOT,
    proc_cgroup: Path = PROC_CGROUP,
) -> float:
    """CPUs this process may use: its affinity set, capped by its cgroup's quota."""
    cpus = float(affinity())
    quota = cgroup_quota(root, proc_cgroup)
    return min(cpus, quota) if quota is not None else cpus


def compute_threads(
    workers: int,
    affinity: Callable[[], int] = _affinity,
    root: Path = CGROUP_ROOT,
    proc_cgroup: Path = PROC_CGROUP,
) -> int:
    """Compute threads for one of `workers` processes sharing the CPUs (at least 1)."""
    return max(1, math.floor(available_cpus(affinity, root, proc_cgroup) / max(1, workers)))
