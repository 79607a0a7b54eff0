"""Compute threads from affinity and the cgroup v1/v2 CPU quota, on fake cgroup files."""

from __future__ import annotations

from pathlib import Path

from service.models.cpus import available_cpus, cgroup_quota, compute_threads


def v2(tmp_path: Path, own: str, limits: dict[str, str]) -> tuple[Path, Path]:
    """A cgroup v2 tree: `limits` maps a folder under the root to its cpu.max."""
    root = tmp_path / "cgroup"
    for folder, value in limits.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "cpu.max").write_text(value + "\n")
    (root / own.lstrip("/")).mkdir(parents=True, exist_ok=True)
    proc = tmp_path / "proc-cgroup"
    proc.write_text(f"0::{own}\n")
    return root, proc


def test_a_v2_quota_caps_the_affinity_set(tmp_path: Path) -> None:
    root, proc = v2(tmp_path, "/kubepods/pod1", {"kubepods/pod1": "150000 100000"})
    assert cgroup_quota(root, proc) == 1.5
    assert available_cpus(lambda: 64, root, proc) == 1.5
    assert compute_threads(1, lambda: 64, root, proc) == 1


def test_the_tightest_quota_on_the_path_wins(tmp_path: Path) -> None:
    limits = {"a": "200000 100000", "a/b": "max 100000", "a/b/c": "800000 100000"}
    root, proc = v2(tmp_path, "/a/b/c", limits)
    assert cgroup_quota(root, proc) == 2.0


def test_no_quota_leaves_the_affinity_set(tmp_path: Path) -> None:
    root, proc = v2(tmp_path, "/", {"": "max 100000"})
    assert cgroup_quota(root, proc) is None
    assert available_cpus(lambda: 6, root, proc) == 6
    assert compute_threads(1, lambda: 6, root, proc) == 6


def test_threads_are_shared_among_workers_and_never_zero(tmp_path: Path) -> None:
    root, proc = v2(tmp_path, "/", {"": "400000 100000"})
    assert compute_threads(1, lambda: 16, root, proc) == 4
    assert compute_threads(2, lambda: 16, root, proc) == 2
    assert compute_threads(3, lambda: 16, root, proc) == 1
    assert compute_threads(8, lambda: 16, root, proc) == 1
    assert compute_threads(2, lambda: 3, tmp_path / "none", tmp_path / "none") == 1


def test_a_v1_cfs_quota(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    folder = root / "cpu,cpuacct" / "docker" / "abc"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("250000\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc-cgroup"
    proc.write_text("12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n")
    assert cgroup_quota(root, proc) == 2.5
    assert compute_threads(1, lambda: 8, root, proc) == 2


def test_a_v1_quota_of_minus_one_is_no_limit(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    folder = root / "cpu"
    folder.mkdir(parents=True)
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    proc = tmp_path / "proc-cgroup"
    proc.write_text("3:cpu:/\n")
    assert cgroup_quota(root, proc) is None


def test_missing_or_unreadable_files_mean_no_quota(tmp_path: Path) -> None:
    assert cgroup_quota(tmp_path / "absent", tmp_path / "absent") is None
    proc = tmp_path / "proc-cgroup"
    proc.write_text("garbage\n0::/not/there\n")
    assert cgroup_quota(tmp_path / "cgroup", proc) is None


def test_this_machine_gives_at_least_one_thread() -> None:
    assert compute_threads(1) >= 1
