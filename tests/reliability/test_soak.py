"""scripts/soak: its verdict catches growth and errors; a short run on real gunicorn holds."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from service.settings import PROJECT_ROOT

SCRIPTS = PROJECT_ROOT / "scripts"


def script(name: str) -> ModuleType:
    """scripts/<name>.py, imported by path (scripts/ is not a package)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


def limits() -> argparse.Namespace:
    return argparse.Namespace(max_rss_growth=5.0, max_fd_growth=4.0, max_thread_growth=1.0)


def test_the_verdict_fails_a_worker_that_grows_and_passes_a_flat_one() -> None:
    soak = script("soak_measure")
    flat = [(t, {"rss_mib": 400.0 + (t % 3) * 0.1, "fds": 20, "threads": 17}) for t in range(60)]
    leaky = [
        (t, {"rss_mib": 400.0 + t, "fds": 20 + t // 2, "threads": 17 + t // 10}) for t in range(60)
    ]
    report, broken = soak.verdict({1: flat}, 10, limits())
    assert broken == []
    assert report["1"]["rss_mib"]["growth_percent"] < 1
    report, broken = soak.verdict({2: leaky}, 10, limits())
    assert [b.split(":")[1].split()[0] for b in broken] == ["RSS", "fds", "threads"]
    assert report["2"]["rss_mib"]["slope_per_min_second_half"] == pytest.approx(60)


def test_the_verdict_tells_growth_that_levels_off_from_growth_that_goes_on() -> None:
    soak = script("soak_measure")
    settling = [(t, {"rss_mib": 400.0 + min(t, 30), "fds": 20, "threads": 17}) for t in range(60)]
    rss = soak.verdict({1: settling}, 0, limits())[0]["1"]["rss_mib"]
    assert rss["slope_per_min"] > 20
    assert rss["slope_per_min_second_half"] == pytest.approx(0)


@pytest.mark.slow
@pytest.mark.integration
def test_a_short_soak_on_real_gunicorn_holds(test_models_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    # Shorter than the documented 30 minutes, so CI can afford it; a looser RSS limit because
    # the first minute still includes the allocator settling.
    command = [
        str(PROJECT_ROOT / "scripts" / "soak"),
        "--minutes",
        "0.75",
        "--warmup",
        "15",
        "--max-rss-growth",
        "10",
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ok"]
    assert report["server_errors"] == 0
    kinds = {key.rsplit(" ", 1)[0] for key in report["statuses"]}
    assert len(kinds) == len(script("soak").MIX)  # every kind of request was sent
    assert report["workers"]
