"""Soak measurements: each worker's RSS, descriptors and threads from /proc, and their slopes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

Series = dict[int, list[tuple[float, dict[str, float]]]]


def workers_of(master: int) -> list[int]:
    """The pids of the master's children (its workers)."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return sorted(int(pid) for pid in path.read_text().split()) if path.exists() else []


def sample(pid: int) -> dict[str, float] | None:
    """RSS in MiB, open descriptors and threads of one process (None once it is gone)."""
    try:
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        )
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, ValueError):
        return None
    return {
        "rss_mib": int(status["VmRSS"].split()[0]) / 1024,
        "fds": fds,
        "threads": int(status["Threads"]),
    }


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def verdict(
    series: Series, warmup: float, args: argparse.Namespace
) -> tuple[dict[str, object], list[str]]:
    """Per worker: each measure's slope after warm-up and its fitted growth; what broke a limit."""
    report: dict[str, object] = {}
    broken: list[str] = []
    limits = {"rss_mib": None, "fds": args.max_fd_growth, "threads": args.max_thread_growth}
    for pid, samples in series.items():
        after = [(t, s) for t, s in samples if t >= warmup]
        if len(after) < 3:
            broken.append(f"worker {pid}: too few samples after the warm-up")
            continue
        span = after[-1][0] - after[0][0]
        worker: dict[str, object] = {}
        for measure, limit in limits.items():
            points = [(t, s[measure]) for t, s in after]
            per_s = slope(points)
            growth = per_s * span
            start = sum(y for _, y in points[:3]) / 3
            worker[measure] = {
                "start": round(start, 2),
                "end": round(points[-1][1], 2),
                "slope_per_min": round(per_s * 60, 3),
                "fitted_growth": round(growth, 2),
            }
            if measure == "rss_mib":
                percent = 100 * growth / start
                worker[measure]["growth_percent"] = round(percent, 2)  # type: ignore[index]
                # Levelling off (allocator arenas filling) or steady growth: the slope of the
                # second half beside the whole run's tells which.
                late = slope(points[len(points) // 2 :]) * 60
                worker[measure]["slope_per_min_second_half"] = round(late, 3)  # type: ignore[index]
                if percent > args.max_rss_growth:
                    broken.append(f"worker {pid}: RSS grew {percent:.1f}% after the warm-up")
            elif limit is not None and growth > limit:
                broken.append(f"worker {pid}: {measure} grew by {growth:.1f} after the warm-up")
        report[str(pid)] = worker
    return report, broken
