#!/usr/bin/env python3
"""Soak: mixed traffic against a real gunicorn (tiny profile); each worker's RSS, fds, threads.

Starts gunicorn with the tiny profile on a free loopback port, drives it with CLIENTS threads
of mixed requests (translate both ways, summarize, detect, the compatible routes, and bad
requests that must be 4xx), samples every worker's resident memory, open descriptors and
threads from /proc, and fits a line to the samples after the warm-up. Exits 1 on any 5xx or
dropped connection, a worker that died, or growth past the thresholds; 0 otherwise.

    scripts/soak --minutes 30 --out soak.json        # the documented run
    scripts/soak --minutes 1 --warmup 20             # what CI runs
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
EN_WORDS = ["the", "council", "report", "city", "water", "rain", "market", "talks", "minister", "week", "said", "new", "plan"]
# Everyday Persian words, written here (no text is taken from the shared data).
FA_WORDS = ["امروز", "دولت", "گزارش", "شهر", "مردم", "جلسه", "درباره", "اقتصاد", "آب", "باران", "بازار", "وزیر"]

Call = Callable[[requests.Session, str, random.Random], requests.Response]


def sentence(words: list[str], rng: random.Random, size: int = 8) -> str:
    """A varied sentence, so the sentence cache does not answer everything."""
    return " ".join(rng.choice(words) for _ in range(size)) + f" {rng.randrange(10**6)}."


def article(words: list[str], rng: random.Random) -> str:
    """A few paragraphs of sentences."""
    return "\n\n".join(" ".join(sentence(words, rng) for _ in range(3)) for _ in range(3))


def _post(s: requests.Session, url: str, **kwargs: object) -> requests.Response:
    return s.post(url, timeout=60, **kwargs)  # type: ignore[arg-type]


# (name, expected status class, call): a mix in rough proportion to real use.
MIX: list[tuple[str, int, Call]] = [
    (
        "translate fa-en",
        2,
        lambda s, u, r: _post(
            s,
            u + "/v1/translate",
            json={"text": article(FA_WORDS, r), "source": "fa", "target": "en"},
        ),
    ),
    (
        "translate en-fa",
        2,
        lambda s, u, r: _post(
            s,
            u + "/v1/translate",
            json={"text": [sentence(EN_WORDS, r) for _ in range(4)], "target": "fa"},
        ),
    ),
    (
        "summarize fa",
        2,
        lambda s, u, r: _post(
            s, u + "/v1/summarize", json={"text": article(FA_WORDS, r), "target": "en"}
        ),
    ),
    (
        "summarize en",
        2,
        lambda s, u, r: _post(
            s, u + "/v1/summarize", json={"text": article(EN_WORDS, r), "mode": "extractive"}
        ),
    ),
    ("detect", 2, lambda s, u, r: _post(s, u + "/v1/detect", json={"text": sentence(FA_WORDS, r)})),
    (
        "compat translate",
        2,
        lambda s, u, r: _post(
            s, u + "/translate", data={"q": sentence(EN_WORDS, r), "source": "en", "target": "fa"}
        ),
    ),
    (
        "compat detect",
        2,
        lambda s, u, r: _post(s, u + "/detect", data={"q": sentence(FA_WORDS, r)}),
    ),
    (
        "malformed json",
        4,
        lambda s, u, r: _post(
            s, u + "/v1/translate", data=b'{"text": ', headers={"Content-Type": "application/json"}
        ),
    ),
    ("invalid request", 4, lambda s, u, r: _post(s, u + "/v1/translate", json={"text": 7})),
    ("unknown route", 4, lambda s, u, r: s.get(u + f"/no-such-{r.randrange(99)}", timeout=60)),
    ("too large", 4, lambda s, u, r: _post(s, u + "/v1/detect", json={"text": "x" * 2_100_000})),
]


@dataclass
class Traffic:
    """What the clients saw, shared between their threads."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, expected: int, status: int | None, error: str = "") -> None:
        """Count one reply; a 5xx, a wrong status class or a dropped connection is a failure."""
        with self.lock:
            self.statuses[(name, status or 0)] += 1
            if status is None or status // 100 != expected:
                if len(self.failures) < 20:
                    self.failures.append(f"{name}: {status or error}")


def drive(url: str, stop: threading.Event, traffic: Traffic, seed: int) -> None:
    """One client: requests from the mix until told to stop."""
    rng = random.Random(seed)
    with requests.Session() as session:
        while not stop.is_set():
            name, expected, call = rng.choice(MIX)
            try:
                traffic.record(name, expected, call(session, url, rng).status_code)
            except requests.RequestException as exc:
                traffic.record(name, expected, None, type(exc).__name__)


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
    series: dict[int, list[tuple[float, dict[str, float]]]], warmup: float, args: argparse.Namespace
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
                if percent > args.max_rss_growth:
                    broken.append(f"worker {pid}: RSS grew {percent:.1f}% after the warm-up")
            elif limit is not None and growth > limit:
                broken.append(f"worker {pid}: {measure} grew by {growth:.1f} after the warm-up")
        report[str(pid)] = worker
    return report, broken


def start_server(args: argparse.Namespace, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with the tiny profile on a free port, once /readyz answers 200."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TARJOMAN_")}
    models = os.environ.get("TARJOMAN_TEST_MODELS", str(ROOT / ".cache" / "test-models"))
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        TARJOMAN_PROFILE="tiny",
        TARJOMAN_MODELS_DIR=models,
        TARJOMAN_MAX_NEW_TOKENS="16",
        TARJOMAN_TORCH_THREADS="1",
        TARJOMAN_WORKERS=str(args.workers),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"soak: gunicorn was not ready; its log:\n{log.read_text()[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print the report; 0 when it held, 1 when it did not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="seconds before measuring (default: a fifth of the run, 20 s at least)",
    )
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("--max-rss-growth", type=float, default=5.0, help="percent")
    parser.add_argument("--max-fd-growth", type=float, default=4.0)
    parser.add_argument("--max-thread-growth", type=float, default=1.0)
    parser.add_argument("--out", type=Path, help="write the report as JSON here too")
    args = parser.parse_args(argv)
    duration = args.minutes * 60
    warmup = args.warmup if args.warmup is not None else max(20.0, duration / 5)

    with tempfile.TemporaryDirectory(prefix="tarjoman-soak-") as scratch:
        process, url = start_server(args, Path(scratch) / "server.log")
        first = workers_of(process.pid)
        traffic, stop = Traffic(), threading.Event()
        clients = [
            threading.Thread(target=drive, args=(url, stop, traffic, seed), daemon=True)
            for seed in range(args.clients)
        ]
        series: dict[int, list[tuple[float, dict[str, float]]]] = {pid: [] for pid in first}
        began = time.monotonic()
        for client in clients:
            client.start()
        try:
            while (now := time.monotonic() - began) < duration:
                for pid in first:
                    if (taken := sample(pid)) is not None:
                        series[pid].append((now, taken))
                time.sleep(args.interval)
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=70)
            last = workers_of(process.pid)
            process.terminate()
            process.wait(timeout=60)

    report, broken = verdict(series, warmup, args)
    total = sum(traffic.statuses.values())
    server_errors = sum(n for (_, status), n in traffic.statuses.items() if status >= 500)
    broken += [f"unexpected reply: {failure}" for failure in traffic.failures]
    if last != first:
        broken.append(f"workers changed during the run (a crash?): {first} → {last}")
    result = {
        "minutes": args.minutes,
        "warmup_s": warmup,
        "clients": args.clients,
        "requests": total,
        "requests_per_s": round(total / duration, 1),
        "server_errors": server_errors,
        "statuses": {
            f"{name} {status}": n for (name, status), n in sorted(traffic.statuses.items())
        },
        "workers": report,
        "failures": broken,
        "ok": not broken,
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if not broken else 1


if __name__ == "__main__":
    sys.exit(main())
